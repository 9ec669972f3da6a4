import { HandlerError, type MarketFigure, type MarketStatus } from '#contract/index';
import type { HandlerPart } from '#core/handler';
import { defineModule, type CoreModule, type ModuleInstance } from '#core/module';
import { BLOCK_SUBSIDY_BTC } from './revenue.ts';
import { marketSetting, marketSettingMigration, type MarketOverride, type MarketSettings } from './setting.ts';
import { fetchBtcPrice, fetchDifficulty, MarketError, PUBLIC_ENDPOINTS, type Fetched, type MarketEndpoints } from './source.ts';
import { createQuoteStore, marketMigrations } from './store.ts';
import type { MarketService } from './service.ts';

export type MarketOptions = {
  endpoints?: MarketEndpoints;
  fetch?: typeof fetch;
  /** How often to refresh (ms); difficulty changes every ~2 weeks, the price by the minute. 0: never by itself (demos, tests). */
  refreshMs?: number;
};

const DEFAULT_REFRESH_MS = 30 * 60_000;

export function marketModule(options: MarketOptions = {}): CoreModule {
  return defineModule({
    name: 'market',
    migrations: [...marketMigrations, marketSettingMigration],
    settings: [marketSetting],
    create(ctx): ModuleInstance<'market'> {
      const endpoints = options.endpoints ?? PUBLIC_ENDPOINTS;
      const fetchFn = options.fetch ?? fetch;
      const refreshMs = options.refreshMs ?? DEFAULT_REFRESH_MS;
      const store = createQuoteStore(ctx.db);
      const reasons: Record<'btc-price' | 'difficulty', string | null> = { 'btc-price': null, difficulty: null };
      let nextFetchAt: number | null = null;
      let timer: { cancel(): void } | null = null;
      let inFlight: Promise<MarketStatus> | null = null;
      // Aborted on stop so closing the core never waits for a slow or unreachable API.
      const stopping = new AbortController();

      const settings = (): MarketSettings => ctx.settings.get(marketSetting);

      const figure = (kind: 'btc-price' | 'difficulty', currency: string, override: MarketOverride | null): MarketFigure => {
        if (override) return { value: override.value, state: 'override', source: 'manual', fetchedAt: override.at, reason: reasons[kind] };
        const q = store.get(kind, currency);
        if (!q) return { value: null, state: 'none', source: null, fetchedAt: null, reason: reasons[kind] };
        return { value: q.value, state: reasons[kind] ? 'offline' : 'ok', source: q.source, fetchedAt: q.fetchedAt, reason: reasons[kind] };
      };

      const status = (): MarketStatus => {
        const s = settings();
        return {
          currency: s.currency,
          btcPrice: figure('btc-price', s.currency, s.btcPrice),
          difficulty: figure('difficulty', '', s.difficulty),
          subsidyBtc: BLOCK_SUBSIDY_BTC,
          feesBtc: s.feesBtc,
          poolFee: s.poolFee,
          nextFetchAt,
        };
      };

      const one = async (kind: 'btc-price' | 'difficulty', currency: string, get: () => Promise<Fetched>) => {
        try {
          const f = await get();
          store.put(kind, currency, { value: f.value, source: f.source, fetchedAt: ctx.clock.now() });
          reasons[kind] = null;
        } catch (err) {
          // Stopping aborts the fetch: that is no failure to report.
          if (stopping.signal.aborted) return;
          // Not logged: the status carries the reason ("offline, using value from …") for the
          // pages and CLI, and a machine without network must not fill every command's stderr.
          reasons[kind] = err instanceof MarketError ? err.message : `Fetching market data failed: ${(err as Error).message}`;
        }
      };

      const run = async (): Promise<MarketStatus> => {
        const currency = settings().currency;
        await Promise.all([
          one('btc-price', currency, () => fetchBtcPrice(currency, endpoints, fetchFn, stopping.signal)),
          one('difficulty', '', () => fetchDifficulty(endpoints, fetchFn, stopping.signal)),
        ]);
        nextFetchAt = timer ? ctx.clock.now() + refreshMs : null;
        const st = status();
        ctx.events.emit('market-update', st);
        return st;
      };

      // Fetches run one after another: an asked-for refresh waits for the one in flight and then
      // fetches again, so it always reflects the settings as they are now (a changed currency).
      const refresh = (): Promise<MarketStatus> => {
        const p: Promise<MarketStatus> = (inFlight ?? Promise.resolve()).catch(() => undefined).then(run);
        inFlight = p;
        void p.finally(() => {
          if (inFlight === p) inFlight = null;
        }).catch(() => undefined);
        return p;
      };

      const service: MarketService = {
        status,
        current() {
          const st = status();
          return { currency: st.currency, btcPrice: st.btcPrice.value, difficulty: st.difficulty.value };
        },
        basis() {
          const st = status();
          if (st.btcPrice.value === null || st.difficulty.value === null) return null;
          return { currency: st.currency, btcPrice: st.btcPrice.value, difficulty: st.difficulty.value, subsidyBtc: st.subsidyBtc, feesBtc: st.feesBtc, poolFee: st.poolFee };
        },
      };

      const handlers: HandlerPart = {
        'market-status': async () => status(),
        'market-refresh': async () => refresh(),
        'market-override': async (args) => {
          const s = settings();
          const at = ctx.clock.now();
          const next: MarketSettings = {
            currency: args.currency ?? s.currency,
            feesBtc: args.feesBtc ?? s.feesBtc,
            poolFee: args.poolFee ?? s.poolFee,
            btcPrice: args.btcPrice === undefined ? s.btcPrice : args.btcPrice === null ? null : { value: args.btcPrice, at },
            difficulty: args.difficulty === undefined ? s.difficulty : args.difficulty === null ? null : { value: args.difficulty, at },
          };
          if (args.currency && args.currency !== s.currency && s.btcPrice && args.btcPrice === undefined) {
            throw new HandlerError('conflict', `The manual BTC price was entered in ${s.currency}`, `enter the price in ${args.currency} too, or clear it (btcPrice: null)`);
          }
          ctx.settings.set(marketSetting, next);
          const st = status();
          ctx.events.emit('market-update', st);
          return st;
        },
      };

      return {
        handlers,
        service,
        start() {
          if (refreshMs === 0) return;
          timer = ctx.clock.setInterval(() => {
            if (inFlight) return;
            refresh().catch((err: unknown) => ctx.log.error(`market refresh: ${(err as Error).message}`));
          }, refreshMs);
          nextFetchAt = ctx.clock.now();
          refresh().catch((err: unknown) => ctx.log.error(`market refresh: ${(err as Error).message}`));
        },
        async stop() {
          timer?.cancel();
          timer = null;
          stopping.abort();
          await inFlight?.catch(() => undefined);
        },
      };
    },
  });
}
