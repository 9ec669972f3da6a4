// Imports nothing at run time, so the renderer may use its values as well as its types.

export type HeatSource =
  | { kind: 'none' }
  | { kind: 'gas'; pricePerKWh: number; efficiency: number; capacityW?: number }
  | { kind: 'oil'; pricePerKWh: number; efficiency: number; capacityW?: number }
  /** COP by outdoor temperature, interpolated linearly between points and held flat beyond them. */
  | { kind: 'heat-pump'; cop: { outdoorC: number; cop: number }[]; capacityW?: number }
  | { kind: 'resistive'; capacityW?: number }
  | { kind: 'district'; pricePerKWh: number; capacityW?: number };

/** A heat source's capacity when none is given (W): enough for a typical house on a cold day. */
export const DEFAULT_SOURCE_CAPACITY_W = 10_000;

/** The heat pump's COP when the settings name none (the Schedules page's starting curve). */
export const DEFAULT_COP: { outdoorC: number; cop: number }[] = [
  { outdoorC: -7, cop: 2.5 },
  { outdoorC: 7, cop: 3.5 },
];

/** A fresh heat source of a kind, with typical starting figures (the Schedules page, the backtest's flags). */
export function heatSourceOf(kind: HeatSource['kind']): HeatSource {
  switch (kind) {
    case 'none':
      return { kind };
    case 'gas':
      return { kind, pricePerKWh: 0.1, efficiency: 0.9 };
    case 'oil':
      return { kind, pricePerKWh: 0.12, efficiency: 0.85 };
    case 'heat-pump':
      return { kind, cop: DEFAULT_COP };
    case 'resistive':
      return { kind };
    case 'district':
      return { kind, pricePerKWh: 0.12 };
  }
}
