/**
 * The miner: a Stratum client feeding the hash worker pool. Each pool job becomes per-thread
 * headers (one extranonce2 per thread, never shared); found shares are submitted only while
 * their job is still valid, everything else is counted as stale. Jobs belong to the connection
 * they came on (its extranonce1): a dropped connection voids them all.
 */
import type { MiningShare, MiningStatus } from '#contract/index';
import type { Logger } from '#core/log';
import type { KernelInfo } from '#workers/hash/kernel';
import { HashPool, type FoundShare } from '#workers/hash/pool';
import { hashDifficulty, targetForDifficulty } from '#workers/hash/sha';
import { ShareHealth, type HealthState } from './health.ts';
import {
  headerFor,
  nonceHex,
  rollMask,
  slotCount,
  slotWork,
  submittedVersionBits,
  versionVariants,
  type StratumJob,
} from './job.ts';
import { StratumClient, type PoolConfig, type StratumOptions, type StratumStatus } from './stratum.ts';

export type ShareOutcome = MiningShare['outcome'];

/** A share as the miner reports it; the mining domain adds the id and time when it stores it. */
export type ShareRecord = Omit<MiningShare, 'id' | 'at'>;

/** The run's figures as the mining status shows them, with the pool connection and health in the miner's own terms. */
export type MinerStats = Pick<
  MiningStatus,
  | 'running'
  | 'threads'
  | 'powerPct'
  | 'hashRate'
  | 'perThread'
  | 'accepted'
  | 'rejected'
  | 'stale'
  | 'rejectReasons'
  | 'jobDifficulty'
> & {
  kernel: KernelInfo | null;
  pool: StratumStatus;
  health: HealthState;
};

export type MinerOptions = {
  pools: PoolConfig[];
  threads: number;
  powerPct?: number;
  log: Logger;
  onStats?(stats: MinerStats): void;
  onShare?(share: ShareRecord): void;
  /** Every pool refused the worker: the miner stopped hashing; `reason` has the pool's words. */
  onRefused?(reason: string): void;
  /** Overrides for the Stratum client (tests shorten timeouts and backoff). */
  stratum?: Partial<Omit<StratumOptions, 'pools' | 'log' | 'onJob' | 'onStatus' | 'onDisconnect' | 'onRefused'>>;
  now?: () => number;
};

/** How many recent jobs' difficulties are remembered, so a share of a replaced job is recorded at its own. */
const REMEMBERED_JOBS = 64;

export class Miner {
  private readonly pool: HashPool;
  private readonly client: StratumClient;
  /** Jobs shares may still be submitted for; emptied by clean-jobs, a new prevhash and a disconnect. */
  private readonly jobs = new Map<string, StratumJob>();
  private readonly difficulties = new Map<string, number>();
  private current: StratumJob | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private lastRates: number[] = [];
  private lastTick = 0;
  private powerPct: number;
  private poolUrl: string | null = null;
  private readonly health: ShareHealth;
  private readonly now: () => number;
  readonly counts = { accepted: 0, rejected: 0, stale: 0 };
  readonly rejectReasons: Record<string, number> = {};
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly opts: MinerOptions) {
    this.powerPct = opts.powerPct ?? 100;
    this.now = opts.now ?? Date.now;
    this.health = new ShareHealth();
    this.pool = new HashPool({
      threads: opts.threads,
      duty: this.powerPct,
      onShare: (s) => void this.handleFound(s),
      onError: (m) => opts.log.error(`mining: ${m}`),
    });
    this.client = new StratumClient({
      ...opts.stratum,
      pools: opts.pools,
      log: opts.log,
      onJob: (job) => this.onJob(job),
      onDisconnect: () => {
        // The jobs die with the connection: stop hashing for nothing.
        this.jobs.clear();
        this.current = null;
        this.pool.setJob(null);
      },
      onStatus: (st) => {
        if (st.url !== this.poolUrl) {
          this.poolUrl = st.url;
          this.health.reset();
        }
      },
      onRefused: (reason) => opts.onRefused?.(reason),
    });
  }

  async start(): Promise<KernelInfo | null> {
    if (this.running) return this.pool.kernel;
    this.running = true;
    const kernel = await this.pool.start();
    // Stopped while the threads started: the pool is not to be joined.
    if (!this.running) return kernel;
    this.client.start();
    this.pool.sampleRates();
    this.lastTick = performance.now();
    this.timer = setInterval(() => {
      this.lastRates = this.pool.sampleRates();
      // Work done is rate × the real interval (the injected clock may jump in tests; hashing does not).
      const t = performance.now();
      if (this.current)
        this.health.work(
          this.now(),
          this.lastRates.reduce((a, b) => a + b, 0) * ((t - this.lastTick) / 1000),
          this.current.difficulty,
          t - this.lastTick,
        );
      this.lastTick = t;
      this.opts.onStats?.(this.stats());
    }, 1000);
    return kernel;
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    // Threads first (no new shares), then let submits in flight get the pool's verdict.
    await this.pool.stop();
    if (this.inFlight.size > 0) {
      await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((r) => setTimeout(r, 3000).unref())]);
    }
    this.client.stop();
    this.jobs.clear();
    this.current = null;
    this.lastRates = [];
  }

  async setThreads(n: number): Promise<void> {
    await this.pool.setThreads(n);
  }

  setPower(pct: number): void {
    this.pool.setDuty(pct);
    this.powerPct = pct;
  }

  stats(): MinerStats {
    return {
      running: this.running,
      threads: this.pool.threads,
      powerPct: this.powerPct,
      hashRate: this.lastRates.reduce((a, b) => a + b, 0),
      perThread: [...this.lastRates],
      ...this.counts,
      rejectReasons: { ...this.rejectReasons },
      jobDifficulty: this.current?.difficulty ?? null,
      kernel: this.pool.kernel,
      pool: this.client.current,
      health: this.health.state(this.now()),
    };
  }

  private onJob(job: StratumJob): void {
    const newBlock = this.current !== null && this.current.prevHash !== job.prevHash;
    if (job.clean || newBlock || (this.current && this.current.connection !== job.connection)) this.jobs.clear();
    this.jobs.set(job.jobId, job);
    this.difficulties.set(job.jobId, job.difficulty);
    if (this.difficulties.size > REMEMBERED_JOBS) this.difficulties.delete(this.difficulties.keys().next().value!);
    this.current = job;
    this.pool.setJob({
      id: `${job.connection}/${job.jobId}`,
      target: targetForDifficulty(job.difficulty),
      slots: Math.min(2 ** 32, slotCount(job.extranonce2Size) * versionVariants(rollMask(job))),
      header: (slot) => {
        const w = slotWork(job, slot);
        return headerFor(job, w.extranonce2, w.versionBits);
      },
    });
  }

  /** A share from a hash thread: submitted if its job is still valid, else counted stale. */
  async handleFound(s: FoundShare): Promise<ShareOutcome> {
    // Hash threads name a job by connection and pool job id: the same id on a new connection is another job.
    const cut = s.jobId.indexOf('/');
    const jobId = cut >= 0 ? s.jobId.slice(cut + 1) : s.jobId;
    const candidate = this.jobs.get(jobId);
    const job =
      candidate && (cut < 0 || String(candidate.connection) === s.jobId.slice(0, cut)) ? candidate : undefined;
    const reached = hashDifficulty(Buffer.from(s.hash, 'hex'));
    const record = (outcome: ShareOutcome, reason: string | null): ShareOutcome => {
      this.counts[outcome]++;
      if (outcome === 'rejected')
        this.rejectReasons[reason ?? 'no reason given'] = (this.rejectReasons[reason ?? 'no reason given'] ?? 0) + 1;
      this.opts.onShare?.({
        outcome,
        jobId,
        difficulty: job?.difficulty ?? this.difficulties.get(jobId) ?? 0,
        hashDifficulty: reached,
        reason,
        pool: this.client.current.url,
      });
      return outcome;
    };
    if (!job)
      return record(
        'stale',
        'the job was replaced (new block, clean jobs or a new connection) before the share was found',
      );
    let verdict;
    const w = slotWork(job, s.slot);
    let submit: Promise<unknown> | null = null;
    try {
      const p = this.client.submit(
        job,
        w.extranonce2,
        nonceHex(s.nonce),
        job.ntime,
        job.versionMask ? submittedVersionBits(job, w.versionBits) : undefined,
      );
      submit = p;
      this.inFlight.add(p);
      verdict = await p;
    } catch (e) {
      return record('stale', `not submitted: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      if (submit) this.inFlight.delete(submit);
    }
    this.health.answer(this.now(), verdict.accepted, verdict.accepted ? null : verdict.reason);
    return verdict.accepted ? record('accepted', null) : record('rejected', verdict.reason);
  }
}
