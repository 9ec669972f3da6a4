import path from 'node:path';
import fs from 'node:fs';
import type { TrainSpec } from '#contract/job';
import { loadCorpus } from '#workers/train/corpus';
import type { JobRunner, RunOutcome } from './runner.ts';
import { checkTrainSpec, startTraining, TRAIN_DEFAULTS } from './train-session.ts';

/** Where a training job keeps its checkpoints, inside the job's folder. */
export const checkpointDir = (jobDir: string): string => path.join(jobDir, 'checkpoints');

/**
 * The spec with at most `granted` threads: the largest count not above it that splits the batch
 * into whole 4-row shards (1 always does, since batches are multiples of 4).
 */
export function withThreads(spec: TrainSpec, granted: number | undefined): TrainSpec {
  if (granted === undefined || granted >= spec.threads) return spec;
  let t = Math.max(1, Math.floor(granted));
  while (t > 1 && spec.batchSize % (4 * t) !== 0) t--;
  return { ...spec, threads: t };
}

/** Runs `train` jobs on Hearth's own worker threads (native-workers/train). */
export function trainRunner(): JobRunner<TrainSpec> {
  return {
    kind: 'train',
    prepare(input) {
      const spec: TrainSpec = {
        ...TRAIN_DEFAULTS,
        ...Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)),
        kind: 'train',
      };
      if (spec.dataFile !== null) {
        spec.dataFile = path.resolve(spec.dataFile);
        if (!fs.existsSync(spec.dataFile))
          throw new Error(`The training data ${spec.dataFile} does not exist: pick an existing text file`);
      }
      checkTrainSpec(spec);
      // Reads the text once now so a binary or too-short file is refused before the job is stored.
      loadCorpus(spec.dataFile, spec.context + 2);
      return spec;
    },
    total: (spec) => spec.steps,
    start(ctx) {
      const spec = withThreads(ctx.spec, ctx.grant.threads);
      if (spec.threads !== ctx.spec.threads)
        ctx.log(`running on ${spec.threads} of ${ctx.spec.threads} threads (the planner's grant)`);
      const run = startTraining(
        spec,
        checkpointDir(ctx.dir),
        {
          onProgress: (p) => {
            ctx.loss(p.step, p.loss);
            ctx.report({ done: p.step, total: ctx.spec.steps, loss: p.loss, samplesPerSec: p.samplesPerSec });
          },
          onCheckpoint: (c) => ctx.log(`checkpoint at step ${c.step}: ${path.basename(c.file)}`),
        },
        (m) => ctx.log(m),
      );
      if (run.startStep > 0) ctx.log(`resumed from the checkpoint at step ${run.startStep}`);
      const done: Promise<RunOutcome> = run.done.then(
        (end): RunOutcome => {
          ctx.report({ done: end.step, total: ctx.spec.steps });
          return end.reason === 'finished'
            ? { outcome: 'finished' }
            : end.reason === 'paused'
              ? { outcome: 'paused' }
              : { outcome: 'stopped' };
        },
        (err: Error): RunOutcome => ({ outcome: 'failed', error: err.message }),
      );
      return {
        pause: async () => {
          await run.pause().catch(() => undefined);
        },
        stop: async (why) => {
          // Quitting keeps the work: a checkpoint now, and the next launch continues from it.
          await (why === 'quit' ? run.pause() : run.stop()).catch(() => undefined);
        },
        done,
      };
    },
  };
}
