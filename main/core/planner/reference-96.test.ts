/**
 * The planner against a reference model written apart from it (test/support/plan-reference.ts:
 * its own mixed-integer formulation, from plan-check.ts's rules, solved by HiGHS), both scored by
 * checkPlan. The reference is first held against the exhaustive search on tiny problems, then the
 * planner against the reference on realistic 24 h homes.
 */
import { describe, expect, it } from 'vitest';
import { plan } from '#workers/planner/plan';
import { atLeastAsGood, checkPlan } from '../../../test/support/plan-check.ts';
import { bruteForce } from '../../../test/support/plan-brute.ts';
import { realSeries } from '../../../test/support/plan-data.ts';
import { referencePlan } from '../../../test/support/plan-reference.ts';
import { tiny } from '../../../test/support/plan-tiny.ts';
import { generate } from './generate.ts';

describe('the reference model', () => {
  it('equals the exhaustive optimum on 60 tiny problems', async () => {
    for (let seed = 1001; seed <= 1060; seed++) {
      const input = tiny(seed);
      const ref = await referencePlan(input);
      const mine = checkPlan(input, ref);
      const best = bruteForce(input);
      expect(best, `seed ${seed}`).not.toBeNull();
      expect(mine.violations, `seed ${seed}`).toEqual([]);
      expect(ref.status, `seed ${seed}`).toBe('optimal');
      expect(
        atLeastAsGood(mine, best!, 1e-6) && atLeastAsGood(best!, mine, 1e-6),
        `seed ${seed}: ${JSON.stringify(mine)} vs ${JSON.stringify(best)}`,
      ).toBe(true);
    }
  }, 300_000);
});

// Eight seeded homes at 96 slots (real 2023 Belgian prices, Aachen weather; generate.ts), thermal
// and demand model alternating, seeds no other test uses.
describe('the planner equals the reference model on realistic 24 h problems (96 × 15 min)', () => {
  const series = realSeries(2023);
  for (let seed = 301; seed <= 308; seed++) {
    const thermal = seed % 2 === 1;
    it(`seed ${seed} (${thermal ? 'thermal' : 'demand'} model)`, async () => {
      const input = generate({ seed, slots: 96, thermal, ...series });
      const mine = await plan(input, { now: input.slots[0]!.start });
      const ref = await referencePlan(input);
      const a = checkPlan(input, mine);
      const b = checkPlan(input, ref);
      expect(a.violations).toEqual([]);
      expect(b.violations).toEqual([]);
      expect(ref.status).toBe('optimal');
      const figures = `planner ${JSON.stringify(a)} vs reference ${JSON.stringify(b)}`;
      expect(atLeastAsGood(a, b, 1e-6), `seed ${seed}: the reference is better: ${figures}`).toBe(true);
      expect(atLeastAsGood(b, a, 1e-6), `seed ${seed}: the planner is better: ${figures}`).toBe(true);
    }, 300_000);
  }
});
