import { describe, expect, it } from 'vitest';
import { runCli } from '../../../test/headless/harness.ts';

type Out = {
  horizon: { slots: number; workerMsMedian: number; route: string; shortfall: number; net: number; mipNet: number; equal: boolean };
  twoJobs: { workerMsMedian: number; route: string; net: number; mipNet: number; equal: boolean };
  year: { slots: number; routes: Record<string, number>; net: number; mipNet: number; equal: boolean };
};

describe('hearth bench planner', () => {
  it('plans the 48 h instances and the year like the MIP reference does, and says which route it took', async () => {
    const r = await runCli(['bench', 'planner', '--runs', '1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Out;
    expect(out.horizon.slots).toBe(192);
    expect(out.horizon.shortfall).toBe(0);
    expect(out.horizon.route).toBe('dp+bnb');
    expect(out.horizon.equal).toBe(true);
    // Timed through the planner worker too (and the CLI still exits: the idle worker holds nothing open).
    expect(out.horizon.workerMsMedian).toBeGreaterThan(0);
    expect(out.twoJobs.workerMsMedian).toBeGreaterThan(0);
    expect(Math.abs(out.horizon.net - out.horizon.mipNet)).toBeLessThanOrEqual(1e-9);
    expect(out.twoJobs.route).toBe('dp+bnb');
    expect(out.twoJobs.equal).toBe(true);
    expect(out.year.slots).toBe(8760);
    expect(out.year.routes).toEqual({ dp: 365 });
    expect(out.year.equal).toBe(true);
  }, 180_000);

  it('refuses a bad --runs', async () => {
    const r = await runCli(['bench', 'planner', '--runs', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--runs x is not a whole number ≥ 1/);
  });
});
