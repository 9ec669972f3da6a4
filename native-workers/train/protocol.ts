import type { ModelShape } from './model.ts';

/** Slots of the shared control array (Int32Array over a SharedArrayBuffer). */
export const CTL = {
  /** Threads arrived at the current barrier. */
  count: 0,
  /** Barrier generation: bumped when the last thread arrives. */
  gen: 1,
  /** What the host asks: RUN, PAUSE (checkpoint, then stop) or STOP (stop now, no checkpoint). */
  request: 2,
  /** What rank 0 decided after the step, read by every rank: CONTINUE or END. */
  decision: 3,
  size: 4,
} as const;
export const REQUEST = { run: 0, pause: 1, stop: 2 } as const;
export const DECISION = { continue: 0, end: 1 } as const;

/** Everything a training thread needs; the buffers are shared between all threads of one job. */
export type TrainInit = {
  rank: number;
  threads: number;
  shape: ModelShape;
  seed: number;
  learningRate: number;
  batchSize: number;
  /** Step to start from (0, or the checkpoint's) and the step to end at. */
  startStep: number;
  endStep: number;
  checkpointEvery: number;
  keepCheckpoints: number;
  /** Steps per progress report (loss mean over that interval). */
  reportEvery: number;
  checkpointDir: string;
  corpusHash: string;
  /** Loss interval carried over from the checkpoint. */
  lossSum: number;
  lossSteps: number;
  tokens: SharedArrayBuffer;
  tokenCount: number;
  params: SharedArrayBuffer;
  m: SharedArrayBuffer;
  v: SharedArrayBuffer;
  /** threads × size floats: each rank's gradient of its shard. */
  grads: SharedArrayBuffer;
  /** Per-rank summed loss of the current step (Float64). */
  losses: SharedArrayBuffer;
  ctl: SharedArrayBuffer;
};

/** Messages rank 0 posts (other ranks post only `ready` and `error`). */
export type TrainMessage =
  | { type: 'ready'; rank: number }
  | { type: 'progress'; step: number; loss: number; samplesPerSec: number }
  | { type: 'checkpoint'; step: number; file: string }
  | { type: 'ended'; step: number; reason: 'finished' | 'paused' | 'stopped' }
  | { type: 'error'; rank: number; message: string };
