import type { Charges, PriceSlot } from '#contract/tariff';
import type { SpotSlot } from './adapter/types.ts';
import { matchZone } from './zone.ts';

/** What the user pays for a spot slot, the way evcc does it: (spot + charges(t)) × (1 + tax). */
export function withCharges(slot: SpotSlot, charges: Charges, timeZone: string): PriceSlot {
  const charge = (charges.zones && matchZone(charges.zones, slot.start, timeZone)?.price) ?? charges.perKWh;
  return {
    start: slot.start,
    end: slot.end,
    spot: slot.spot,
    currency: slot.currency,
    price: (slot.spot + charge) * (1 + charges.tax),
  };
}
