import os from 'node:os';
import { HandlerError, type MiningEarnings, type MiningPool, type MiningPoolInput, type MiningSettings, type MiningStatus } from '#contract/index';
import type { CoreContext, CoreModule } from '#core/module';
import { defaultFetchJson, Market, type FetchJson } from './market.ts';
import { Miner, type MinerStats } from './miner.ts';
import type { MiningRunOverride, MiningService } from './service.ts';
import { createShareStore, miningMigrations } from './store.ts';
import { parsePoolUrl, type PoolConfig, type StratumOptions } from './stratum.ts';

export const MINING_SETTINGS_KEY = 'mining';

type StoredPool = { url: string; user: string; password: string | null; extranonceSubscribe: boolean };
type Stored = { pools: StoredPool[]; threads: number; powerPct: number };

/** Block subsidy since the April 2024 halving; fees vary and are left out. */
export const BLOCK_REWARD_BTC = 3.125;

export type MiningModuleOptions = {
  /** Where difficulty and price come from (tests point it at a local server). */
  marketUrl?: string;
  fetchJson?: FetchJson;
  /** Stratum client overrides (tests shorten backoff and timeouts). */
  stratum?: Partial<Omit<StratumOptions, 'pools' | 'log' | 'onJob' | 'onStatus'>>;
};

function defaults(): Stored {
  return { pools: [], threads: Math.max(1, os.availableParallelism() - 1), powerPct: 100 };
}

/** Validates pool input; throws a HandlerError naming the pool and what to fix. */
export function checkPools(input: MiningPoolInput[]): void {
  for (const [i, p] of input.entries()) {
    try {
      parsePoolUrl(p.url);
    } catch (e) {
      throw new HandlerError('bad-request', `pool ${i + 1}: ${(e as Error).message}`, 'Use the address your pool publishes, e.g. stratum+tcp://pool.example.com:3333');
    }
    if (/\s/.test(p.user.trim())) throw new HandlerError('bad-request', `pool ${i + 1}: the worker name "${p.user}" contains spaces`, 'Pools expect account.worker without spaces');
  }
}

export function miningModule(options: MiningModuleOptions = {}): CoreModule {
  return {
    name: 'mining',
    migrations: miningMigrations,
    create(ctx: CoreContext) {
      const shares = createShareStore(ctx.db);
      const load = (): Stored => ({ ...defaults(), ...(ctx.settings.get<Stored>(MINING_SETTINGS_KEY) ?? {}) });
      const save = (s: Stored) => ctx.settings.put(MINING_SETTINGS_KEY, s);
      let miner: Miner | null = null;
      let lastStats: MinerStats | null = null;
      let lastRate = 0;
      const market = new Market(ctx.settings, options.marketUrl ?? 'https://mempool.space', options.fetchJson ?? defaultFetchJson, () => ctx.clock.now());
      const service = <K extends 'hardware' | 'tariff' | 'market'>(name: K) => {
        try {
          return ctx.use(name);
        } catch {
          return null; // a core started with part of the modules (tests, CLI)
        }
      };

      const earnings = async (currencyArg?: string, refresh = false): Promise<MiningEarnings> => {
        const manual = market.manual();
        const manualDiff = manual.networkDifficulty ?? null;
        const manualPrice = manual.btcPrice ?? null;
        const shared = service('market');
        let networkDifficulty: number | null;
        let btcPrice: number | null;
        let currency: string;
        let source: MiningEarnings['source'];
        let cache = null as ReturnType<typeof market.cache>;
        if (shared) {
          // The market domain fetches and caches price and difficulty for the whole app.
          const cur = shared.current();
          currency = currencyArg ?? manual.currency ?? cur.currency;
          networkDifficulty = manualDiff ?? cur.difficulty;
          btcPrice = manualPrice ?? (currency === cur.currency ? cur.btcPrice : null);
          source = manualDiff !== null || manualPrice !== null ? 'manual' : 'market';
        } else {
          // The page must not wait on a slow network: after 2 s the cached (or typed) values are
          // used and the fetch finishes in the background for the next call.
          const r = await Promise.race([market.refresh(refresh), new Promise<{ fresh: boolean }>((res) => setTimeout(() => res({ fresh: false }), 2000).unref())]);
          cache = market.cache();
          currency = currencyArg ?? manual.currency ?? 'EUR';
          networkDifficulty = manualDiff ?? cache?.networkDifficulty ?? null;
          btcPrice = manualPrice ?? cache?.prices[currency] ?? null;
          source = manualDiff !== null || manualPrice !== null ? 'manual' : cache ? (r.fresh ? 'fetched' : 'cached') : 'none';
        }
        const hashRate = miner ? miner.stats().hashRate || lastRate : lastRate;
        const btcPerDay = networkDifficulty ? (hashRate * 86_400 * BLOCK_REWARD_BTC) / (networkDifficulty * 2 ** 32) : null;
        const cpu = service('hardware')?.latest()?.devices.find((d) => d.deviceId === 'cpu') ?? null;
        const powerW = miner && cpu && cpu.powerW !== null ? cpu.powerW : null;
        const now = ctx.clock.now();
        const slot = service('tariff')?.slots(now, now + 1)[0] ?? null;
        const energyKWhPerDay = powerW === null ? null : (powerW * 24) / 1000;
        return {
          hashRate,
          networkDifficulty,
          btcPrice,
          currency,
          source,
          fetchedAt: cache?.fetchedAt ?? null,
          fetchError: shared ? null : market.error,
          blockRewardBtc: BLOCK_REWARD_BTC,
          btcPerDay,
          moneyPerDay: btcPerDay !== null && btcPrice !== null ? btcPerDay * btcPrice : null,
          powerW,
          energyKWhPerDay,
          energyCostPerDay: energyKWhPerDay !== null && slot ? energyKWhPerDay * slot.price : null,
          tariffCurrency: slot?.currency ?? null,
        };
      };

      const publicSettings = (s: Stored): MiningSettings => ({
        pools: s.pools.map((p): MiningPool => ({ url: p.url, user: p.user, hasPassword: p.password !== null, extranonceSubscribe: p.extranonceSubscribe })),
        threads: s.threads,
        powerPct: s.powerPct,
        secretsEncrypted: ctx.secrets.encrypted,
      });

      const status = (): MiningStatus => {
        const running = miner !== null;
        const o = running ? runOverride : {};
        const s = { ...load(), ...(o.threads !== undefined ? { threads: o.threads } : {}), ...(o.powerPct !== undefined ? { powerPct: o.powerPct } : {}) };
        const st = miner?.stats() ?? lastStats;
        return {
          running,
          threads: running && st ? st.threads : s.threads,
          powerPct: s.powerPct,
          hashRate: running && st ? st.hashRate : 0,
          perThread: running && st ? st.perThread : [],
          accepted: st?.accepted ?? 0,
          rejected: st?.rejected ?? 0,
          stale: st?.stale ?? 0,
          totals: shares.totals(),
          jobDifficulty: running ? (st?.jobDifficulty ?? null) : null,
          kernel: st?.kernel ?? null,
          pool: st && running
            ? { state: st.pool.state, url: st.pool.url, difficulty: st.pool.difficulty, lastError: st.pool.lastError, retryInMs: st.pool.retryInMs, versionRollingMask: st.pool.versionRollingMask }
            : { state: 'idle', url: null, difficulty: null, lastError: st?.pool.lastError ?? null, retryInMs: null, versionRollingMask: null },
        };
      };

      let runOverride: MiningRunOverride = {};
      const start = async (override: MiningRunOverride = {}): Promise<MiningStatus> => {
        if (miner) return status();
        const s = { ...load(), ...(override.threads !== undefined ? { threads: override.threads } : {}), ...(override.powerPct !== undefined ? { powerPct: override.powerPct } : {}) };
        runOverride = override;
        if (s.pools.length === 0 && !override.pools?.length) throw new HandlerError('conflict', 'no mining pool is configured', 'Add a pool (URL, worker name, password) in the Mining settings first');
        const pools: PoolConfig[] = override.pools?.length ? override.pools : s.pools.map((p) => ({
          url: p.url,
          user: p.user,
          password: p.password === null ? 'x' : ctx.secrets.open(p.password),
          extranonceSubscribe: p.extranonceSubscribe,
        }));
        const m = new Miner({
          pools,
          threads: s.threads,
          powerPct: s.powerPct,
          log: ctx.log,
          ...(options.stratum ? { stratum: options.stratum } : {}),
          onStats: (st) => {
            lastStats = st;
            if (st.hashRate > 0) lastRate = st.hashRate;
            ctx.events.emit('hash-rate', { at: ctx.clock.now(), hashRate: st.hashRate, perThread: st.perThread, accepted: st.accepted, rejected: st.rejected, stale: st.stale, jobDifficulty: st.jobDifficulty, poolState: st.pool.state });
          },
          onShare: (r) => {
            const row = shares.add({ at: ctx.clock.now(), outcome: r.outcome, jobId: r.jobId, pool: r.pool, difficulty: r.difficulty, hashDifficulty: r.hashDifficulty, reason: r.reason });
            ctx.events.emit('mining-share', row);
          },
        });
        miner = m;
        try {
          await m.start();
        } catch (e) {
          miner = null;
          await m.stop();
          throw new HandlerError('failed', `the hashing threads did not start: ${(e as Error).message}`, 'Run `npm run build` so the worker bundles exist');
        }
        lastStats = m.stats();
        return status();
      };

      const stop = async (): Promise<MiningStatus> => {
        const m = miner;
        if (m) {
          lastStats = m.stats();
          miner = null;
          await m.stop();
        }
        return status();
      };

      const setPower = async (p: { threads?: number; powerPct?: number }, opts: { persist?: boolean } = {}): Promise<MiningStatus> => {
        const s = load();
        if (p.threads !== undefined) {
          const max = os.availableParallelism();
          if (p.threads > max) throw new HandlerError('bad-request', `${p.threads} threads is more than this computer's ${max} logical cores`, `Choose 0..${max}`);
          s.threads = p.threads;
        }
        if (p.powerPct !== undefined) s.powerPct = p.powerPct;
        if (opts.persist ?? true) save(s);
        // A live change wins over what this run was started with.
        runOverride = { ...runOverride, ...p };
        if (miner) {
          if (p.powerPct !== undefined) miner.setPower(p.powerPct);
          if (p.threads !== undefined) await miner.setThreads(p.threads);
          lastStats = miner.stats();
        }
        return status();
      };

      const miningService: MiningService = { status, start, stop, setPower };
      return {
        service: miningService,
        handlers: {
          'mining-status': async () => status(),
          'mining-settings-get': async () => publicSettings(load()),
          'mining-settings-set': async (args) => {
            const s = load();
            if (args.pools) {
              checkPools(args.pools);
              const old = s.pools;
              s.pools = args.pools.map((p) => {
                const kept = old.find((o) => o.url === p.url.trim() && o.user === p.user.trim());
                const password = p.password !== undefined ? (p.password === '' ? null : ctx.secrets.seal(p.password)) : (kept?.password ?? null);
                return { url: p.url.trim(), user: p.user.trim(), password, extranonceSubscribe: p.extranonceSubscribe ?? false };
              });
            }
            if (args.threads !== undefined || args.powerPct !== undefined) {
              save(s);
              await setPower({ ...(args.threads !== undefined ? { threads: args.threads } : {}), ...(args.powerPct !== undefined ? { powerPct: args.powerPct } : {}) });
              return publicSettings(load());
            }
            save(s);
            return publicSettings(s);
          },
          'mining-start': () => start(),
          'mining-stop': () => stop(),
          'mining-set-power': (p) => setPower(p),
          'mining-shares': async ({ limit }) => shares.latest(limit ?? 50),
          'mining-earnings': ({ currency, refresh }) => earnings(currency, refresh ?? false),
          'mining-market-set': async (m) => {
            market.setManual(m);
            return earnings(m.currency);
          },
        },
        stop: async () => {
          await stop();
        },
      };
    },
  };
}
