import os from 'node:os';
import { HandlerError, poolId, type MiningEarnings, type MiningPool, type MiningPoolCheck, type MiningPoolInput, type MiningPoolPreset, type MiningSettings, type MiningStatus, type ShareCounts } from '#contract/index';
import { poolRate } from '#workers/hash/measure';
import { btcPerHash, moneyPerHash } from '#core/market/revenue';
import { defineModule, type CoreModule } from '#core/module';
import { Miner, type MinerStats } from './miner.ts';
import type { MiningRunOverride, MiningService } from './service.ts';
import { miningSetting, type StoredMining } from './setting.ts';
import { createShareStore, miningMigrations } from './store.ts';
import { parsePoolUrl, probePool, type PoolConfig, type StratumOptions } from './stratum.ts';

export type MiningModuleOptions = {
  /** Stratum client overrides (tests shorten backoff and timeouts). */
  stratum?: Partial<Omit<StratumOptions, 'pools' | 'log' | 'onJob' | 'onStatus' | 'onDisconnect' | 'onRefused'>>;
};

/**
 * Pools people start with. Both are solo pools: the whole block reward goes to the worker's
 * address if this machine finds a block (a CPU almost never will); accepted shares show the work
 * is counted. Fees as the pools publish them.
 */
export const POOL_PRESETS: MiningPoolPreset[] = [
  {
    id: poolId('ckpool-solo'),
    name: 'solo.ckpool.org (ckpool solo)',
    url: 'stratum+tcp://solo.ckpool.org:3333',
    userHint: 'your Bitcoin address, optionally followed by .workername',
    fee: 0.02,
    note: 'ckpool in solo mode: difficulty and the first job arrive before the login answer; a worker name that is not a valid address is refused.',
  },
  {
    id: poolId('public-pool'),
    name: 'public-pool.io (open-source solo pool)',
    url: 'stratum+tcp://public-pool.io:21496',
    userHint: 'your Bitcoin address.workername',
    fee: 0,
    note: 'public-pool: solo mining without a fee; the worker name after the dot names this machine on its dashboard.',
  },
];

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
  return defineModule({
    name: 'mining',
    migrations: miningMigrations,
    settings: [miningSetting],
    optional: ['hardware', 'tariff', 'market'],
    create(ctx, { hardware, tariff, market }) {
      const shares = createShareStore(ctx.db);
      // All-time counts read once and kept up to date here: status() runs every second while
      // mining, and a winter of shares is millions of rows to group.
      let totals: ShareCounts | null = null;
      const allTime = (): ShareCounts => (totals ??= shares.counts());
      const load = (): StoredMining => ctx.settings.get(miningSetting);
      const save = (s: StoredMining) => ctx.settings.set(miningSetting, s);
      let miner: Miner | null = null;
      let lastStats: MinerStats | null = null;
      let lastRate = 0;
      /** Expected earnings next to the energy they cost, from the market's figures (one revenue formula: market/revenue.ts). */
      const earnings = (): MiningEarnings => {
        const st = market?.status() ?? null;
        const b = market?.basis() ?? null;
        const live = miner?.stats() ?? null;
        const unpaid = live && live.health.state === 'unhealthy' ? live.health.problem : null;
        // Work the pool is not accepting earns nothing: the estimate says so instead of counting it.
        const hashRate = unpaid ? 0 : live ? live.hashRate || lastRate : lastRate;
        const difficulty = st?.difficulty.value ?? null;
        const btcPerDay = st && difficulty !== null ? hashRate * 86_400 * btcPerHash({ difficulty, subsidyBtc: st.subsidyBtc, feesBtc: st.feesBtc, poolFee: st.poolFee }) : null;
        const cpu = hardware?.latest()?.devices.find((d) => d.deviceId === 'cpu') ?? null;
        const powerW = miner && cpu && cpu.powerW !== null ? cpu.powerW : null;
        const now = ctx.clock.now();
        const slot = tariff?.slots(now, now + 1)[0] ?? null;
        const energyKWhPerDay = powerW === null ? null : (powerW * 24) / 1000;
        return {
          hashRate,
          market: st,
          btcPerDay,
          moneyPerDay: b ? hashRate * 86_400 * moneyPerHash(b) : null,
          powerW,
          energyKWhPerDay,
          energyCostPerDay: energyKWhPerDay !== null && slot ? energyKWhPerDay * slot.price : null,
          tariffCurrency: slot?.currency ?? null,
          unpaidReason: unpaid,
        };
      };

      const publicSettings = (s: StoredMining): MiningSettings => ({
        pools: s.pools.map((p): MiningPool => ({ url: p.url, user: p.user, hasPassword: p.password !== null, extranonceSubscribe: p.extranonceSubscribe })),
        threads: s.threads,
        powerPct: s.powerPct,
        secretsEncrypted: ctx.secrets.encrypted,
        presets: POOL_PRESETS,
      });

      const status = (): MiningStatus => {
        const running = miner !== null;
        const o = running ? runOverride : {};
        const s = { ...load(), ...(o.threads !== undefined ? { threads: o.threads } : {}), ...(o.powerPct !== undefined ? { powerPct: o.powerPct } : {}) };
        const st = miner?.stats() ?? lastStats;
        const idlePool = { state: st?.pool.state === 'refused' ? ('refused' as const) : ('idle' as const), url: st?.pool.state === 'refused' ? st.pool.url : null, index: null, why: null, difficulty: null, lastError: st?.pool.lastError ?? null, retryInMs: null, versionRollingMask: null };
        return {
          running,
          threads: running && st ? st.threads : s.threads,
          powerPct: s.powerPct,
          hashRate: running && st ? st.hashRate : 0,
          perThread: running && st ? st.perThread : [],
          accepted: st?.accepted ?? 0,
          rejected: st?.rejected ?? 0,
          stale: st?.stale ?? 0,
          rejectReasons: st?.rejectReasons ?? {},
          totals: { ...allTime(), rejectReasons: { ...allTime().rejectReasons } },
          health: running && st ? { state: st.health.state, problem: st.health.problem, since: st.health.since, rejectRate: st.health.rejectRate } : { state: 'ok', problem: null, since: null, rejectRate: null },
          jobDifficulty: running ? (st?.jobDifficulty ?? null) : null,
          kernel: st?.kernel ?? null,
          pool: st && running
            ? { state: st.pool.state, url: st.pool.url, index: st.pool.poolIndex, why: st.pool.why, difficulty: st.pool.difficulty, lastError: st.pool.lastError, retryInMs: st.pool.retryInMs, versionRollingMask: st.pool.versionRollingMask }
            : idlePool,
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
          now: () => ctx.clock.now(),
          onStats: (st) => {
            lastStats = st;
            if (st.hashRate > 0) lastRate = st.hashRate;
            ctx.events.emit('hash-rate', { at: ctx.clock.now(), hashRate: st.hashRate, perThread: st.perThread, accepted: st.accepted, rejected: st.rejected, stale: st.stale, rejectReasons: st.rejectReasons, jobDifficulty: st.jobDifficulty, poolState: st.pool.state, health: st.health.state });
          },
          onRefused: (reason) => {
            // No endless retries: mining stops and says what the pool said and what to fix (the
            // Stratum client has logged it; the event reaches the CLI and the notifications).
            ctx.events.emit('mining-refused', { at: ctx.clock.now(), reason });
            if (miner === m) void stop();
          },
          onShare: (r) => {
            const row = shares.add({ at: ctx.clock.now(), outcome: r.outcome, jobId: r.jobId, pool: r.pool, difficulty: r.difficulty, hashDifficulty: r.hashDifficulty, reason: r.reason });
            const t = allTime();
            t[r.outcome]++;
            if (r.outcome === 'rejected') t.rejectReasons[r.reason ?? 'no reason given'] = (t.rejectReasons[r.reason ?? 'no reason given'] ?? 0) + 1;
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

      const check = async (args: { pool?: MiningPoolInput; index?: number; threads?: number }): Promise<MiningPoolCheck> => {
        let pool: PoolConfig;
        if (args.pool) {
          checkPools([args.pool]);
          const saved = load().pools.find((p) => p.url === args.pool!.url.trim() && p.user === args.pool!.user.trim());
          const password = args.pool.password !== undefined ? args.pool.password || 'x' : saved?.password ? ctx.secrets.open(saved.password) : 'x';
          pool = { url: args.pool.url.trim(), user: args.pool.user.trim(), password };
        } else {
          const saved = load().pools[args.index ?? 0];
          if (!saved) throw new HandlerError('bad-request', args.index === undefined ? 'no mining pool is configured' : `there is no pool ${args.index + 1}`, 'Add a pool (URL, worker name, password) in the Mining settings first');
          pool = { url: saved.url, user: saved.user, password: saved.password === null ? 'x' : ctx.secrets.open(saved.password) };
        }
        const r = await probePool(pool, { ...options.stratum, log: ctx.log, requestTimeoutMs: Math.min(options.stratum?.requestTimeoutMs ?? 10_000, 10_000) });
        let hashRate: number | null = null;
        let hashRateSource: MiningPoolCheck['hashRateSource'] = null;
        if (r.ok) {
          const live = miner?.stats();
          if (live && live.hashRate > 0) {
            hashRate = live.hashRate;
            hashRateSource = 'mining now';
          } else {
            hashRate = (await poolRate(args.threads ?? (load().threads || 1), 2000)).total;
            hashRateSource = 'measured for this check';
          }
        }
        const expectedSecondsPerShare = r.difficulty !== null && hashRate ? (r.difficulty * 2 ** 32) / hashRate : null;
        return { ...r, hashRate, hashRateSource, expectedSecondsPerShare };
      };

      const miningService: MiningService = { status, configured: () => load().pools.length > 0, start, stop, setPower, shareCounts: (from, to) => shares.counts(from, to) };
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
          'mining-check': (args) => check(args),
          'mining-earnings': async () => earnings(),
        },
        stop: async () => {
          await stop();
        },
      };
    },
  });
}
