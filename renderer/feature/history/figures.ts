import type { LedgerTotals } from '#contract/index';

/** Ledger amounts are exact integers (mWh, nano-units); they become floats only to be shown. */
export const kwh = (mwh: number) => mwh / 1_000_000;
export const money = (nanos: number) => nanos / 1_000_000_000;
/** What the bill shows: energy cost plus the fixed charges. */
export const billed = (t: LedgerTotals) => t.costNanos + t.standingNanos + t.monthlyFeeNanos;
