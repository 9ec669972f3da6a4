import { finite, isRecord, origin, requestJson } from './http.ts';
import { ProviderError, type ConfigOf, type DynamicAdapter, type SpotSlot } from './types.ts';

const LABEL = 'aWATTar';

/**
 * aWATTar market data (DE and AT, no key): GET /v1/marketdata?start=&end= (ms) answers
 * `{ object: "list", data: [{ start_timestamp, end_timestamp, marketprice, unit: "Eur/MWh" }] }`.
 */
export const awattarAdapter: DynamicAdapter<ConfigOf<'awattar'>> = {
  type: 'dynamic',
  label: LABEL,
  sourceKey: (c) => `awattar:${c.country}`,
  publishes: { hour: 14, minute: 0, timeZone: 'Europe/Berlin' },
  async fetch(config, from, to, io) {
    const url = `${origin(io, `https://api.awattar.${config.country}`)}/v1/marketdata?start=${from}&end=${to}`;
    return parseAwattar(await requestJson(io, url, { headers: { accept: 'application/json' } }, LABEL));
  },
};

export function parseAwattar(body: unknown): SpotSlot[] {
  if (!isRecord(body) || !Array.isArray(body['data'])) throw new ProviderError(`${LABEL} sent no "data" list`);
  return body['data'].map((row: unknown, i) => {
    if (!isRecord(row)) throw new ProviderError(`${LABEL} sent a malformed entry at data[${i}]`);
    const unit = String(row['unit'] ?? '').toLowerCase();
    if (unit !== 'eur/mwh')
      throw new ProviderError(`${LABEL} sent prices in "${String(row['unit'])}", expected Eur/MWh`);
    return {
      start: finite(row['start_timestamp'], `start_timestamp at data[${i}]`, LABEL),
      end: finite(row['end_timestamp'], `end_timestamp at data[${i}]`, LABEL),
      spot: finite(row['marketprice'], `marketprice at data[${i}]`, LABEL) / 1000,
      currency: 'EUR',
    };
  });
}
