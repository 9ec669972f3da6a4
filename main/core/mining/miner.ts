/**
 * The miner: a Stratum client feeding the hash worker pool. Each pool job becomes per-thread
 * headers (one extranonce2 per thread, never shared); found shares are submitted only while
 * their job is still valid, everything else is counted as stale.
 */
import type { Logger } from '#core/module';
import type { KernelInfo } from '#workers/hash/kernel';
import { HashPool, type FoundShare } from '#workers/hash/pool';
import { hashDifficulty, targetForDifficulty } from '#workers/hash/sha';
import { headerFor, nonceHex, slotCount, slotWork, versionVariants, type StratumJob } from './job.ts';
import { StratumClient, type PoolConfig, type StratumOptions, type StratumStatus } from './stratum.ts';

export type ShareOutcome = 'accepted' | 'rejected' | 'stale';

export type ShareRecord = {
  outcome: ShareOutcome;
  jobId: string;
  /** Pool difficulty the share was found under, and what the hash actually reached. */
  difficulty: number;
  hashDifficulty: number;
  reason: string | null;
  pool: string | null;
};

export type MinerStats = {
  running: boolean;
  threads: number;
  powerPct: number;
  hashRate: number;
  perThread: number[];
  accepted: number;
  rejected: number;
  stale: number;
  /** Difficulty of the job being worked on (pool difficulty when it arrived). */
  jobDifficulty: number | null;
  kernel: KernelInfo | null;
  pool: StratumStatus;
};

export type MinerOptions = {
  pools: PoolConfig[];
  threads: number;
  powerPct?: number;
  log: Logger;
  onStats?(stats: MinerStats): void;
  onShare?(share: ShareRecord): void;
  /** Overrides for the Stratum client (tests shorten timeouts and backoff). */
  stratum?: Partial<Omit<StratumOptions, 'pools' | 'log' | 'onJob' | 'onStatus'>>;
};

export class Miner {
  private readonly pool: HashPool;
  private readonly client: StratumClient;
  /** Jobs shares may still be submitted for; emptied by clean-jobs and by a new prevhash. */
  private readonly jobs = new Map<string, StratumJob>();
  private current: StratumJob | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private lastRates: number[] = [];
  private powerPct: number;
  readonly counts = { accepted: 0, rejected: 0, stale: 0 };
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly opts: MinerOptions) {
    this.powerPct = opts.powerPct ?? 100;
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
      onStatus: (status) => {
        if (status.state !== 'mining' && this.current) {
          // Disconnected: the jobs die with the connection, so stop hashing for nothing.
          this.jobs.clear();
          this.current = null;
          this.pool.setJob(null);
        }
      },
    });
  }

  async start(): Promise<KernelInfo | null> {
    if (this.running) return this.pool.kernel;
    this.running = true;
    const kernel = await this.pool.start();
    this.client.start();
    this.pool.sampleRates();
    this.timer = setInterval(() => {
      this.lastRates = this.pool.sampleRates();
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
      jobDifficulty: this.current?.difficulty ?? null,
      kernel: this.pool.kernel,
      pool: this.client.current,
    };
  }

  private onJob(job: StratumJob): void {
    const newBlock = this.current !== null && this.current.prevHash !== job.prevHash;
    if (job.clean || newBlock) this.jobs.clear();
    this.jobs.set(job.jobId, job);
    this.current = job;
    this.pool.setJob({
      id: job.jobId,
      target: targetForDifficulty(job.difficulty),
      slots: Math.min(2 ** 32, slotCount(job.extranonce2Size) * versionVariants(job.versionMask)),
      header: (slot) => {
        const w = slotWork(job, slot);
        return headerFor(job, w.extranonce2, w.versionBits);
      },
    });
  }

  /** A share from a hash thread: submitted if its job is still valid, else counted stale. */
  async handleFound(s: FoundShare): Promise<ShareOutcome> {
    const job = this.jobs.get(s.jobId);
    const reached = hashDifficulty(Buffer.from(s.hash, 'hex'));
    const record = (outcome: ShareOutcome, reason: string | null): ShareOutcome => {
      this.counts[outcome]++;
      this.opts.onShare?.({ outcome, jobId: s.jobId, difficulty: job?.difficulty ?? 0, hashDifficulty: reached, reason, pool: this.client.current.url });
      return outcome;
    };
    if (!job) return record('stale', 'the job was replaced (new block or clean jobs) before the share was found');
    let verdict;
    const w = slotWork(job, s.slot);
    const submit = this.client.submit(job, w.extranonce2, nonceHex(s.nonce), job.ntime, job.versionMask ? w.versionBits.toString(16).padStart(8, '0') : undefined);
    this.inFlight.add(submit);
    try {
      verdict = await submit;
    } catch (e) {
      return record('stale', `not submitted: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      this.inFlight.delete(submit);
    }
    return verdict.accepted ? record('accepted', null) : record('rejected', verdict.reason);
  }
}
