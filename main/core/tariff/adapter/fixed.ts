import type { PriceSlot } from '#contract/tariff';
import { grid } from './grid.ts';
import type { ConfigOf, StaticAdapter } from './types.ts';

/** One price around the clock, in hourly slots so the planner's horizon has a grid to cut. */
export const fixedAdapter: StaticAdapter<ConfigOf<'fixed'>> = {
  type: 'static',
  slots(config, from, to): PriceSlot[] {
    return grid(from, to, 60).map((start) => ({
      start,
      end: start + 3_600_000,
      price: config.price,
      spot: null,
      currency: config.currency,
    }));
  },
};
