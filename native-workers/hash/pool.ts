import { Worker } from 'node:worker_threads';
import { workerFile } from '../locate.ts';
import type { KernelInfo, KernelRoute } from './kernel.ts';
import { NONCES_PER_TURN } from './kernel.ts';
import type { HashCommand, HashEvent, HashInit } from './protocol.ts';

export const MAX_THREADS = 256;
const NONCE_SPACE = 2 ** 32;

/**
 * Work for every thread. `header(slot)` builds the 76-byte header for one slot (for a pool job,
 * slot is the extranonce2 value); `slots` is how many distinct slots exist. With one slot the
 * nonce space is split between threads; with more, each thread gets its own slot and the whole
 * nonce range, and a new slot when it runs out, so no two threads ever try the same header.
 */
export type PoolJob = {
  id: string;
  target: bigint;
  slots: number;
  header(slot: number): Uint8Array;
  /** Nonces per header (default 2^32, all of them); smaller values are for tests. */
  nonceSpace?: number;
};

export type FoundShare = { jobId: string; slot: number; nonce: number; hash: string; thread: number };

export type PoolOptions = {
  threads: number;
  /** Duty cycle in percent for every thread: 25, 50, 75 or 100 (any 1..100 works). */
  duty?: number;
  onShare(share: FoundShare): void;
  onError?(message: string): void;
  /** Kernel route for every thread (default 'auto': native where built, else WebAssembly). */
  route?: KernelRoute | 'auto';
};

/** Host side of the hashing threads. */
export class HashPool {
  private readonly counters = new SharedArrayBuffer(8 * MAX_THREADS);
  private readonly duty = new SharedArrayBuffer(4 * MAX_THREADS);
  private readonly count = new BigInt64Array(this.counters);
  private readonly dutyView = new Int32Array(this.duty);
  private workers: Worker[] = [];
  private job: PoolJob | null = null;
  private nextSlot = 0;
  private lastCounts: bigint[] = [];
  private lastAt = 0;
  kernel: KernelInfo | null = null;

  constructor(private readonly opts: PoolOptions) {
    this.setDuty(opts.duty ?? 100);
  }

  get threads(): number {
    return this.workers.length;
  }

  /** Starts `threads` workers and resolves once each has loaded its kernel. */
  async start(): Promise<KernelInfo | null> {
    await this.setThreads(this.opts.threads);
    return this.kernel;
  }

  async setThreads(n: number): Promise<void> {
    if (!Number.isInteger(n) || n < 0 || n > MAX_THREADS)
      throw new Error(`threads must be a whole number 0..${MAX_THREADS}, got ${n}`);
    while (this.workers.length > n) {
      const w = this.workers.pop()!;
      w.postMessage({ type: 'stop' } satisfies HashCommand);
      await w.terminate();
    }
    const starting: Promise<void>[] = [];
    while (this.workers.length < n) starting.push(this.spawn(this.workers.length));
    await Promise.all(starting);
    this.lastCounts = [];
    if (this.job) this.assign(this.job);
  }

  private spawn(index: number): Promise<void> {
    const init: HashInit = { index, counters: this.counters, duty: this.duty, route: this.opts.route ?? 'auto' };
    const w = new Worker(workerFile('hash'), { workerData: init });
    this.workers[index] = w;
    return new Promise((resolve, reject) => {
      // A thread stopped before it was ready (mining stopped while it started) leaves nothing to wait for.
      w.once('exit', () => resolve());
      w.once('error', reject);
      w.on('message', (m: HashEvent) => {
        if (m.type === 'ready') {
          this.kernel = m.kernel;
          w.off('error', reject);
          w.on('error', (e) => this.opts.onError?.(`hash thread ${index}: ${e.message}`));
          resolve();
        } else if (m.type === 'share')
          this.opts.onShare({ jobId: m.jobId, slot: m.slot, nonce: m.nonce, hash: m.hash, thread: index });
        else if (m.type === 'exhausted') this.refill(index, m.jobId);
        else this.opts.onError?.(`hash thread ${index}: ${m.message}`);
      });
    });
  }

  /** Duty cycle in percent (0..100) for all threads, or one. Read by the threads between chunks. */
  setDuty(pct: number, thread?: number): void {
    if (!(pct >= 0 && pct <= 100)) throw new Error(`power level must be 0..100 %, got ${pct}`);
    if (thread === undefined) this.dutyView.fill(Math.round(pct));
    else Atomics.store(this.dutyView, thread, Math.round(pct));
  }

  dutyOf(thread: number): number {
    return Atomics.load(this.dutyView, thread);
  }

  /** New work for every thread at once (a clean-jobs notify replaces what they were doing). */
  setJob(job: PoolJob | null): void {
    this.job = job;
    if (!job) {
      for (const w of this.workers) w.postMessage({ type: 'idle' } satisfies HashCommand);
      return;
    }
    this.nextSlot = 0;
    this.assign(job);
  }

  private assign(job: PoolJob): void {
    const n = this.workers.length;
    const space = job.nonceSpace ?? NONCE_SPACE;
    if (job.slots <= 1) {
      // One header: split the nonce space; boundaries on whole kernel turns.
      for (let i = 0; i < n; i++) {
        const from = Math.floor((i * space) / n / NONCES_PER_TURN) * NONCES_PER_TURN;
        const to = i === n - 1 ? space : Math.floor(((i + 1) * space) / n / NONCES_PER_TURN) * NONCES_PER_TURN;
        this.send(i, job, 0, from, to);
      }
      this.nextSlot = 1;
    } else {
      for (let i = 0; i < n; i++) this.refill(i, job.id);
    }
  }

  private refill(index: number, jobId: string): void {
    const job = this.job;
    if (!job || job.id !== jobId || index >= this.workers.length) return;
    if (this.nextSlot >= job.slots) return; // every slot tried: the thread idles until new work
    this.send(index, job, this.nextSlot++, 0, job.nonceSpace ?? NONCE_SPACE);
  }

  private send(index: number, job: PoolJob, slot: number, nonceStart: number, nonceEnd: number): void {
    const msg: HashCommand = {
      type: 'work',
      jobId: job.id,
      slot,
      header: job.header(slot),
      target: job.target.toString(16),
      nonceStart,
      nonceEnd,
    };
    this.workers[index]!.postMessage(msg);
  }

  /** Hashes done per thread since start. */
  totals(): number[] {
    return this.workers.map((_, i) => Number(Atomics.load(this.count, i)));
  }

  /** Hash rate per thread (H/s) since the previous call; the first call returns zeros. */
  sampleRates(now = performance.now()): number[] {
    const counts = this.workers.map((_, i) => Atomics.load(this.count, i));
    const dt = (now - this.lastAt) / 1000;
    const rates = counts.map((c, i) =>
      this.lastCounts[i] === undefined || dt <= 0 ? 0 : Number(c - this.lastCounts[i]!) / dt,
    );
    this.lastCounts = counts;
    this.lastAt = now;
    return rates;
  }

  async stop(): Promise<void> {
    await this.setThreads(0);
  }
}
