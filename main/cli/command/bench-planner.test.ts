import { describe, expect, it } from 'vitest';
import { runCli } from '../../../test/headless/harness.ts';

type Side = { medianMs: number; p95Ms: number; statuses: Record<string, number> };
type Out = {
  horizon: {
    instances: number;
    slots: number;
    planner: Side;
    highsCold: Side;
    bothOptimal: number;
    equalWhereBothOptimal: number;
  };
  year: { slots: number; plans: number; statuses: Record<string, number>; backtestMs: number };
};

describe('hearth bench planner', () => {
  it('plans seeded 48 h homes in the worker next to HiGHS alone, and the two agree where both are optimal', async () => {
    const r = await runCli(['bench', 'planner', '--instances', '2', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Out;
    expect(out.horizon.instances).toBe(2);
    expect(out.horizon.slots).toBe(192);
    expect(out.horizon.planner.medianMs).toBeGreaterThan(0);
    expect(out.horizon.highsCold.medianMs).toBeGreaterThan(0);
    expect(out.horizon.equalWhereBothOptimal).toBe(out.horizon.bothOptimal);
    // A year of day-ahead thermal plans (one a day, plus the first), each saying how right it is.
    expect(out.year.slots).toBe(8760);
    expect(out.year.plans).toBeGreaterThan(360);
    expect(Object.values(out.year.statuses).reduce((a, b) => a + b, 0)).toBe(out.year.plans);
  }, 180_000);

  it('refuses a bad --instances', async () => {
    const r = await runCli(['bench', 'planner', '--instances', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--instances x is not a whole number ≥ 1/);
  });
});
