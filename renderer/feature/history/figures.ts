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

export type PeriodKind = 'day' | 'week' | 'month' | 'year';

/** A calendar day key as a date to format (its UTC midnight; format it with timeZone 'UTC'). */
const dayDate = (day: string) => new Date(`${day}T00:00:00Z`);

/** The period's heading: "Mon, 7 Dec 2026", "30 Nov – 6 Dec 2026", "December 2026", "2026". */
export function periodLabel(kind: PeriodKind, from: string, to: string, locale?: string): string {
  const f = (day: string, o: Intl.DateTimeFormatOptions) =>
    dayDate(day).toLocaleDateString(locale, { timeZone: 'UTC', ...o });
  switch (kind) {
    case 'day':
      return f(from, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' });
    case 'week':
      return `${f(from, { day: 'numeric', month: 'short', ...(from.slice(0, 4) === to.slice(0, 4) ? {} : { year: 'numeric' }) })} – ${f(to, { day: 'numeric', month: 'short', year: 'numeric' })}`;
    case 'month':
      return f(from, { month: 'long', year: 'numeric' });
    case 'year':
      return from.slice(0, 4);
  }
}

const NOUN: Record<PeriodKind, string> = { day: 'day', week: 'week', month: 'month', year: 'year' };

/** What a figure is compared with: "yesterday", "last week to the same time", "the month before". */
export function previousName(kind: PeriodKind, current: boolean, running: boolean): string {
  const name = current ? (kind === 'day' ? 'yesterday' : `last ${NOUN[kind]}`) : `the ${NOUN[kind]} before`;
  return running ? `${name} to the same time` : name;
}

/** "This week", or the button that brings the current period back. */
export const currentName = (kind: PeriodKind) => (kind === 'day' ? 'Today' : `This ${NOUN[kind]}`);

/** What each bar of a period is: an hour, a day or a month. */
export const bucketNoun = (kind: PeriodKind) => (kind === 'day' ? 'hour' : kind === 'year' ? 'month' : 'day');

/** Whole local days in [from, to] (calendar keys), for the CSV export of a period. */
export const dayCount = (from: string, to: string) => Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000) + 1;
