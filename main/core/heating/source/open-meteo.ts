import { getJson } from './http-get.ts';
import { SourceError } from './types.ts';

export type ForecastPoint = { at: number; c: number };

/**
 * Hourly outdoor temperature from Open-Meteo (no key): GET /v1/forecast?latitude=&longitude=
 * &hourly=temperature_2m&timeformat=unixtime answers `{ hourly_units: { temperature_2m: "°C" },
 * hourly: { time: [s…], temperature_2m: [°C…] } }`; a bad request answers `{ error: true, reason }`.
 */
export async function fetchOpenMeteo(
  location: { latitude: number; longitude: number },
  fetchFn: typeof globalThis.fetch,
  baseUrl = 'https://api.open-meteo.com',
): Promise<ForecastPoint[]> {
  const params = new URLSearchParams({
    latitude: String(location.latitude),
    longitude: String(location.longitude),
    hourly: 'temperature_2m',
    timeformat: 'unixtime',
    past_days: '1',
    forecast_days: '3',
  });
  let body: unknown;
  try {
    body = await getJson(fetchFn, `${baseUrl.replace(/\/$/, '')}/v1/forecast?${params.toString()}`, {}, 'Open-Meteo');
  } catch (err) {
    // Open-Meteo explains a bad request in a JSON "reason"; show that rather than the raw body.
    const reason = /"reason"\s*:\s*"([^"]+)"/.exec((err as Error).message)?.[1];
    throw reason ? new SourceError(`Open-Meteo refused the request: ${reason}`) : err;
  }
  const hourly = (body as { hourly?: { time?: unknown; temperature_2m?: unknown } }).hourly;
  const times = hourly?.time;
  const temps = hourly?.temperature_2m;
  if (!Array.isArray(times) || !Array.isArray(temps) || times.length !== temps.length) {
    throw new SourceError('Open-Meteo sent no hourly temperature_2m series');
  }
  const out: ForecastPoint[] = [];
  times.forEach((t: unknown, i) => {
    const c: unknown = temps[i];
    // Open-Meteo sends null for hours a model does not cover; those are skipped, not zero.
    if (typeof t === 'number' && typeof c === 'number' && Number.isFinite(c)) out.push({ at: t * 1000, c });
  });
  if (out.length === 0) throw new SourceError('Open-Meteo sent an empty forecast');
  return out;
}

/** Linear interpolation in an hourly series; null outside it (more than an hour beyond the ends). */
export function interpolate(points: ForecastPoint[], ms: number): number | null {
  if (points.length === 0) return null;
  const first = points[0]!;
  const last = points[points.length - 1]!;
  if (ms < first.at - 3_600_000 || ms > last.at + 3_600_000) return null;
  if (ms <= first.at) return first.c;
  if (ms >= last.at) return last.c;
  let lo = 0;
  let hi = points.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (points[mid]!.at <= ms) lo = mid;
    else hi = mid;
  }
  const a = points[lo]!;
  const b = points[hi]!;
  return a.c + ((ms - a.at) / (b.at - a.at)) * (b.c - a.c);
}
