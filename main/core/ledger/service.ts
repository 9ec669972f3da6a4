import type { LedgerSettings } from '#contract/ledger';
import type { DayTotals } from './accounting.ts';

/** What other domains (dashboard, notifications) may ask of the ledger. */
export type LedgerService = {
  settings(): LedgerSettings;
  /** Totals of the local day `now` falls on, so far. */
  today(): DayTotals;
  /** Totals of one local day (YYYY-MM-DD). */
  day(day: string): DayTotals;
};
