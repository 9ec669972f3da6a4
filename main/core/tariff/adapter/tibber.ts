import { finite, instant, isRecord, origin, requestJson } from './http.ts';
import { ProviderError, type ConfigOf, type DynamicAdapter, type SpotSlot } from './types.ts';

const LABEL = 'Tibber';

const QUERY = `{ viewer { homes { id currentSubscription { priceInfo(resolution: QUARTER_HOURLY) {
  today { total energy tax startsAt currency }
  tomorrow { total energy tax startsAt currency } } } } } }`;

/**
 * Tibber (token): GraphQL POST /v1-beta/gql. `total` is what the customer pays (energy + tax), so
 * it is the slot's spot here: leave charges and tax at 0. Slots end where the next begins.
 */
export const tibberAdapter: DynamicAdapter<ConfigOf<'tibber'>> = {
  type: 'dynamic',
  label: LABEL,
  sourceKey: (c) => `tibber:${c.homeId ?? 'first'}`,
  publishes: { hour: 13, minute: 15, timeZone: 'Europe/Stockholm' },
  async fetch(config, from, to, io) {
    const body = await requestJson(
      io,
      `${origin(io, 'https://api.tibber.com')}/v1-beta/gql`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${config.token}` },
        body: JSON.stringify({ query: QUERY }),
      },
      LABEL,
    );
    return parseTibber(body, config.homeId).filter((s) => s.end > from && s.start < to);
  },
};

export function parseTibber(body: unknown, homeId?: string): SpotSlot[] {
  if (isRecord(body) && Array.isArray(body['errors']) && body['errors'].length > 0) {
    const first: unknown = body['errors'][0];
    const message = isRecord(first) ? String(first['message']) : 'unknown error';
    const code = isRecord(first) && isRecord(first['extensions']) ? String(first['extensions']['code']) : '';
    const auth = /UNAUTHENTICATED|unauthori[sz]ed|token/i.test(`${code} ${message}`);
    throw new ProviderError(
      auth
        ? `${LABEL} rejected the token (${message}): check the token in the tariff settings`
        : `${LABEL} answered: ${message}`,
      { auth },
    );
  }
  const homes =
    isRecord(body) && isRecord(body['data']) && isRecord(body['data']['viewer'])
      ? body['data']['viewer']['homes']
      : undefined;
  if (!Array.isArray(homes)) throw new ProviderError(`${LABEL} sent no homes in its answer`);
  const home: unknown = homeId ? homes.find((h: unknown) => isRecord(h) && h['id'] === homeId) : homes[0];
  if (!isRecord(home))
    throw new ProviderError(
      homeId ? `${LABEL} has no home with id ${homeId}` : `${LABEL} lists no home for this token`,
    );
  const sub = home['currentSubscription'];
  const info = isRecord(sub) ? sub['priceInfo'] : undefined;
  if (!isRecord(info)) throw new ProviderError(`${LABEL}: this home has no active subscription with prices`);
  const rows = [
    ...(Array.isArray(info['today']) ? info['today'] : []),
    ...(Array.isArray(info['tomorrow']) ? info['tomorrow'] : []),
  ];
  const parsed = rows.map((row: unknown, i) => {
    if (!isRecord(row)) throw new ProviderError(`${LABEL} sent a malformed price at ${i}`);
    return {
      start: instant(row['startsAt'], `startsAt at ${i}`, LABEL),
      spot: finite(row['total'], `total at ${i}`, LABEL),
      currency: typeof row['currency'] === 'string' ? row['currency'] : 'EUR',
    };
  });
  parsed.sort((a, b) => a.start - b.start);
  // Tibber gives starts only: the step to the next start is the slot length, and the last slot
  // takes the most common step.
  const steps = parsed.slice(1).map((p, i) => p.start - (parsed[i]?.start ?? 0));
  const step = steps.length > 0 ? Math.min(...steps) : 3_600_000;
  return parsed.map((p, i) => ({
    start: p.start,
    end: Math.min(parsed[i + 1]?.start ?? Infinity, p.start + step),
    spot: p.spot,
    currency: p.currency,
  }));
}
