/**
 * Calendar days in the user's time zone. A day runs from one local midnight to the next, so a day
 * with a clock change is 23 or 25 hours long; days are keyed "YYYY-MM-DD".
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function fmt(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

function parts(ms: number, timeZone: string): { y: number; m: number; d: number; h: number; mi: number; s: number } {
  const o: Record<string, number> = {};
  for (const p of fmt(timeZone).formatToParts(ms)) if (p.type !== 'literal') o[p.type] = Number(p.value);
  return {
    y: o['year'] ?? 1970,
    m: o['month'] ?? 1,
    d: o['day'] ?? 1,
    h: o['hour'] ?? 0,
    mi: o['minute'] ?? 0,
    s: o['second'] ?? 0,
  };
}

/** The local day an instant falls on. */
export function dayKey(ms: number, timeZone: string): string {
  const p = parts(ms, timeZone);
  return `${p.y}-${String(p.m).padStart(2, '0')}-${String(p.d).padStart(2, '0')}`;
}

function offsetAt(ms: number, timeZone: string): number {
  const p = parts(ms, timeZone);
  return Date.UTC(p.y, p.m - 1, p.d, p.h, p.mi, p.s) - Math.floor(ms / 1000) * 1000;
}

/** The first instant of local day `day` (its midnight, or the first instant after a gap at midnight). */
export function dayStart(day: string, timeZone: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) throw new RangeError(`"${day}" is not a day (expected YYYY-MM-DD)`);
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (new Date(wall).toISOString().slice(0, 10) !== day) throw new RangeError(`"${day}" is not a calendar day`);
  // Offsets a few hours either side of the wall time cover every real zone's transitions.
  let best: number | null = null;
  for (const probe of [wall - 14 * 3_600_000, wall, wall + 14 * 3_600_000]) {
    const t = wall - offsetAt(probe, timeZone);
    if (dayKey(t, timeZone) === day && (best === null || t < best)) best = t;
  }
  if (best === null) {
    // Midnight fell in a spring gap: the day starts at the first instant whose date is `day`.
    let t = wall - offsetAt(wall, timeZone) - 3_600_000;
    const limit = t + 2 * 86_400_000;
    while (dayKey(t, timeZone) !== day) {
      t += 60_000;
      if (t > limit) throw new RangeError(`day ${day} not found in ${timeZone}`);
    }
    best = t;
  }
  // The earliest instant on that date: step back while the minute before is still the same day.
  while (dayKey(best - 60_000, timeZone) === day) best -= 60_000;
  return best;
}

/** The day after `day` (calendar arithmetic, no time zone involved). */
export function nextDay(day: string): string {
  const t = Date.parse(`${day}T00:00:00Z`) + 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}

export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/** Local days [from, to] inclusive with their UTC bounds [start, end). */
export function dayRange(from: string, to: string, timeZone: string): { day: string; start: number; end: number }[] {
  const out: { day: string; start: number; end: number }[] = [];
  let d = from;
  let start = dayStart(d, timeZone);
  while (d <= to) {
    const n = nextDay(d);
    // Most days are 24 hours: check that guess with two look-ups before solving it in full.
    const guess = start + 86_400_000;
    const end = dayKey(guess, timeZone) === n && dayKey(guess - 1, timeZone) === d ? guess : dayStart(n, timeZone);
    out.push({ day: d, start, end });
    d = n;
    start = end;
  }
  return out;
}
