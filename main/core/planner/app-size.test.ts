/**
 * plan() on homes the generator builds the way the scheduler does, at the sizes the app plans (the
 * solver's own tests, on problems made by hand, are native-workers/planner/plan.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { deviceId } from '#contract/id';
import type { PlanInput } from '#contract/plan';
import { plan } from '#workers/planner/plan';
import { atLeastAsGood, checkPlan } from '../../../test/support/plan-check.ts';
import { realSeries } from '../../../test/support/plan-data.ts';
import { generate } from './generate.ts';

const at = (input: PlanInput) => ({ now: input.slots[0]!.start });

describe('plan() at the sizes the app plans', () => {
  const series = realSeries();

  it('the DP route (demand model, open-ended jobs only) equals HiGHS alone at 192 slots', async () => {
    for (const seed of [1, 2, 3]) {
      const g = generate({ seed, slots: 192, thermal: false, ...series });
      const input = { ...g, jobs: g.jobs.filter((j) => j.workNeeded === undefined) };
      const p = await plan(input, at(input));
      const ref = await plan(input, { ...at(input), solver: 'milp', timeLimitMs: 60_000 });
      expect(p.solver).toBe('dp');
      expect(p.status).toEqual({ kind: 'optimal' });
      expect(ref.status).toEqual({ kind: 'optimal' });
      const a = checkPlan(input, p);
      const b = checkPlan(input, ref);
      expect(a.violations).toEqual([]);
      expect(atLeastAsGood(a, b, 1e-6) && atLeastAsGood(b, a, 1e-6), `seed ${seed}: ${a.net} vs ${b.net}`).toBe(true);
    }
  }, 120_000);

  it('never throws on the 32-slot CPU-only problem that broke the old planner, and plans it optimally', async () => {
    const g = generate({ seed: 7, slots: 32, ...series });
    const cpu = deviceId('cpu');
    const input = {
      ...g,
      devices: g.devices.filter((d) => d.id === cpu),
      jobs: g.jobs.filter((j) => !j.devices || j.devices.includes(cpu)),
    };
    const p = await plan(input, at(input));
    expect(checkPlan(input, p).violations).toEqual([]);
    expect(p.status).toEqual({ kind: 'optimal' });
  }, 60_000);

  it('says how far it may be from the optimum when the time limit cuts HiGHS short', async () => {
    const input = generate({ seed: 2, slots: 192, ...series });
    const p = await plan(input, { ...at(input), timeLimitMs: 50 });
    expect(p.status.kind).not.toBe('optimal');
    if (p.status.kind === 'feasible') expect(p.status.gap).toBeGreaterThan(0);
    if (p.status.kind === 'heuristic') expect(p.status.reason).toMatch(/time limit|fast plan|HiGHS/);
    expect(checkPlan(input, p).violations).toEqual([]);
  }, 60_000);
});
