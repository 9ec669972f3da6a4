import { describe, it } from 'vitest';
import { differential } from '../../../test/support/plan-differential.ts';

// 12 seeded homes at 192 slots (48 h at 15 min, as the app plans); see differential-96.test.ts.
describe('the planner equals HiGHS alone on realistic 48 h problems (192 × 15 min)', () => {
  for (let seed = 101; seed <= 112; seed++) {
    it(
      `seed ${seed} (${seed % 2 ? 'thermal' : 'demand'} model)`,
      () => differential(seed, 192, seed % 2 === 1),
      240_000,
    );
  }
});
