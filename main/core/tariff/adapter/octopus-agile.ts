import { finite, instant, isRecord, origin, requestJson } from './http.ts';
import { ProviderError, type ConfigOf, type DynamicAdapter, type SpotSlot } from './types.ts';

const LABEL = 'Octopus Energy';

/**
 * Octopus Agile (UK): GET /v1/products/{product}/electricity-tariffs/E-1R-{product}-{region}/
 * standard-unit-rates/ answers `{ count, next, previous, results: [{ value_exc_vat,
 * value_inc_vat, valid_from, valid_to, payment_method }] }`, pence per kWh, newest first,
 * 30-minute slots. The VAT-inclusive rate is used: leave the tax at 0 for this tariff.
 */
export const octopusAgileAdapter: DynamicAdapter<ConfigOf<'octopus-agile'>> = {
  type: 'dynamic',
  label: LABEL,
  sourceKey: (c) => `octopus-agile:${c.product}:${c.region}`,
  publishes: { hour: 16, minute: 15, timeZone: 'Europe/London' },
  async fetch(config, from, to, io) {
    const code = `E-1R-${config.product}-${config.region}`;
    const params = new URLSearchParams({
      period_from: new Date(from).toISOString(),
      period_to: new Date(to).toISOString(),
      page_size: '1500',
    });
    let url: string | null =
      `${origin(io, 'https://api.octopus.energy')}/v1/products/${config.product}/electricity-tariffs/${code}/standard-unit-rates/?${params.toString()}`;
    const slots: SpotSlot[] = [];
    // A long range comes in pages; a handful covers any horizon Hearth asks for.
    for (let page = 0; url && page < 10; page++) {
      const body = await requestJson(io, url, {}, LABEL);
      slots.push(...parseOctopus(body));
      const next: unknown = isRecord(body) ? body['next'] : null;
      url =
        typeof next === 'string'
          ? io.baseUrl
            ? new URL(new URL(next).pathname + new URL(next).search, io.baseUrl).toString()
            : next
          : null;
    }
    return slots;
  },
};

export function parseOctopus(body: unknown): SpotSlot[] {
  if (!isRecord(body) || !Array.isArray(body['results'])) {
    const detail = isRecord(body) && typeof body['detail'] === 'string' ? `: ${body['detail']}` : '';
    throw new ProviderError(`${LABEL} sent no "results" list${detail}; check the product code and region`);
  }
  return body['results'].map((row: unknown, i) => {
    if (!isRecord(row)) throw new ProviderError(`${LABEL} sent a malformed entry at results[${i}]`);
    const start = instant(row['valid_from'], `valid_from at results[${i}]`, LABEL);
    // The newest rate of a fixed tariff has valid_to null; Agile rates always carry one.
    const end =
      row['valid_to'] === null ? start + 30 * 60_000 : instant(row['valid_to'], `valid_to at results[${i}]`, LABEL);
    return {
      start,
      end,
      spot: finite(row['value_inc_vat'], `value_inc_vat at results[${i}]`, LABEL) / 100,
      currency: 'GBP',
    };
  });
}
