import { describe } from 'vitest';
import { differentialSeeds } from '../../../test/support/plan-differential.ts';

// 40 seeded homes at 96 slots: real 2023 Belgian household prices, Aachen 2023 weather, a 16-thread
// CPU and a GPU, mining and 2–3 training jobs; thermal model and demand model alternating.
describe('the planner equals HiGHS alone on realistic 24 h problems (96 × 15 min)', () => {
  differentialSeeds(1, 40, 96);
});
