import { localToUtc } from '#core/time';
import type { OutdoorAt } from './demand.ts';

/** Hourly (or any-step) outdoor temperatures, times increasing, ms since the epoch UTC. */
export type WeatherPoint = { at: number; c: number };

/** Points further apart than this are a gap: no temperature is made up across it. */
export const WEATHER_MAX_GAP_MS = 3 * 3_600_000;
/** How far past the first or last point its temperature is still used (half an hourly slot and some). */
const EDGE_MS = 3_600_000;

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const LOCAL_ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;

/**
 * Reads an outdoor temperature file, one of two layouts:
 * - `time,temp_c` with ISO times that carry their zone (`2023-01-01T00:00:00Z`, `…+01:00`);
 * - Open-Meteo's CSV export: an optional location block (its `timezone` column names the zone the
 *   times are in; GMT without it), a blank line, then `time,temperature_2m (°C)` (or °F) with
 *   local times such as `2023-01-01T00:00`. Other columns are ignored; an empty temperature (hours
 *   Open-Meteo has no data for) is skipped, and a gap longer than 3 h is reported where it is used.
 * Errors name the file and line, and what the line should look like.
 */
export function parseWeatherCsv(text: string, name = 'weather file'): WeatherPoint[] {
  const lines = text.split(/\r?\n/);
  let i = 0;
  const skipBlank = () => {
    while (i < lines.length && (lines[i] ?? '').trim() === '') i++;
  };
  skipBlank();
  let timeZone = 'UTC';
  let head = (lines[i] ?? '').trim().toLowerCase();
  if (head.startsWith('latitude,')) {
    const cols = head.split(',');
    const values = (lines[i + 1] ?? '').split(',');
    const tzCol = cols.indexOf('timezone');
    const tz = tzCol >= 0 ? (values[tzCol] ?? '').trim() : '';
    if (tz) {
      try {
        new Intl.DateTimeFormat('en', { timeZone: tz });
      } catch {
        throw new Error(`${name} line ${i + 2}: unknown time zone "${tz}" in the timezone column`);
      }
      timeZone = tz;
    }
    i += 2;
    skipBlank();
    head = (lines[i] ?? '').trim().toLowerCase();
  }
  const headLine = i + 1;
  const cols = head.split(',').map((c) => c.trim());
  const openMeteo = cols[0] === 'time' && cols.some((c) => c.startsWith('temperature_2m'));
  if (!openMeteo && head !== 'time,temp_c') {
    throw new Error(
      `${name} line ${headLine}: first line must be "time,temp_c" (or Open-Meteo's "time,temperature_2m (°C)"), got "${lines[i]?.trim() ?? ''}"`,
    );
  }
  const tCol = openMeteo ? cols.findIndex((c) => c.startsWith('temperature_2m')) : 1;
  const fahrenheit = openMeteo && (cols[tCol] ?? '').includes('°f');
  const out: WeatherPoint[] = [];
  for (i = i + 1; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.trim() === '') continue;
    const lineNo = i + 1;
    const cells = line.split(',').map((c) => c.trim());
    const time = cells[0] ?? '';
    let at: number;
    if (openMeteo) {
      const m = LOCAL_ISO.exec(time);
      if (!m) throw new Error(`${name} line ${lineNo}: expected a time such as 2023-01-01T00:00, got "${time}"`);
      at = localToUtc(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), timeZone);
    } else {
      if (!ISO_WITH_ZONE.test(time))
        throw new Error(
          `${name} line ${lineNo}: expected an ISO time with its zone such as 2023-01-01T00:00:00Z, got "${time}"`,
        );
      at = Date.parse(time);
    }
    if (!Number.isFinite(at)) throw new Error(`${name} line ${lineNo}: "${time}" is not a real date`);
    const raw = cells[tCol];
    if (raw === undefined || raw === '') {
      if (openMeteo) continue;
      throw new Error(`${name} line ${lineNo}: no temperature; expected "${time},5.2" (°C)`);
    }
    const v = Number(raw);
    if (!Number.isFinite(v)) throw new Error(`${name} line ${lineNo}: temperature "${raw}" is not a number`);
    const c = fahrenheit ? ((v - 32) * 5) / 9 : v;
    if (c < -70 || c > 60)
      throw new Error(
        `${name} line ${lineNo}: ${raw}${fahrenheit ? ' °F' : ' °C'} is not an outdoor temperature (−70 to 60 °C)`,
      );
    const prev = out.at(-1);
    if (prev && at <= prev.at)
      throw new Error(
        `${name} line ${lineNo}: times must increase (${new Date(at).toISOString()} after ${new Date(prev.at).toISOString()})`,
      );
    out.push({ at, c });
  }
  if (out.length === 0) throw new Error(`${name}: no temperatures after the header line`);
  return out;
}

/**
 * The temperature at any instant: linear between the two points around it, held for up to an hour
 * beyond the first and last point, null across a gap longer than 3 h or further outside.
 */
export function weatherAt(points: WeatherPoint[]): OutdoorAt {
  return (ms) => {
    const first = points[0];
    const last = points.at(-1);
    if (!first || !last) return null;
    if (ms <= first.at) return first.at - ms <= EDGE_MS ? first.c : null;
    if (ms >= last.at) return ms - last.at <= EDGE_MS ? last.c : null;
    let lo = 0;
    let hi = points.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if ((points[mid]?.at ?? 0) <= ms) lo = mid;
      else hi = mid;
    }
    const a = points[lo];
    const b = points[hi];
    if (!a || !b) return null;
    if (b.at - a.at > WEATHER_MAX_GAP_MS) return null;
    return a.c + ((ms - a.at) / (b.at - a.at)) * (b.c - a.c);
  };
}
