/**
 * Wall-clock arithmetic and calendar days in an IANA time zone without a date library: Intl tells
 * the local fields of an instant, and local → UTC is solved by two offset look-ups (exact except
 * inside the spring gap, where the time does not exist and the later side is taken). A day runs
 * from one local midnight to the next, so a day with a clock change is 23 or 25 hours long; days
 * are keyed "YYYY-MM-DD".
 */
export type LocalParts = { year: number; month: number; day: number; hour: number; minute: number; isoWeekday: number };

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function localParts(ms: number, timeZone: string): LocalParts {
  const out: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(ms)) if (p.type !== 'literal') out[p.type] = Number(p.value);
  const year = out['year'] ?? 1970;
  const month = out['month'] ?? 1;
  const day = out['day'] ?? 1;
  const dow = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return { year, month, day, hour: out['hour'] ?? 0, minute: out['minute'] ?? 0, isoWeekday: dow === 0 ? 7 : dow };
}

/** Offset of local time from UTC at instant `ms`, in ms (Brussels winter: +3,600,000). */
export function offsetAt(ms: number, timeZone: string): number {
  const p = localParts(ms, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute);
  return asUtc - Math.floor(ms / 60_000) * 60_000;
}

/** The instant a local wall-clock time names. In the autumn overlap, the earlier instant; in the spring gap, the later side. */
export function localToUtc(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  timeZone: string,
): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  // Trying both offsets around the wall time finds the earlier of two valid instants, if any.
  const candidates = [offsetAt(wall - 86_400_000 / 2, timeZone), offsetAt(wall + 86_400_000 / 2, timeZone)]
    .map((off) => wall - off)
    .filter((t) => {
      const p = localParts(t, timeZone);
      return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute) === wall;
    })
    .sort((a, b) => a - b);
  // In the spring gap no instant matches: shifting by the offset from before the change lands the
  // same distance past the gap (02:30 → 03:30 CEST), as Temporal's "compatible" choice does.
  return candidates[0] ?? wall - offsetAt(wall - 86_400_000 / 2, timeZone);
}

/** Local midnight starting the day that contains `ms`, and the next one (23, 24 or 25 h later). */
export function localDay(ms: number, timeZone: string): { start: number; end: number; key: string } {
  const p = localParts(ms, timeZone);
  const start = localToUtc(p.year, p.month, p.day, 0, 0, timeZone);
  const next = new Date(Date.UTC(p.year, p.month - 1, p.day + 1));
  const end = localToUtc(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), 0, 0, timeZone);
  const key = `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
  return { start, end, key };
}

/** "HH:MM" → minutes after midnight. */
export function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':');
  return Number(h) * 60 + Number(m);
}

export function systemTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** The local day an instant falls on, "YYYY-MM-DD". */
export function dayKey(ms: number, timeZone: string): string {
  const p = localParts(ms, timeZone);
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

/** The first instant of local day `day`: its midnight, or the first instant after a gap at midnight. */
export function dayStart(day: string, timeZone: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) throw new RangeError(`"${day}" is not a day (expected YYYY-MM-DD)`);
  if (new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))).toISOString().slice(0, 10) !== day) {
    throw new RangeError(`"${day}" is not a calendar day`);
  }
  return localToUtc(Number(m[1]), Number(m[2]), Number(m[3]), 0, 0, timeZone);
}

/** The day `n` days after `day` (before, for negative `n`): calendar arithmetic, no time zone involved. */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/** Local days [from, to] inclusive with their UTC bounds [start, end). */
export function dayRange(from: string, to: string, timeZone: string): { day: string; start: number; end: number }[] {
  const out: { day: string; start: number; end: number }[] = [];
  let d = from;
  let start = dayStart(d, timeZone);
  while (d <= to) {
    const n = addDays(d, 1);
    // Most days are 24 hours: check that guess with two look-ups before solving it in full.
    const guess = start + 86_400_000;
    const end = dayKey(guess, timeZone) === n && dayKey(guess - 1, timeZone) === d ? guess : dayStart(n, timeZone);
    out.push({ day: d, start, end });
    d = n;
    start = end;
  }
  return out;
}
