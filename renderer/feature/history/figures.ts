import type { LedgerTotals } from '#contract/index';

/** Ledger amounts are exact integers (mWh, nano-units); they become floats only to be shown. */
export const kwh = (mwh: number) => mwh / 1_000_000;
export const money = (nanos: number) => nanos / 1_000_000_000;
/** What the bill shows: energy cost plus the fixed charges. */
export const billed = (t: LedgerTotals) => t.costNanos + t.standingNanos + t.monthlyFeeNanos;

/** Mean of the readings in each of `bins` equal spans of [from, to); null where a span has none. */
export function binMeans(
  readings: { at: number; c: number }[],
  from: number,
  to: number,
  bins: number,
): (number | null)[] {
  const sum = new Array<number>(bins).fill(0);
  const n = new Array<number>(bins).fill(0);
  const width = (to - from) / bins;
  for (const r of readings) {
    const i = Math.floor((r.at - from) / width);
    if (i < 0 || i >= bins) continue;
    sum[i] = (sum[i] ?? 0) + r.c;
    n[i] = (n[i] ?? 0) + 1;
  }
  return sum.map((s, i) => ((n[i] ?? 0) > 0 ? s / (n[i] ?? 1) : null));
}
