/**
 * One differential check of the planner at a realistic size: the plan (DP route or HiGHS warm
 * started, as the app plans) against HiGHS alone on the same model (cold, no DP route), both
 * re-scored by checkPlan, which shares no code with the planner.
 */
import { expect, it } from 'vitest';
import { generate } from '#core/planner/generate';
import { plan } from '#workers/planner/plan';
import { atLeastAsGood, checkPlan } from './plan-check.ts';
import { realSeries } from './plan-data.ts';

const series = realSeries(2023);

export async function differential(seed: number, slots: number, thermal: boolean): Promise<void> {
  const input = generate({ seed, slots, thermal, ...series });
  const now = input.slots[0]!.start;
  const mine = await plan(input, { now, timeLimitMs: 60_000 });
  const ref = await plan(input, { now, solver: 'milp', timeLimitMs: 120_000 });
  const a = checkPlan(input, mine);
  const b = checkPlan(input, ref);
  expect(a.violations).toEqual([]);
  expect(b.violations).toEqual([]);
  // What the plan says it earns is what it earns.
  expect(Math.abs(mine.totals.net - a.net)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(a.net)));
  expect(Math.abs(mine.totals.comfortKh - a.comfortKh)).toBeLessThanOrEqual(1e-9 * Math.max(1, a.comfortKh));
  // A plan said optimal is at least as good as anything HiGHS alone found, and equal to its proven
  // optimum; one said feasible is within its gap of that optimum. (On a slow machine HiGHS alone
  // may stop at its limit too; then only the first holds.)
  if (mine.status.kind === 'optimal') {
    expect(atLeastAsGood(a, b, 1e-6), `seed ${seed}: ${a.objective} vs HiGHS alone ${b.objective}`).toBe(true);
    if (ref.status.kind === 'optimal')
      expect(atLeastAsGood(b, a, 1e-6), `seed ${seed}: optimum ${b.objective} below ${a.objective}`).toBe(true);
  } else if (mine.status.kind === 'feasible' && ref.status.kind === 'optimal') {
    expect(a.objective).toBeGreaterThanOrEqual(b.objective - (mine.status.gap + 1e-6) * Math.abs(b.objective));
  }
}

/**
 * One differential test per seed from `first` to `last` at `slots` slots, the thermal model on odd
 * seeds and the demand model on even ones. Each size has its own test file, so that vitest runs
 * the sizes side by side.
 */
export function differentialSeeds(first: number, last: number, slots: number): void {
  for (let seed = first; seed <= last; seed++) {
    it(
      `seed ${seed} (${seed % 2 ? 'thermal' : 'demand'} model)`,
      () => differential(seed, slots, seed % 2 === 1),
      240_000,
    );
  }
}
