import { Worker } from 'node:worker_threads';
import type { TrainSpec } from '#contract/job';
import { listCheckpoints, readCheckpoint, type CheckpointData } from '#workers/train/checkpoint';
import { loadCorpus } from '#workers/train/corpus';
import { EMBED, initParams, layout, type ModelShape } from '#workers/train/model';
import { CTL, REQUEST, type TrainInit, type TrainMessage } from '#workers/train/protocol';
import { workerFile } from '#workers/locate';

export type TrainEnd = { reason: 'finished' | 'paused' | 'stopped'; step: number };

export type TrainRun = {
  /** Step the run started from (0 or the checkpoint's). */
  readonly startStep: number;
  readonly vocab: string[];
  /** Checkpoint at the next step boundary, then end. Resolves with the end. */
  pause(): Promise<TrainEnd>;
  /** End at the next step boundary without a checkpoint (the last periodic one stays). */
  stop(): Promise<TrainEnd>;
  /** Settles when the threads end: finished, paused or stopped; rejects on a thread's error. */
  readonly done: Promise<TrainEnd>;
};

export type TrainHooks = {
  onProgress?(p: { step: number; loss: number; samplesPerSec: number }): void;
  onCheckpoint?(c: { step: number; file: string }): void;
};

/** Default spec values: a model that learns visibly within a few hundred steps on a CPU. */
export const TRAIN_DEFAULTS: Omit<TrainSpec, 'kind'> = {
  workload: 'char-mlp',
  dataFile: null,
  steps: 2000,
  threads: 1,
  batchSize: 128,
  learningRate: 0.003,
  seed: 1,
  hidden: 256,
  context: 8,
  checkpointEvery: 100,
  keepCheckpoints: 3,
};

/** Checks what can be checked before a job is stored; throws with what to change. */
export function checkTrainSpec(spec: TrainSpec): void {
  if (spec.batchSize % (4 * spec.threads) !== 0) {
    throw new Error(
      `batch size ${spec.batchSize} must be a multiple of 4 × threads (${4 * spec.threads}): each thread's share must be a multiple of 4 rows`,
    );
  }
  if (spec.hidden % 8 !== 0) throw new Error(`hidden units ${spec.hidden} must be a multiple of 8`);
}

/**
 * The newest checkpoint that reads back whole and matches this data and model; broken or
 * mismatched ones are skipped with the reason (a crash mid-write cannot leave a broken final
 * file, but a user may have edited the folder).
 */
function latestCheckpoint(
  dir: string,
  corpusHash: string,
  shape: ModelShape,
  warn: (m: string) => void,
): CheckpointData | null {
  for (const c of listCheckpoints(dir).reverse()) {
    try {
      const data = readCheckpoint(c.file);
      const h = data.header;
      if (h.corpusHash !== corpusHash)
        throw new Error('the training data changed since it was written: train a new job on the new data');
      if (JSON.stringify(h.shape) !== JSON.stringify(shape))
        throw new Error('it was written for a model of another shape');
      return data;
    } catch (err) {
      warn(`skipping checkpoint ${c.file}: ${(err as Error).message}`);
    }
  }
  return null;
}

/**
 * Starts (or resumes from the newest checkpoint in `checkpointDir`) a built-in training run on
 * `spec.threads` worker threads. The main thread only sets up buffers and relays messages.
 */
export function startTraining(
  spec: TrainSpec,
  checkpointDir: string,
  hooks: TrainHooks = {},
  warn: (m: string) => void = () => {},
): TrainRun {
  checkTrainSpec(spec);
  const shapeBase = { context: spec.context, embed: EMBED, hidden: spec.hidden };
  const corpus = loadCorpus(spec.dataFile, spec.context + 2);
  const shape: ModelShape = { vocab: corpus.vocab.length, ...shapeBase };
  const l = layout(shape);
  const size = l.size;
  const sab = (floats: number, bytesPer = 4) => new SharedArrayBuffer(floats * bytesPer);
  const tokens = new SharedArrayBuffer(corpus.tokens.length);
  new Uint8Array(tokens).set(corpus.tokens);
  const params = sab(size);
  const m = sab(size);
  const v = sab(size);
  const ckpt = latestCheckpoint(checkpointDir, corpus.hash, shape, warn);
  if (ckpt) {
    new Float32Array(params).set(ckpt.params);
    new Float32Array(m).set(ckpt.m);
    new Float32Array(v).set(ckpt.v);
  } else {
    initParams(l, spec.seed, new Float32Array(params));
  }
  const startStep = ckpt?.header.step ?? 0;
  const ctl = new Int32Array(sab(CTL.size));
  const base: Omit<TrainInit, 'rank'> = {
    threads: spec.threads,
    shape,
    seed: spec.seed,
    learningRate: spec.learningRate,
    batchSize: spec.batchSize,
    startStep,
    endStep: spec.steps,
    checkpointEvery: spec.checkpointEvery,
    keepCheckpoints: spec.keepCheckpoints,
    // Reports land on checkpoint steps too, so a resumed run reports the same points.
    reportEvery: Math.min(25, spec.checkpointEvery),
    checkpointDir,
    corpusHash: corpus.hash,
    lossSum: ckpt?.header.lossSum ?? 0,
    lossSteps: ckpt?.header.lossSteps ?? 0,
    tokens,
    tokenCount: corpus.tokens.length,
    params,
    m,
    v,
    grads: sab(size * spec.threads),
    losses: sab(spec.threads, 8),
    ctl: ctl.buffer as SharedArrayBuffer,
  };

  const workers: Worker[] = [];
  let ended: TrainEnd | null = null;
  let settle!: { resolve(e: TrainEnd): void; reject(e: Error): void };
  const done = new Promise<TrainEnd>((resolve, reject) => (settle = { resolve, reject }));
  let exited = 0;
  let failure: Error | null = null;
  const fail = (err: Error) => {
    if (failure || ended) return;
    failure = err;
    for (const w of workers) void w.terminate();
    settle.reject(err);
  };
  for (let rank = 0; rank < spec.threads; rank++) {
    const w = new Worker(workerFile('train'));
    workers.push(w);
    w.on('message', (msg: TrainMessage) => {
      switch (msg.type) {
        case 'progress':
          hooks.onProgress?.(msg);
          break;
        case 'checkpoint':
          hooks.onCheckpoint?.(msg);
          break;
        case 'ended':
          ended = { reason: msg.reason, step: msg.step };
          break;
        case 'error':
          fail(new Error(`training thread ${msg.rank} failed: ${msg.message}`));
          break;
        case 'ready':
          break;
      }
    });
    w.on('error', (err) => fail(err));
    w.on('exit', (code) => {
      exited++;
      // Ranks other than 0 may exit before rank 0 has posted `ended` (it checkpoints first):
      // only a non-zero exit, or all ranks gone without an end, is a failure.
      if (code !== 0 && !ended)
        fail(new Error(`training thread ${rank} exited with code ${code} before the run ended`));
      else if (exited === workers.length) {
        if (ended) settle.resolve(ended);
        else fail(new Error('the training threads exited before the run ended'));
      }
    });
    w.postMessage({ ...base, rank } satisfies TrainInit);
  }
  const ask = (request: number) => {
    Atomics.store(ctl, CTL.request, request);
    return done;
  };
  return {
    startStep,
    vocab: corpus.vocab,
    pause: () => ask(REQUEST.pause),
    stop: () => ask(REQUEST.stop),
    done,
  };
}
