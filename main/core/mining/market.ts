/**
 * Network difficulty and BTC price for the earnings estimate, from mempool.space's public API
 * (GET /api/v1/mining/hashrate/3d → currentDifficulty; GET /api/v1/prices → price per currency).
 * Fetched at most once an hour and cached in the settings, so the estimate works offline; values
 * the user types win over fetched ones.
 */
import type { Settings } from '#core/setting';

export const MARKET_KEY = 'mining.market';
export const MANUAL_KEY = 'mining.market.manual';
export const MARKET_MAX_AGE_MS = 3_600_000;

export type MarketCache = { networkDifficulty: number; prices: Record<string, number>; fetchedAt: number };
export type ManualMarket = { networkDifficulty?: number | null; btcPrice?: number | null; currency?: string };

export type FetchJson = (url: string) => Promise<unknown>;

export const defaultFetchJson: FetchJson = async (url) => {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000), headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`${url} answered HTTP ${res.status}`);
  return res.json();
};

export async function fetchMarket(baseUrl: string, fetchJson: FetchJson, now: number): Promise<MarketCache> {
  const base = baseUrl.replace(/\/$/, '');
  const [hr, prices] = await Promise.all([fetchJson(`${base}/api/v1/mining/hashrate/3d`), fetchJson(`${base}/api/v1/prices`)]);
  const d = (hr as { currentDifficulty?: unknown } | null)?.currentDifficulty;
  if (typeof d !== 'number' || !(d > 0)) throw new Error(`${base}: no currentDifficulty in the hashrate answer`);
  const out: Record<string, number> = {};
  if (typeof prices === 'object' && prices !== null) {
    for (const [k, v] of Object.entries(prices)) if (/^[A-Z]{3}$/.test(k) && typeof v === 'number' && v > 0) out[k] = v;
  }
  if (Object.keys(out).length === 0) throw new Error(`${base}: no prices in the prices answer`);
  return { networkDifficulty: d, prices: out, fetchedAt: now };
}

export class Market {
  private lastError: string | null = null;
  private inflight: Promise<void> | null = null;

  constructor(
    private readonly settings: Settings,
    private readonly baseUrl: string,
    private readonly fetchJson: FetchJson,
    private readonly now: () => number,
  ) {}

  get error(): string | null {
    return this.lastError;
  }

  cache(): MarketCache | null {
    return this.settings.get<MarketCache>(MARKET_KEY) ?? null;
  }

  manual(): ManualMarket {
    return this.settings.get<ManualMarket>(MANUAL_KEY) ?? {};
  }

  setManual(m: ManualMarket): void {
    this.settings.put(MANUAL_KEY, { ...this.manual(), ...m });
  }

  /** Refreshes the cache when it is older than an hour (or `force`); failures are kept, not thrown. */
  async refresh(force = false): Promise<{ fresh: boolean }> {
    const c = this.cache();
    if (!force && c && this.now() - c.fetchedAt < MARKET_MAX_AGE_MS) return { fresh: false };
    this.inflight ??= fetchMarket(this.baseUrl, this.fetchJson, this.now())
      .then((m) => {
        this.settings.put(MARKET_KEY, m);
        this.lastError = null;
      })
      .catch((e: unknown) => {
        this.lastError = `could not fetch difficulty and price from ${this.baseUrl} (${e instanceof Error ? e.message : String(e)})`;
      })
      .finally(() => {
        this.inflight = null;
      });
    await this.inflight;
    return { fresh: this.lastError === null };
  }
}
