import { describe, expect, it } from 'vitest';
import { runCli } from '../../../test/headless/harness.ts';

describe('hearth bench planner', () => {
  it('plans the 48 h instance with every deadline met and times the year backtest', async () => {
    const r = await runCli(['bench', 'planner', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { horizon: { slots: number; shortfalls: unknown[]; referenceStatus: string; net: number; referenceNet: number }; year: { slots: number } };
    expect(out.horizon.slots).toBe(192);
    expect(out.horizon.shortfalls).toEqual([]);
    expect(out.horizon.referenceStatus).toBe('Optimal');
    // The reference may skip deadline work, so it can only net as much or more.
    expect(out.horizon.referenceNet).toBeGreaterThanOrEqual(out.horizon.net - 1e-9);
    expect(out.year.slots).toBe(8760);
  }, 120_000);
});
