import type { MiningStatus } from '#contract/index';

/** What the planner may do with the miner: read it, start/stop it, and set its heat output. */
export type MiningService = {
  status(): MiningStatus;
  start(): Promise<MiningStatus>;
  stop(): Promise<MiningStatus>;
  /** Threads and duty cycle (percent) of a running or future run. */
  setPower(p: { threads?: number; powerPct?: number }): Promise<MiningStatus>;
};
