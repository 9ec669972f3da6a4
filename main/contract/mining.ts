import { z } from 'zod';
import type { PoolId } from './id.ts';
import type { MarketStatus } from './market.ts';
import type { ArgSchemas, Handler } from './rpc.ts';

/** A configured pool as the UI sees it: the password never leaves the core. */
export type MiningPool = {
  /** stratum+tcp://host:port or stratum+ssl://host:port */
  url: string;
  /** Worker name, usually "account.worker". */
  user: string;
  hasPassword: boolean;
  /** Ask the pool for mining.extranonce.subscribe (only pools that support it). */
  extranonceSubscribe: boolean;
};

export type MiningSettings = {
  /** Tried in order: the first is preferred, the rest are failovers. */
  pools: MiningPool[];
  /** Hashing threads (0..logical cores). */
  threads: number;
  /** Duty cycle of every thread in percent: 25, 50, 75 or 100 (sets heat output). */
  powerPct: number;
  /** Whether pool passwords are encrypted at rest (safeStorage in the desktop app, else the data folder's key file) or stored as typed. */
  secretsEncrypted: boolean;
  /** Common pools to start from. */
  presets: MiningPoolPreset[];
};

/** A pool people commonly start with; the user still types their own worker name. */
export type MiningPoolPreset = {
  id: PoolId;
  name: string;
  url: string;
  /** What the worker name must be there, e.g. "your Bitcoin address, optionally .worker". */
  userHint: string;
  /** Pool fee as a fraction (0.02 for 2 %), as the pool publishes it. */
  fee: number;
  note: string;
};

/** Share counts by outcome, and rejections by the pool's reason. */
export type ShareCounts = { accepted: number; rejected: number; stale: number; rejectReasons: Record<string, number> };

/** Is the pool paying for the work? Unhealthy: no expected revenue is booked and the planner gives mining no value. */
export type MiningHealth = {
  state: 'ok' | 'unhealthy';
  /** What is wrong and what to check, in plain words. */
  problem: string | null;
  since: number | null;
  /** Rejections among the pool's answers of the last 5 minutes (fraction); null with fewer than 3 answers. */
  rejectRate: number | null;
};

/** What a pool said to a one-time check (`hearth mine --check`, the Test button). */
export type MiningPoolCheck = {
  ok: boolean;
  url: string;
  /** Why it failed, with the pool's own words where it gave any. */
  error: string | null;
  /** The pool refused the worker or password (as opposed to not answering). */
  refused: boolean;
  msToJob: number | null;
  difficulty: number | null;
  jobVersion: string | null;
  versionRollingMask: number | null;
  extranonce1Bytes: number | null;
  extranonce2Size: number | null;
  /** This machine's hash rate used for the estimate (H/s) and how it was obtained. */
  hashRate: number | null;
  hashRateSource: 'mining now' | 'measured for this check' | null;
  /** Expected seconds between shares at the pool's difficulty on this machine (an estimate). */
  expectedSecondsPerShare: number | null;
};

export type MiningPoolInput = {
  url: string;
  user: string;
  /** Omitted: keep the password stored for this URL and user. */
  password?: string;
  extranonceSubscribe?: boolean;
};

export type KernelRoute = 'native' | 'wasm-simd';

export type MiningStatus = {
  running: boolean;
  threads: number;
  powerPct: number;
  /** Hashes per second over the last second, total and per thread. */
  hashRate: number;
  perThread: number[];
  /** Shares this run (since start). */
  accepted: number;
  rejected: number;
  stale: number;
  /** Rejections this run, by the pool's reason. */
  rejectReasons: Record<string, number>;
  /** Shares stored in the ledger over all runs. */
  totals: ShareCounts;
  health: MiningHealth;
  /** Difficulty of the job being hashed (the pool difficulty when it arrived). */
  jobDifficulty: number | null;
  kernel: { route: KernelRoute; lanes: number; description: string } | null;
  pool: {
    /** `refused`: every pool refused the worker; mining stopped until the settings change. */
    state: 'idle' | 'connecting' | 'subscribing' | 'mining' | 'waiting' | 'refused';
    url: string | null;
    /** Which of the configured pools (0 = first) and why it is the one in use. */
    index: number | null;
    why: string | null;
    /** Latest set_difficulty (applies to the next job). */
    difficulty: number | null;
    lastError: string | null;
    retryInMs: number | null;
    /** Version bits the pool lets us roll (BIP 310), null when it did not offer rolling. */
    versionRollingMask: number | null;
  };
};

export type MiningShare = {
  id: number;
  at: number;
  outcome: 'accepted' | 'rejected' | 'stale';
  jobId: string;
  pool: string | null;
  difficulty: number;
  /** The difficulty the share's hash actually reached. */
  hashDifficulty: number;
  /** The pool's reason for a rejection, or why a share went stale. */
  reason: string | null;
};

/** Expected earnings next to the energy they cost, from the market's figures. */
export type MiningEarnings = {
  /** Hash rate the estimate uses: the live rate while mining, else the last measured one (H/s). */
  hashRate: number;
  /** The market figures the estimate uses (price, difficulty, fees, pool fee, and where they come from); null without a market domain. */
  market: MarketStatus | null;
  btcPerDay: number | null;
  moneyPerDay: number | null;
  /** Measured or estimated CPU power while mining (W), the energy a day at that draw, its cost at the current tariff price. */
  powerW: number | null;
  energyKWhPerDay: number | null;
  energyCostPerDay: number | null;
  tariffCurrency: string | null;
  /** Why the pool is not paying for the work now (then the estimate counts 0 H/s); null while it is. */
  unpaidReason: string | null;
};

export type MiningHandlers = {
  /** Live state: hash rate, shares, pool connection, kernel. */
  'mining-status': Handler<Record<string, never>, MiningStatus>;
  'mining-settings-get': Handler<Record<string, never>, MiningSettings>;
  /** Validates every pool URL and worker before saving; nothing is stored if one is wrong. */
  'mining-settings-set': Handler<{ pools?: MiningPoolInput[]; threads?: number; powerPct?: number }, MiningSettings>;
  /** Connects to the pools and starts hashing with the saved threads and power level. */
  'mining-start': Handler<Record<string, never>, MiningStatus>;
  'mining-stop': Handler<Record<string, never>, MiningStatus>;
  /** Changes threads and power level of a running miner (and saves them). */
  'mining-set-power': Handler<{ threads?: number; powerPct?: number }, MiningStatus>;
  /** Expected earnings (net of the pool fee, fees included) and energy cost, at the market's figures. */
  'mining-earnings': Handler<Record<string, never>, MiningEarnings>;
  /** The latest shares from the ledger, newest first. */
  'mining-shares': Handler<{ limit?: number }, MiningShare[]>;
  /**
   * Connects once to a pool (the form's values, or saved pool `index`): subscribe, version rolling,
   * authorise, first job; says what the pool sent and the expected time to a share on this machine
   * (its hash rate on `threads`, default the saved thread count, measured for 2 s unless mining).
   */
  'mining-check': Handler<{ pool?: MiningPoolInput; index?: number; threads?: number }, MiningPoolCheck>;
};

export type MiningEvents = {
  /** Once a second while mining. */
  'hash-rate': Pick<
    MiningStatus,
    'hashRate' | 'perThread' | 'accepted' | 'rejected' | 'stale' | 'rejectReasons' | 'jobDifficulty'
  > & {
    at: number;
    poolState: MiningStatus['pool']['state'];
    health: MiningHealth['state'];
  };
  /** Every share the miner found, with the pool's verdict. */
  'mining-share': MiningShare;
  /** Every configured pool refused the worker: mining stopped; `reason` has the pool's words and what to fix. */
  'mining-refused': { at: number; reason: string };
};

export const MINING_POWER_LEVELS = [25, 50, 75, 100] as const;

const empty = z.object({}).strict();
/** Zero threads would be a miner that never hashes: Stop says that, and says it plainly. */
const threads = z
  .number({ message: 'the number of threads must be a number' })
  .int('the number of threads must be a whole number')
  .min(1, 'the number of threads must be between 1 and 256: to stop mining, press Stop')
  .max(256, 'the number of threads must be between 1 and 256: to stop mining, press Stop');
const powerPct = z.number().int().min(1).max(100);

export const miningPoolInputSchema = z
  .object({
    url: z.string().trim().min(1, 'the pool URL is empty').max(500),
    user: z.string().trim().min(1, 'the worker name is empty').max(200),
    password: z.string().max(500).optional(),
    extranonceSubscribe: z.boolean().optional(),
  })
  .strict();

export const miningArgs: ArgSchemas<MiningHandlers> = {
  'mining-status': empty,
  'mining-settings-get': empty,
  'mining-settings-set': z
    .object({
      pools: z.array(miningPoolInputSchema).max(10).optional(),
      threads: threads.optional(),
      powerPct: powerPct.optional(),
    })
    .strict(),
  'mining-start': empty,
  'mining-stop': empty,
  'mining-set-power': z.object({ threads: threads.optional(), powerPct: powerPct.optional() }).strict(),
  'mining-shares': z.object({ limit: z.number().int().min(1).max(1000).optional() }).strict(),
  'mining-check': z
    .object({
      pool: miningPoolInputSchema.optional(),
      index: z.number().int().min(0).max(9).optional(),
      threads: z.number().int().min(1).max(256).optional(),
    })
    .strict(),
  'mining-earnings': z.object({}).strict(),
};
