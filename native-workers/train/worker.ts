/**
 * One data-parallel training thread. Every rank holds the full model in its own WebAssembly
 * memory, computes the gradient of its shard of the batch, and then updates its slice of the
 * shared parameters with Adam, summing the ranks' gradients in rank order (so a fixed thread
 * count gives the same numbers every run). Rank 0 also reports, checkpoints and decides when to
 * end; two barriers per step keep the ranks in lockstep.
 */
import { parentPort } from 'node:worker_threads';
import { writeCheckpoint } from './checkpoint.ts';
import { Kernel } from './gemm.ts';
import { adamSlice, batchStarts, Trainer } from './model.ts';
import { CTL, DECISION, REQUEST, type TrainInit, type TrainMessage } from './protocol.ts';

const port = parentPort;
if (!port) throw new Error('The training worker must run in a worker thread');

const post = (m: TrainMessage) => port.postMessage(m);

function barrier(ctl: Int32Array, threads: number): void {
  if (threads === 1) return;
  const gen = Atomics.load(ctl, CTL.gen);
  if (Atomics.add(ctl, CTL.count, 1) === threads - 1) {
    Atomics.store(ctl, CTL.count, 0);
    Atomics.add(ctl, CTL.gen, 1);
    Atomics.notify(ctl, CTL.gen);
    return;
  }
  // A short spin catches the common case where the other ranks are microseconds behind;
  // after that, sleep so a thread waiting on a busy machine does not steal its core.
  for (let i = 0; i < 2000; i++) if (Atomics.load(ctl, CTL.gen) !== gen) return;
  while (Atomics.load(ctl, CTL.gen) === gen) Atomics.wait(ctl, CTL.gen, gen, 1000);
}

function run(init: TrainInit): void {
  const { rank, threads, batchSize, seed } = init;
  const rows = batchSize / threads;
  const kernel = new Kernel();
  const trainer = new Trainer(kernel, init.shape, rows);
  const size = trainer.l.size;
  const tokens = new Uint8Array(init.tokens, 0, init.tokenCount);
  const params = new Float32Array(init.params);
  const m = new Float32Array(init.m);
  const v = new Float32Array(init.v);
  const grads = new Float32Array(init.grads);
  const losses = new Float64Array(init.losses);
  const ctl = new Int32Array(init.ctl);
  const starts = new Int32Array(batchSize);
  const from = Math.floor((rank * size) / threads);
  const to = Math.floor(((rank + 1) * size) / threads);

  let lossSum = init.lossSum;
  let lossSteps = init.lossSteps;
  let reportStart = performance.now();
  let reportSteps = 0;
  const checkpoint = (step: number) => {
    const file = writeCheckpoint(
      init.checkpointDir,
      {
        header: { version: 1, step, size, corpusHash: init.corpusHash, shape: init.shape, lossSum, lossSteps },
        params,
        m,
        v,
      },
      init.keepCheckpoints,
    );
    post({ type: 'checkpoint', step, file });
  };
  post({ type: 'ready', rank });

  for (let step = init.startStep; step < init.endStep;) {
    batchStarts(seed, step, batchSize, init.tokenCount, init.shape.context, starts);
    kernel.view(trainer.params).set(params);
    losses[rank] = trainer.step(tokens, starts.subarray(rank * rows, (rank + 1) * rows), batchSize);
    grads.set(kernel.view(trainer.grads), rank * size);
    // Rank 0 decides now whether this is the last step, so the decision is visible to every rank
    // after the next barrier: two barriers per step instead of three.
    const request = rank === 0 ? Atomics.load(ctl, CTL.request) : REQUEST.run;
    const finished = step + 1 >= init.endStep;
    if (rank === 0)
      Atomics.store(ctl, CTL.decision, finished || request !== REQUEST.run ? DECISION.end : DECISION.continue);
    barrier(ctl, threads);
    const end = Atomics.load(ctl, CTL.decision) === DECISION.end;
    // Read the step's losses now: after the next barrier the other ranks overwrite them.
    let loss = 0;
    if (rank === 0) for (let r = 0; r < threads; r++) loss += losses[r]!;
    adamSlice(params, m, v, grads, threads, size, from, to, step + 1, init.learningRate);
    barrier(ctl, threads);
    step++;
    // Other ranks go on with the next forward pass, which only reads the parameters; rank 0
    // reports and checkpoints meanwhile, and nobody writes parameters before the next barrier.
    if (rank === 0) {
      lossSum += loss / batchSize;
      lossSteps++;
      reportSteps++;
      if (step % init.reportEvery === 0) {
        const now = performance.now();
        post({
          type: 'progress',
          step,
          loss: lossSum / lossSteps,
          samplesPerSec: (reportSteps * batchSize * 1000) / Math.max(1e-3, now - reportStart),
        });
        lossSum = 0;
        lossSteps = 0;
        reportStart = now;
        reportSteps = 0;
      }
      if (finished || request === REQUEST.pause || step % init.checkpointEvery === 0) checkpoint(step);
      if (end)
        post({ type: 'ended', step, reason: finished ? 'finished' : request === REQUEST.pause ? 'paused' : 'stopped' });
    }
    if (end) return;
  }
  if (rank === 0) post({ type: 'ended', step: init.startStep, reason: 'finished' });
}

port.once('message', (init: TrainInit) => {
  try {
    run(init);
  } catch (err) {
    post({ type: 'error', rank: init.rank, message: err instanceof Error ? err.message : String(err) });
  }
});
