import { finite, instant, isRecord, origin, requestJson } from './http.ts';
import { ProviderError, type ConfigOf, type DynamicAdapter, type SpotSlot } from './types.ts';

const LABEL = 'Energi Data Service';

/**
 * Energi Data Service (DK1/DK2, no key), dataset DayAheadPrices: quarter-hourly records
 * `{ TimeUTC, TimeDK, PriceArea, DayAheadPriceDKK, DayAheadPriceEUR }` per MWh. Older hourly
 * Elspotprices records (`HourUTC`, `SpotPriceDKK`, `SpotPriceEUR`) parse too. Times have no
 * zone suffix and are UTC.
 */
export const energiDataServiceAdapter: DynamicAdapter<ConfigOf<'energi-data-service'>> = {
  type: 'dynamic',
  label: LABEL,
  sourceKey: (c) => `energi-data-service:${c.area}:${c.currency}`,
  publishes: { hour: 13, minute: 15, timeZone: 'Europe/Copenhagen' },
  async fetch(config, from, to, io) {
    const iso = (t: number) => new Date(t).toISOString().slice(0, 16);
    const params = new URLSearchParams({
      start: iso(from),
      end: iso(to),
      timezone: 'UTC',
      filter: JSON.stringify({ PriceArea: [config.area] }),
      sort: 'TimeUTC asc',
      limit: '0',
    });
    const url = `${origin(io, 'https://api.energidataservice.dk')}/dataset/DayAheadPrices?${params.toString()}`;
    return parseEnergiDataService(await requestJson(io, url, {}, LABEL), config.area, config.currency);
  },
};

export function parseEnergiDataService(body: unknown, area: string, currency: 'DKK' | 'EUR'): SpotSlot[] {
  if (!isRecord(body) || !Array.isArray(body['records'])) throw new ProviderError(`${LABEL} sent no "records" list`);
  const rows = body['records'].filter((r): r is Record<string, unknown> => isRecord(r) && r['PriceArea'] === area);
  const starts = rows.map((r, i) => {
    const hourly = r['TimeUTC'] === undefined;
    return { r, hourly, start: instant(hourly ? r['HourUTC'] : r['TimeUTC'], `time at records[${i}]`, LABEL, true) };
  });
  return starts.map(({ r, hourly, start }, i) => {
    const field = hourly ? `SpotPrice${currency}` : `DayAheadPrice${currency}`;
    const value = r[field];
    // The service leaves a price null where it is not yet settled; that slot is simply unknown.
    if (value === null || value === undefined) throw new ProviderError(`${LABEL} sent no ${field} at records[${i}]`);
    return {
      start,
      end: start + (hourly ? 60 : 15) * 60_000,
      spot: finite(value, `${field} at records[${i}]`, LABEL) / 1000,
      currency,
    };
  });
}
