import type { MiningStatus, ShareCounts } from '#contract/index';
import type { PoolConfig } from './stratum.ts';

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
