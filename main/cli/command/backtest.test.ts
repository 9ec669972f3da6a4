import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PRICES_DIR } from '../../../test/fixtures/data.ts';
import { runCli } from '../../../test/headless/harness.ts';

const file = path.join(PRICES_DIR, 'be-day-ahead-2023.csv');

describe('hearth backtest', () => {
  it('prints per-month and total figures for each policy; the planner nets the most', async () => {
    const r = await runCli(['backtest', '--prices', file, '--from', '2023-01-01', '--to', '2023-03-01', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { results: { policy: string; months: unknown[]; total: { net: number; energyKWh: number } }[] };
    expect(out.results.map((x) => x.policy.split(':')[0])).toEqual(['planner', 'always', 'thermostat', 'best threshold']);
    const [planner, ...rest] = out.results;
    // In winter months running whenever heat is needed can be exactly what the planner does too.
    for (const o of rest) expect(planner?.total.net).toBeGreaterThanOrEqual(o.total.net - 1e-9);
    expect(planner?.total.net).toBeGreaterThan(rest[0]?.total.net ?? Infinity);
    const text = await runCli(['backtest', '--prices', file, '--from', '2023-01-01', '--to', '2023-02-01', '--policy', 'planner', '--policy', 'threshold:0.1']);
    expect(text.stdout).toMatch(/total\npolicy +kWh +heat kWh +credit € +cost € +revenue € +net €\nplanner /);
    expect(text.stdout).toContain('threshold:0.1');
  }, 60_000);

  it('refuses bad input with one line and exit 2', async () => {
    const r = await runCli(['backtest', '--prices', file, '--policy', 'sometimes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--policy expects planner, always/);
    const m = await runCli(['backtest']);
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/--prices FILE is required/);
  }, 60_000);
});
