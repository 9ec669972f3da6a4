import { describe } from 'vitest';
import { differentialSeeds } from '../../../test/support/plan-differential.ts';

// 12 seeded homes at 192 slots (48 h at 15 min, as the app plans); see differential-96.test.ts.
describe('the planner equals HiGHS alone on realistic 48 h problems (192 × 15 min)', () => {
  differentialSeeds(101, 112, 192);
});
