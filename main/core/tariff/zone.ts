import type { TimeZone } from '#contract/tariff';
import { localParts, minutesOf } from '#core/time';

/**
 * The first zone that covers instant `ms` in `timeZone`. A zone that wraps past midnight
 * (22:00–06:00) belongs to the day it starts on: Friday's 22:00–06:00 covers Saturday 03:00 even
 * when Saturday is not among its days.
 */
export function matchZone<Z extends Pick<TimeZone, 'days' | 'from' | 'to'>>(
  zones: readonly Z[],
  ms: number,
  timeZone: string,
): Z | undefined {
  const p = localParts(ms, timeZone);
  const m = p.hour * 60 + p.minute;
  const prevDay = p.isoWeekday === 1 ? 7 : p.isoWeekday - 1;
  for (const z of zones) {
    const from = minutesOf(z.from);
    const to = minutesOf(z.to);
    const days = z.days && z.days.length > 0 ? z.days : null;
    const on = (d: number) => days === null || days.includes(d);
    if (from < to) {
      if (m >= from && m < to && on(p.isoWeekday)) return z;
    } else if (m >= from) {
      if (on(p.isoWeekday)) return z;
    } else if (m < to && on(prevDay)) return z;
  }
  return undefined;
}
