import type { LedgerPeriodKind } from '#contract/index';
import { addDays } from '#core/time';

/**
 * Calendar periods the History page steps through, as Home Assistant's energy dashboard does: a
 * day, an ISO week (Monday to Sunday), a calendar month or year. Pure calendar arithmetic on
 * "YYYY-MM-DD" keys; the ledger turns the days into instants in its time zone (dayRange), so a
 * clock change makes its day 23 or 25 hours long and its week 167 or 169.
 */
export type PeriodDays = { from: string; to: string };

const parts = (day: string) => day.split('-').map(Number) as [number, number, number];
const key = (y: number, m: number, d: number) =>
  `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
/** Day 0 of the next month is the last of this one. */
const lastOfMonth = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();

/** The first and last day of the period of `kind` that holds `day`. */
export function periodOf(kind: LedgerPeriodKind, day: string): PeriodDays {
  const [y, m] = parts(day);
  switch (kind) {
    case 'day':
      return { from: day, to: day };
    case 'week': {
      const dow = new Date(`${day}T00:00:00Z`).getUTCDay();
      const from = addDays(day, -((dow + 6) % 7));
      return { from, to: addDays(from, 6) };
    }
    case 'month':
      return { from: key(y, m, 1), to: key(y, m, lastOfMonth(y, m)) };
    case 'year':
      return { from: key(y, 1, 1), to: key(y, 12, 31) };
  }
}

/** The first day of the period `n` periods after (negative: before) the one holding `day`. */
export function shiftPeriod(kind: LedgerPeriodKind, day: string, n: number): string {
  const { from } = periodOf(kind, day);
  const [y, m] = parts(from);
  switch (kind) {
    case 'day':
      return addDays(from, n);
    case 'week':
      return addDays(from, 7 * n);
    case 'month': {
      const k = y * 12 + (m - 1) + n;
      return key(Math.floor(k / 12), (k % 12) + 1, 1);
    }
    case 'year':
      return key(y + n, 1, 1);
  }
}

/** What a period is split into on the chart: hours of a day, days of a week or month, months of a year. */
export const BUCKET: Record<LedgerPeriodKind, 'hour' | 'day' | 'month'> = {
  day: 'hour',
  week: 'day',
  month: 'day',
  year: 'month',
};
