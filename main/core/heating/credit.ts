import type { HeatSlot } from '#contract/heating';
import type { HeatSource } from '#contract/heat-source';

/** COP at an outdoor temperature: linear between the given points, flat beyond the ends. */
export function copAt(points: { outdoorC: number; cop: number }[], outdoorC: number): number {
  const sorted = [...points].sort((a, b) => a.outdoorC - b.outdoorC);
  const first = sorted[0];
  const last = sorted.at(-1);
  if (!first || !last) return 1;
  if (outdoorC <= first.outdoorC) return first.cop;
  if (outdoorC >= last.outdoorC) return last.cop;
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!;
    const b = sorted[i]!;
    if (outdoorC <= b.outdoorC) return a.cop + ((outdoorC - a.outdoorC) / (b.outdoorC - a.outdoorC)) * (b.cop - a.cop);
  }
  return last.cop;
}

/**
 * What one kWh of heat would have cost to make otherwise (heating.md, "Credit"): fuel price
 * over boiler efficiency, the slot's electricity price over the heat pump's COP at the slot's
 * outdoor temperature, the electricity price itself for resistive heat, or the district price.
 */
export function creditPerKWh(
  source: HeatSource,
  slot: { price: number; currency: string },
  outdoorC: number | null,
  heatCurrency: string,
): { value: number; currency: string } {
  switch (source.kind) {
    case 'none':
      return { value: 0, currency: heatCurrency };
    case 'gas':
    case 'oil':
      return { value: source.pricePerKWh / source.efficiency, currency: heatCurrency };
    case 'district':
      return { value: source.pricePerKWh, currency: heatCurrency };
    case 'resistive':
      // Negative prices mean the displaced heater would have been paid to run: its heat was worth
      // nothing to displace, never less.
      return { value: Math.max(0, slot.price), currency: slot.currency };
    case 'heat-pump':
      return { value: Math.max(0, slot.price) / copAt(source.cop, outdoorC ?? 7), currency: slot.currency };
  }
}

/** Value of delivering `heatW` through a slot: only heat up to the demand counts. */
export function creditFor(slot: HeatSlot, heatW: number): number {
  const hours = (slot.end - slot.start) / 3_600_000;
  return (Math.min(Math.max(0, heatW), slot.demandW) * hours * slot.creditPerKWh) / 1000;
}
