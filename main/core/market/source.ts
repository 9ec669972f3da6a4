import { z } from 'zod';

/** Where market figures come from; tests point these at a local HTTP server. */
export type MarketEndpoints = { mempool: string; coingecko: string };

export const PUBLIC_ENDPOINTS: MarketEndpoints = {
  mempool: 'https://mempool.space',
  coingecko: 'https://api.coingecko.com',
};

/**
 * The endpoints a process starts with: the public APIs, or one origin named by HEARTH_MARKET_URL
 * that answers both APIs' paths (a self-hosted mempool, or the test suites' loopback address, so a
 * `hearth serve` under test never reaches outside the machine).
 */
export function startupEndpoints(env: NodeJS.ProcessEnv = process.env): MarketEndpoints {
  const origin = env['HEARTH_MARKET_URL']?.trim().replace(/\/+$/, '');
  return origin ? { mempool: origin, coingecko: origin } : PUBLIC_ENDPOINTS;
}

/** Currencies mempool.space's /api/v1/prices carries; others are asked of CoinGecko. */
const MEMPOOL_CURRENCIES = new Set(['USD', 'EUR', 'GBP', 'CAD', 'CHF', 'AUD', 'JPY']);

export class MarketError extends Error {}

const TIMEOUT_MS = 15_000;

async function getJson(url: string, provider: string, fetchFn: typeof fetch, stop?: AbortSignal): Promise<unknown> {
  let res: Response;
  try {
    res = await fetchFn(url, {
      signal: stop ? AbortSignal.any([AbortSignal.timeout(TIMEOUT_MS), stop]) : AbortSignal.timeout(TIMEOUT_MS),
      headers: { accept: 'application/json' },
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    throw new MarketError(`Cannot reach ${provider} (${cause}): check the network, or enter the value by hand`);
  }
  const text = await res.text();
  if (res.status === 429)
    throw new MarketError(
      `${provider} is rate-limiting requests (HTTP 429): the cached value stays in use; it is asked again later`,
    );
  if (!res.ok) throw new MarketError(`${provider} answered HTTP ${res.status}: ${short(text)}`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new MarketError(`${provider} sent something that is not JSON: ${short(text)}`);
  }
}

function short(t: string): string {
  const one = t.replace(/\s+/g, ' ').trim();
  return one.length > 120 ? `${one.slice(0, 120)}…` : one || '(empty)';
}

const positive = z.number().finite().positive();

export type Fetched = { value: number; source: string };

/** BTC price in `currency` (per BTC). */
export async function fetchBtcPrice(
  currency: string,
  ep: MarketEndpoints,
  fetchFn: typeof fetch = fetch,
  stop?: AbortSignal,
): Promise<Fetched> {
  if (MEMPOOL_CURRENCIES.has(currency)) {
    const body = await getJson(`${ep.mempool}/api/v1/prices`, 'mempool.space', fetchFn, stop);
    const parsed = z.record(z.string(), z.unknown()).safeParse(body);
    const v = parsed.success ? positive.safeParse(parsed.data[currency]) : null;
    if (!v?.success) throw new MarketError(`mempool.space sent no ${currency} price: ${short(JSON.stringify(body))}`);
    return { value: v.data, source: 'mempool.space' };
  }
  const c = currency.toLowerCase();
  const body = await getJson(
    `${ep.coingecko}/api/v3/simple/price?ids=bitcoin&vs_currencies=${c}`,
    'CoinGecko',
    fetchFn,
    stop,
  );
  const parsed = z.object({ bitcoin: z.record(z.string(), positive) }).safeParse(body);
  const v = parsed.success ? parsed.data.bitcoin[c] : undefined;
  if (v === undefined) throw new MarketError(`CoinGecko sent no ${currency} price: ${short(JSON.stringify(body))}`);
  return { value: v, source: 'coingecko' };
}

/** Current network difficulty. */
export async function fetchDifficulty(
  ep: MarketEndpoints,
  fetchFn: typeof fetch = fetch,
  stop?: AbortSignal,
): Promise<Fetched> {
  const body = await getJson(`${ep.mempool}/api/v1/mining/hashrate/3d`, 'mempool.space', fetchFn, stop);
  const parsed = z.object({ currentDifficulty: positive }).safeParse(body);
  if (!parsed.success)
    throw new MarketError(`mempool.space sent no current difficulty: ${short(JSON.stringify(body))}`);
  return { value: parsed.data.currentDifficulty, source: 'mempool.space' };
}
