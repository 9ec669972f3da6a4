import type { PriceSlot } from '#contract/tariff';
import { matchZone } from '../zone.ts';
import { grid } from './grid.ts';
import type { ConfigOf, StaticAdapter } from './types.ts';

/**
 * Prices by weekday and time of day (off-peak 22:00–06:00 and the like). The slot length is the
 * configured one, or the coarsest that still puts every zone boundary on a slot edge.
 */
export const timeOfUseAdapter: StaticAdapter<ConfigOf<'time-of-use'>> = {
  type: 'static',
  slots(config, from, to, timeZone): PriceSlot[] {
    const minutes = config.resolution ?? resolutionFor(config.zones.flatMap((z) => [z.from, z.to]));
    const step = minutes * 60_000;
    return grid(from, to, minutes).map((start) => ({
      start,
      end: start + step,
      price: matchZone(config.zones, start, timeZone)?.price ?? config.defaultPrice,
      spot: null,
      currency: config.currency,
    }));
  },
};

function resolutionFor(times: string[]): 15 | 30 | 60 {
  const mins = times.map((t) => Number(t.slice(3)));
  if (mins.every((m) => m === 0)) return 60;
  if (mins.every((m) => m % 30 === 0)) return 30;
  return 15;
}
