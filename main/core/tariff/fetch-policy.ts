import { localDay, localParts } from '#core/time';

export type FetchState = {
  knownUntil: number | null;
  lastAttempt: number | null;
  /** Failed attempts in a row since the last success. */
  failures: number;
};

/** Wait after the n-th failure in a row: 5, 10, 20, 40, then every 60 minutes. */
export function retryDelayMs(failures: number): number {
  if (failures <= 0) return 0;
  return Math.min(60, 5 * 2 ** (failures - 1)) * 60_000;
}

/**
 * Whether a day-ahead fetch is due now (checked every 15 minutes by node-cron): when today's
 * prices are not all known, or when tomorrow's should be published by now and are not known yet;
 * never sooner than the back-off after a failure allows.
 */
export function fetchDue(
  now: number,
  state: FetchState,
  publishes: { hour: number; minute: number; timeZone: string },
  timeZone: string,
): boolean {
  if (state.lastAttempt !== null && now - state.lastAttempt < retryDelayMs(state.failures)) return false;
  const today = localDay(now, timeZone);
  if (state.knownUntil === null || state.knownUntil < today.end) return true;
  const p = localParts(now, publishes.timeZone);
  const published = p.hour * 60 + p.minute >= publishes.hour * 60 + publishes.minute;
  const tomorrowEnd = localDay(today.end, timeZone).end;
  return published && state.knownUntil < tomorrowEnd;
}
