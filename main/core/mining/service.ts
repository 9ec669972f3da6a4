import os from 'node:os';
import {
  HandlerError,
  poolId,
  type MiningEarnings,
  type MiningPool,
  type MiningPoolCheck,
  type MiningPoolInput,
  type MiningPoolPreset,
  type MiningSettings,
  type MiningStatus,
  type ShareCounts,
} from '#contract/index';
import { poolRate } from '#workers/hash/measure';
import type { Clock } from '#core/clock';
import type { EventBus } from '#core/event';
import type { HardwareService } from '#core/hardware/service';
import type { Logger } from '#core/log';
import { basisOf, btcPerHash, moneyPerHash } from '#core/market/revenue';
import type { MarketService } from '#core/market/service';
import type { SecretStore } from '#core/secret';
import type { Settings } from '#core/setting';
import type { TariffService } from '#core/tariff/service';
import { Miner, type MinerStats } from './miner.ts';
import { miningSetting, type StoredMining } from './setting.ts';
import type { ShareStore } from './store.ts';
import { parsePoolUrl, probePool, type PoolConfig, type StratumOptions } from './stratum.ts';

export type MiningRunOverride = { pools?: PoolConfig[]; threads?: number; powerPct?: number };

/** What the planner may do with the miner: read it, start/stop it, and set its heat output. */
export type MiningService = {
  status(): MiningStatus;
  /** Whether a pool is set up, so mining could run. */
  configured(): boolean;
  /**
   * Starts with the saved settings, or for this run only with `override` (the `hearth mine`
   * command's --pool/--threads/--power), leaving the saved settings as they are.
   */
  start(override?: MiningRunOverride): Promise<MiningStatus>;
  stop(): Promise<MiningStatus>;
  /**
   * Threads and duty cycle (percent) of a running or future run. `persist: false` (the scheduler
   * following its plan) changes the running miner only and leaves the saved settings as they are.
   */
  setPower(p: { threads?: number; powerPct?: number }, opts?: { persist?: boolean }): Promise<MiningStatus>;
  /** Shares found in [from, to) (ms), by outcome and the pool's rejection reason. */
  shareCounts(from: number, to: number): ShareCounts;
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
      throw new HandlerError(
        'bad-request',
        `pool ${i + 1}: ${(e as Error).message}`,
        'Use the address your pool publishes, e.g. stratum+tcp://pool.example.com:3333',
      );
    }
    if (/\s/.test(p.user.trim()))
      throw new HandlerError(
        'bad-request',
        `pool ${i + 1}: the worker name "${p.user}" contains spaces`,
        'Pools expect account.worker without spaces',
      );
  }
}

export type MiningDeps = {
  shares: ShareStore;
  settings: Settings;
  secrets: SecretStore;
  clock: Clock;
  log: Logger;
  events: Pick<EventBus, 'emit'>;
  /** Where the earnings estimate reads power, the price of power, and the market figures; null without those domains. */
  hardware: HardwareService | null;
  tariff: TariffService | null;
  market: MarketService | null;
  /** Stratum client overrides (tests shorten backoff and timeouts). */
  stratum?:
    Partial<Omit<StratumOptions, 'pools' | 'log' | 'onJob' | 'onStatus' | 'onDisconnect' | 'onRefused'>> | undefined;
};

/** The miner: its pools and power settings, the hashing threads while it runs, and its shares. */
export class Mining implements MiningService {
  private miner: Miner | null = null;
  private lastStats: MinerStats | null = null;
  private lastRate = 0;
  private runOverride: MiningRunOverride = {};
  // All-time counts read once and kept up to date here: status() runs every second while
  // mining, and a winter of shares is millions of rows to group.
  private totals: ShareCounts | null = null;

  constructor(private readonly deps: MiningDeps) {}

  private load(): StoredMining {
    return this.deps.settings.get(miningSetting);
  }

  private save(s: StoredMining): void {
    this.deps.settings.set(miningSetting, s);
  }

  private allTime(): ShareCounts {
    return (this.totals ??= this.deps.shares.counts());
  }

  configured(): boolean {
    return this.load().pools.length > 0;
  }

  shareCounts(from: number, to: number): ShareCounts {
    return this.deps.shares.counts(from, to);
  }

  latestShares(limit: number) {
    return this.deps.shares.latest(limit);
  }

  /** The settings as a page sees them: whether a pool has a password, never the password. */
  publicSettings(s: StoredMining = this.load()): MiningSettings {
    return {
      pools: s.pools.map((p): MiningPool => ({
        url: p.url,
        user: p.user,
        hasPassword: p.password !== null,
        extranonceSubscribe: p.extranonceSubscribe,
      })),
      threads: s.threads,
      powerPct: s.powerPct,
      secretsEncrypted: this.deps.secrets.encrypted,
      presets: POOL_PRESETS,
    };
  }

  /** Saves pools (checked first; a password left out keeps the stored one), threads and power level. */
  async configure(args: { pools?: MiningPoolInput[]; threads?: number; powerPct?: number }): Promise<MiningSettings> {
    const s = this.load();
    if (args.pools) {
      checkPools(args.pools);
      const old = s.pools;
      s.pools = args.pools.map((p) => {
        const kept = old.find((o) => o.url === p.url.trim() && o.user === p.user.trim());
        const password =
          p.password !== undefined
            ? p.password === ''
              ? null
              : this.deps.secrets.seal(p.password)
            : (kept?.password ?? null);
        return {
          url: p.url.trim(),
          user: p.user.trim(),
          password,
          extranonceSubscribe: p.extranonceSubscribe ?? false,
        };
      });
    }
    this.save(s);
    if (args.threads === undefined && args.powerPct === undefined) return this.publicSettings(s);
    await this.setPower({
      ...(args.threads !== undefined ? { threads: args.threads } : {}),
      ...(args.powerPct !== undefined ? { powerPct: args.powerPct } : {}),
    });
    return this.publicSettings();
  }

  /** Expected earnings next to the energy they cost, from the market's figures (one revenue formula: market/revenue.ts). */
  earnings(): MiningEarnings {
    const { market, hardware, tariff, clock } = this.deps;
    const st = market?.status() ?? null;
    const b = st && basisOf(st);
    const live = this.miner?.stats() ?? null;
    const unpaid = live && live.health.state === 'unhealthy' ? live.health.problem : null;
    // Work the pool is not accepting earns nothing: the estimate says so instead of counting it.
    const hashRate = unpaid ? 0 : live ? live.hashRate || this.lastRate : this.lastRate;
    const difficulty = st?.difficulty.value ?? null;
    const btcPerDay =
      st && difficulty !== null
        ? hashRate *
          86_400 *
          btcPerHash({ difficulty, subsidyBtc: st.subsidyBtc, feesBtc: st.feesBtc, poolFee: st.poolFee })
        : null;
    const cpu = hardware?.latest()?.devices.find((d) => d.deviceId === 'cpu') ?? null;
    const powerW = this.miner && cpu && cpu.powerW !== null ? cpu.powerW : null;
    const now = clock.now();
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
  }

  status(): MiningStatus {
    const miner = this.miner;
    const running = miner !== null;
    const o = running ? this.runOverride : {};
    const s = {
      ...this.load(),
      ...(o.threads !== undefined ? { threads: o.threads } : {}),
      ...(o.powerPct !== undefined ? { powerPct: o.powerPct } : {}),
    };
    const st = miner?.stats() ?? this.lastStats;
    const idlePool = {
      state: st?.pool.state === 'refused' ? ('refused' as const) : ('idle' as const),
      url: st?.pool.state === 'refused' ? st.pool.url : null,
      index: null,
      why: null,
      difficulty: null,
      lastError: st?.pool.lastError ?? null,
      retryInMs: null,
      versionRollingMask: null,
    };
    const totals = this.allTime();
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
      totals: { ...totals, rejectReasons: { ...totals.rejectReasons } },
      health:
        running && st
          ? {
              state: st.health.state,
              problem: st.health.problem,
              since: st.health.since,
              rejectRate: st.health.rejectRate,
            }
          : { state: 'ok', problem: null, since: null, rejectRate: null },
      jobDifficulty: running ? (st?.jobDifficulty ?? null) : null,
      kernel: st?.kernel ?? null,
      pool:
        st && running
          ? {
              state: st.pool.state,
              url: st.pool.url,
              index: st.pool.poolIndex,
              why: st.pool.why,
              difficulty: st.pool.difficulty,
              lastError: st.pool.lastError,
              retryInMs: st.pool.retryInMs,
              versionRollingMask: st.pool.versionRollingMask,
            }
          : idlePool,
    };
  }

  async start(override: MiningRunOverride = {}): Promise<MiningStatus> {
    if (this.miner) return this.status();
    const { secrets, log, clock, events } = this.deps;
    const s = {
      ...this.load(),
      ...(override.threads !== undefined ? { threads: override.threads } : {}),
      ...(override.powerPct !== undefined ? { powerPct: override.powerPct } : {}),
    };
    this.runOverride = override;
    if (s.pools.length === 0 && !override.pools?.length)
      throw new HandlerError(
        'conflict',
        'no mining pool is configured',
        'Add a pool (URL, worker name, password) in the Mining settings first',
      );
    const pools: PoolConfig[] = override.pools?.length
      ? override.pools
      : s.pools.map((p) => ({
          url: p.url,
          user: p.user,
          password: p.password === null ? 'x' : secrets.open(p.password),
          extranonceSubscribe: p.extranonceSubscribe,
        }));
    const m = new Miner({
      pools,
      threads: s.threads,
      powerPct: s.powerPct,
      log,
      ...(this.deps.stratum ? { stratum: this.deps.stratum } : {}),
      now: () => clock.now(),
      onStats: (st) => {
        this.lastStats = st;
        if (st.hashRate > 0) this.lastRate = st.hashRate;
        events.emit('hash-rate', {
          at: clock.now(),
          hashRate: st.hashRate,
          perThread: st.perThread,
          accepted: st.accepted,
          rejected: st.rejected,
          stale: st.stale,
          rejectReasons: st.rejectReasons,
          jobDifficulty: st.jobDifficulty,
          poolState: st.pool.state,
          health: st.health.state,
        });
      },
      onRefused: (reason) => {
        // No endless retries: mining stops and says what the pool said and what to fix (the
        // Stratum client has logged it; the event reaches the CLI and the notifications).
        events.emit('mining-refused', { at: clock.now(), reason });
        if (this.miner === m) void this.stop();
      },
      onShare: (r) => {
        const row = this.deps.shares.add({
          at: clock.now(),
          outcome: r.outcome,
          jobId: r.jobId,
          pool: r.pool,
          difficulty: r.difficulty,
          hashDifficulty: r.hashDifficulty,
          reason: r.reason,
        });
        const t = this.allTime();
        t[r.outcome]++;
        if (r.outcome === 'rejected')
          t.rejectReasons[r.reason ?? 'no reason given'] = (t.rejectReasons[r.reason ?? 'no reason given'] ?? 0) + 1;
        events.emit('mining-share', row);
      },
    });
    this.miner = m;
    try {
      await m.start();
    } catch (e) {
      this.miner = null;
      await m.stop();
      throw new HandlerError(
        'failed',
        `the hashing threads did not start: ${(e as Error).message}`,
        'Run `npm run build` so the worker bundles exist',
      );
    }
    this.lastStats = m.stats();
    return this.status();
  }

  async stop(): Promise<MiningStatus> {
    const m = this.miner;
    if (m) {
      this.lastStats = m.stats();
      this.miner = null;
      await m.stop();
    }
    return this.status();
  }

  async setPower(p: { threads?: number; powerPct?: number }, opts: { persist?: boolean } = {}): Promise<MiningStatus> {
    const s = this.load();
    if (p.threads !== undefined) {
      const max = os.availableParallelism();
      if (p.threads > max)
        throw new HandlerError(
          'bad-request',
          `${p.threads} threads is more than this computer's ${max} logical cores`,
          `Choose 1 to ${max}.`,
          'threads',
        );
      s.threads = p.threads;
    }
    if (p.powerPct !== undefined) s.powerPct = p.powerPct;
    if (opts.persist ?? true) this.save(s);
    // A live change wins over what this run was started with.
    this.runOverride = { ...this.runOverride, ...p };
    const miner = this.miner;
    if (miner) {
      if (p.powerPct !== undefined) miner.setPower(p.powerPct);
      if (p.threads !== undefined) await miner.setThreads(p.threads);
      this.lastStats = miner.stats();
    }
    return this.status();
  }

  /** One connection to a pool (the form's values, or a saved pool) and what this machine would earn there. */
  async check(args: { pool?: MiningPoolInput; index?: number; threads?: number }): Promise<MiningPoolCheck> {
    const { secrets, log, stratum } = this.deps;
    let pool: PoolConfig;
    if (args.pool) {
      checkPools([args.pool]);
      const input = args.pool;
      const saved = this.load().pools.find((p) => p.url === input.url.trim() && p.user === input.user.trim());
      const password =
        input.password !== undefined ? input.password || 'x' : saved?.password ? secrets.open(saved.password) : 'x';
      pool = { url: input.url.trim(), user: input.user.trim(), password };
    } else {
      const saved = this.load().pools[args.index ?? 0];
      if (!saved)
        throw new HandlerError(
          'bad-request',
          args.index === undefined ? 'no mining pool is configured' : `there is no pool ${args.index + 1}`,
          'Add a pool (URL, worker name, password) in the Mining settings first',
        );
      pool = {
        url: saved.url,
        user: saved.user,
        password: saved.password === null ? 'x' : secrets.open(saved.password),
      };
    }
    const r = await probePool(pool, {
      ...stratum,
      log,
      requestTimeoutMs: Math.min(stratum?.requestTimeoutMs ?? 10_000, 10_000),
    });
    let hashRate: number | null = null;
    let hashRateSource: MiningPoolCheck['hashRateSource'] = null;
    if (r.ok) {
      const live = this.miner?.stats();
      if (live && live.hashRate > 0) {
        hashRate = live.hashRate;
        hashRateSource = 'mining now';
      } else {
        hashRate = (await poolRate(args.threads ?? (this.load().threads || 1), 2000)).total;
        hashRateSource = 'measured for this check';
      }
    }
    const expectedSecondsPerShare = r.difficulty !== null && hashRate ? (r.difficulty * 2 ** 32) / hashRate : null;
    return { ...r, hashRate, hashRateSource, expectedSecondsPerShare };
  }
}
