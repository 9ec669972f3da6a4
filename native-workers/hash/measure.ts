import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { KernelRoute } from './kernel.ts';
import { HashPool } from './pool.ts';
import { targetForDifficulty } from './sha.ts';

export type HashRun = {
  threads: number;
  /** Hashes per wall-clock second, all threads. */
  total: number;
  perThread: number[];
  /**
   * Hashes per second of CPU time this process used in the window (all its threads): what a core
   * does while it runs the miner, however much other programs take the cores. `openssl speed`
   * divides by CPU time too, so this is the like-for-like rate for the ratio.
   */
  perCpuSecond: number;
  eventLoopP99Ms: number;
  eventLoopMaxMs: number;
  kernel: string;
};

/**
 * Runs the pool on a fixed header for `ms` and measures hash rate (by wall clock and by CPU time)
 * and main-thread event-loop delay.
 */
export async function poolRate(threads: number, ms: number, route: KernelRoute | 'auto' = 'auto'): Promise<HashRun> {
  const pool = new HashPool({ threads, onShare: () => {}, route });
  const kernel = await pool.start();
  try {
    pool.setJob({ id: 'bench', target: targetForDifficulty(1), slots: 1, header: () => new Uint8Array(76).fill(1) });
    await new Promise((r) => setTimeout(r, 500)); // warm-up: WebAssembly tiers up to TurboFan, chunk size settles
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    const t0 = performance.now();
    pool.sampleRates(t0);
    const cpu0 = process.cpuUsage();
    await new Promise((r) => setTimeout(r, ms));
    const cpu = process.cpuUsage(cpu0);
    const t1 = performance.now();
    const perThread = pool.sampleRates(t1);
    delay.disable();
    const total = perThread.reduce((a, b) => a + b, 0);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    return {
      threads,
      total,
      perThread,
      perCpuSecond: cpuSeconds > 0 ? (total * (t1 - t0)) / 1000 / cpuSeconds : 0,
      eventLoopP99Ms: delay.percentile(99) / 1e6,
      eventLoopMaxMs: delay.max / 1e6,
      kernel: kernel?.description ?? 'unknown',
    };
  } finally {
    await pool.stop();
  }
}
