import type { Args, MarketFigure, MarketStatus } from '#contract/index';
import type { Clock } from '#core/clock';
import type { EventBus } from '#core/event';
import type { Logger } from '#core/log';
import type { Settings } from '#core/setting';
import { basisOf, BLOCK_SUBSIDY_BTC, type RevenueBasis } from './revenue.ts';
import { marketSetting, type MarketOverride, type MarketSettings } from './setting.ts';
import {
  fetchBtcPrice,
  fetchDifficulty,
  MarketError,
  startupEndpoints,
  type Fetched,
  type MarketEndpoints,
} from './source.ts';
import type { QuoteStore } from './store.ts';

/** What the ledger, the planner and mining may ask of market data. */
export type MarketService = {
  status(): MarketStatus;
  /** BTC price (per BTC, in `currency`) and network difficulty in use, or null where unknown. */
  current(): { currency: string; btcPrice: number | null; difficulty: number | null };
  /** Everything expected revenue needs (see revenue.ts); null while price or difficulty is unknown. */
  basis(): RevenueBasis | null;
};

export type MarketDeps = {
  store: QuoteStore;
  settings: Settings;
  clock: Clock;
  log: Logger;
  /** `market-update` after each refresh and override. */
  emit: EventBus['emit'];
  endpoints?: MarketEndpoints;
  fetch?: typeof fetch;
  /** How often to refresh (ms); difficulty changes every ~2 weeks, the price by the minute. 0: never by itself (demos, tests). */
  refreshMs?: number;
};

/** A currency change would leave the hand-entered BTC price in the old currency. */
export class CurrencyConflict extends Error {
  constructor(
    readonly priceCurrency: string,
    readonly currency: string,
  ) {
    super(`The manual BTC price was entered in ${priceCurrency}`);
    this.name = 'CurrencyConflict';
  }
}

const DEFAULT_REFRESH_MS = 30 * 60_000;

type Kind = 'btc-price' | 'difficulty';

/**
 * Market data: the BTC price and network difficulty, fetched on a timer and cached, each
 * overridable by hand; mean fees and the pool fee as set. The one source of the revenue basis.
 */
export class Market implements MarketService {
  private readonly endpoints: MarketEndpoints;
  private readonly fetchFn: typeof fetch;
  private readonly refreshMs: number;
  private readonly reasons: Record<Kind, string | null> = { 'btc-price': null, difficulty: null };
  private nextFetchAt: number | null = null;
  private timer: { cancel(): void } | null = null;
  private inFlight: Promise<MarketStatus> | null = null;
  // Aborted on stop so closing the core never waits for a slow or unreachable API.
  private readonly stopping = new AbortController();

  constructor(private readonly d: MarketDeps) {
    this.endpoints = d.endpoints ?? startupEndpoints();
    this.fetchFn = d.fetch ?? fetch;
    this.refreshMs = d.refreshMs ?? DEFAULT_REFRESH_MS;
  }

  settings(): MarketSettings {
    return this.d.settings.get(marketSetting);
  }

  status(): MarketStatus {
    const s = this.settings();
    return {
      currency: s.currency,
      btcPrice: this.figure('btc-price', s.currency, s.btcPrice),
      difficulty: this.figure('difficulty', '', s.difficulty),
      subsidyBtc: BLOCK_SUBSIDY_BTC,
      feesBtc: s.feesBtc,
      poolFee: s.poolFee,
      nextFetchAt: this.nextFetchAt,
    };
  }

  current(): { currency: string; btcPrice: number | null; difficulty: number | null } {
    const st = this.status();
    return { currency: st.currency, btcPrice: st.btcPrice.value, difficulty: st.difficulty.value };
  }

  basis(): RevenueBasis | null {
    return basisOf(this.status());
  }

  /**
   * Fetches both figures. Fetches run one after another: an asked-for refresh waits for the one in
   * flight and then fetches again, so it always reflects the settings as they are now (a changed
   * currency).
   */
  refresh(): Promise<MarketStatus> {
    const p: Promise<MarketStatus> = (this.inFlight ?? Promise.resolve()).catch(() => undefined).then(() => this.run());
    this.inFlight = p;
    void p
      .finally(() => {
        if (this.inFlight === p) this.inFlight = null;
      })
      .catch(() => undefined);
    return p;
  }

  /**
   * Sets or clears (null) manual values and the currency, fees and pool fee given; throws
   * CurrencyConflict when the currency changes under a manual BTC price not given anew.
   */
  override(args: Args<'market-override'>): MarketStatus {
    const s = this.settings();
    const at = this.d.clock.now();
    const next: MarketSettings = {
      currency: args.currency ?? s.currency,
      feesBtc: args.feesBtc ?? s.feesBtc,
      poolFee: args.poolFee ?? s.poolFee,
      btcPrice: args.btcPrice === undefined ? s.btcPrice : args.btcPrice === null ? null : { value: args.btcPrice, at },
      difficulty:
        args.difficulty === undefined ? s.difficulty : args.difficulty === null ? null : { value: args.difficulty, at },
    };
    if (args.currency && args.currency !== s.currency && s.btcPrice && args.btcPrice === undefined)
      throw new CurrencyConflict(s.currency, args.currency);
    this.d.settings.set(marketSetting, next);
    const st = this.status();
    this.d.emit('market-update', st);
    return st;
  }

  start(): void {
    if (this.refreshMs === 0) return;
    this.timer = this.d.clock.setInterval(() => {
      if (this.inFlight) return;
      this.refresh().catch((err: unknown) => this.d.log.error(`market refresh: ${(err as Error).message}`));
    }, this.refreshMs);
    this.nextFetchAt = this.d.clock.now();
    this.refresh().catch((err: unknown) => this.d.log.error(`market refresh: ${(err as Error).message}`));
  }

  async stop(): Promise<void> {
    this.timer?.cancel();
    this.timer = null;
    this.stopping.abort();
    await this.inFlight?.catch(() => undefined);
  }

  private figure(kind: Kind, currency: string, override: MarketOverride | null): MarketFigure {
    const reason = this.reasons[kind];
    if (override) return { value: override.value, state: 'override', source: 'manual', fetchedAt: override.at, reason };
    const q = this.d.store.get(kind, currency);
    if (!q) return { value: null, state: 'none', source: null, fetchedAt: null, reason };
    return { value: q.value, state: reason ? 'offline' : 'ok', source: q.source, fetchedAt: q.fetchedAt, reason };
  }

  private async one(kind: Kind, currency: string, get: () => Promise<Fetched>): Promise<void> {
    try {
      const f = await get();
      this.d.store.put(kind, currency, { value: f.value, source: f.source, fetchedAt: this.d.clock.now() });
      this.reasons[kind] = null;
    } catch (err) {
      // Stopping aborts the fetch: that is no failure to report.
      if (this.stopping.signal.aborted) return;
      // Not logged: the status carries the reason ("offline, using value from …") for the
      // pages and CLI, and a machine without network must not fill every command's stderr.
      this.reasons[kind] =
        err instanceof MarketError ? err.message : `Fetching market data failed: ${(err as Error).message}`;
    }
  }

  private async run(): Promise<MarketStatus> {
    const currency = this.settings().currency;
    const signal = this.stopping.signal;
    await Promise.all([
      this.one('btc-price', currency, () => fetchBtcPrice(currency, this.endpoints, this.fetchFn, signal)),
      this.one('difficulty', '', () => fetchDifficulty(this.endpoints, this.fetchFn, signal)),
    ]);
    this.nextFetchAt = this.timer ? this.d.clock.now() + this.refreshMs : null;
    const st = this.status();
    this.d.emit('market-update', st);
    return st;
  }
}
