import { describe, it } from 'vitest';
import { differential } from '../../../test/support/plan-differential.ts';

// 40 seeded homes at 96 slots: real 2023 Belgian household prices, Aachen 2023 weather, a 16-thread
// CPU and a GPU, mining and 2–3 training jobs; thermal model and demand model alternating.
describe('the planner equals HiGHS alone on realistic 24 h problems (96 × 15 min)', () => {
  for (let seed = 1; seed <= 40; seed++) {
    it(
      `seed ${seed} (${seed % 2 ? 'thermal' : 'demand'} model)`,
      () => differential(seed, 96, seed % 2 === 1),
      240_000,
    );
  }
});
