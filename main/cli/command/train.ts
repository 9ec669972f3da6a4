import type { Job, JobProgress, TrainSpecInput } from '#contract/index';
import { HandlerError } from '#contract/index';
import { startCore } from '#core/app';
import { dataDirOf } from '../client.ts';
import { jobModule } from '#core/job/module';
import { DATA_DIR_DOC, numberOption, UsageError, type Command, flagOptions, textOptions } from '../command.ts';

const FINAL = new Set(['finished', 'failed', 'cancelled']);

export function formatDuration(sec: number | null): string {
  if (sec === null || !Number.isFinite(sec)) return '?';
  if (sec < 90) return `${Math.round(sec)} s`;
  if (sec < 5400) return `${Math.round(sec / 60)} min`;
  return `${(sec / 3600).toFixed(1)} h`;
}

/** "[#####.....]  120/1000 steps  loss 2.3141  5,120 samples/s  eta 3 min" */
export function progressLine(p: JobProgress, width = 24): string {
  const frac = p.total ? Math.min(1, p.done / p.total) : 0;
  const filled = Math.round(frac * width);
  const bar = p.total ? `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ` : '';
  return [
    `${bar}${p.done}${p.total ? `/${p.total}` : ''} steps`,
    `loss ${p.loss === null ? '?' : p.loss.toFixed(4)}`,
    `${p.samplesPerSec === null ? '?' : Math.round(p.samplesPerSec).toLocaleString('en-US')} samples/s`,
    `eta ${formatDuration(p.etaSec)}`,
  ].join('  ');
}

function trainSpec(values: Record<string, unknown>): TrainSpecInput {
  const spec: TrainSpecInput = { kind: 'train' };
  const n = (flag: string, o: Parameters<typeof numberOption>[2]) => numberOption(values[flag], flag, o);
  if (typeof values['data'] === 'string') spec.dataFile = values['data'];
  const set = <K extends keyof TrainSpecInput>(k: K, v: TrainSpecInput[K] | undefined) => {
    if (v !== undefined) spec[k] = v;
  };
  set('steps', n('steps', { min: 1 }));
  set('threads', n('threads', { min: 1, max: 64 }));
  set('batchSize', n('batch', { min: 4 }));
  set('hidden', n('hidden', { min: 8, max: 4096 }));
  set('context', n('context', { min: 1, max: 64 }));
  set('learningRate', n('lr', { min: 1e-6, max: 1, integer: false }));
  set('seed', n('seed', { min: 0 }));
  set('checkpointEvery', n('checkpoint-every', { min: 1 }));
  set('keepCheckpoints', n('keep', { min: 1, max: 1000 }));
  if (spec.hidden !== undefined && spec.hidden % 8 !== 0)
    throw new UsageError(`--hidden expects a multiple of 8, got ${spec.hidden}`);
  return spec;
}

export const trainCommand: Command = {
  name: 'train',
  summary: 'Train the built-in character language model in the foreground (Ctrl-C pauses at a checkpoint)',
  usage:
    '[--data FILE] [--steps N] [--threads N] [--batch N] [--hidden N] [--context N] [--lr X] [--seed N] [--checkpoint-every N] [--keep N] [--job ID] [--sample CHARS] [--data-dir DIR] [--json]',
  details:
    'Without --job a new job is stored in the ledger and run; --job ID continues a paused, queued or\n' +
    'interrupted job from its newest checkpoint. Without --data the model trains on a text that ships\n' +
    'with Hearth (the mqtt package README). At the end it prints text the model writes (--sample 0: none).',
  options: {
    ...flagOptions('json'),
    ...textOptions(
      'data',
      'steps',
      'threads',
      'batch',
      'hidden',
      'context',
      'lr',
      'seed',
      'checkpoint-every',
      'keep',
      'job',
      'sample',
      'data-dir',
    ),
  },
  docs: {
    json: { text: 'print progress and the result as JSON lines' },
    data: { value: 'FILE', text: 'a text file to train on', default: 'the mqtt package README that ships with Hearth' },
    steps: { value: 'N', text: 'training steps', default: '2000', unit: 'steps' },
    threads: { value: 'N', text: 'worker threads', default: '1', unit: 'threads', example: '2' },
    batch: { value: 'N', text: 'samples per step (a multiple of 4 × threads)', default: '128', unit: 'samples' },
    hidden: { value: 'N', text: 'hidden units (a multiple of 8)', default: '256', unit: 'units' },
    context: { value: 'N', text: 'characters the model sees', default: '8', unit: 'characters' },
    lr: { value: 'X', text: "Adam's learning rate", default: '0.003' },
    seed: { value: 'N', text: 'the random seed', default: '1' },
    'checkpoint-every': { value: 'N', text: 'steps between checkpoints', default: '100', unit: 'steps' },
    keep: { value: 'N', text: 'checkpoints kept', default: '3', unit: 'checkpoints' },
    job: { value: 'ID', text: 'continue this job from its newest checkpoint', example: '3' },
    sample: {
      value: 'CHARS',
      text: 'characters of text printed at the end (0: none)',
      default: '200',
      unit: 'characters',
    },
    'data-dir': DATA_DIR_DOC,
  },
  examples: ['hearth train --steps 500 --threads 2'],
  async run({ values, stopped }) {
    const jobId = numberOption(values['job'], 'job', { min: 1 });
    const sampleChars = numberOption(values['sample'], 'sample', { min: 0, max: 5000 }) ?? 200;
    const spec = trainSpec(values);
    if (jobId !== undefined && Object.keys(spec).length > 1)
      throw new UsageError('--job continues a stored job with its own settings: leave out the training options');
    const json = values['json'] === true;
    const dataDir = dataDirOf(values);
    const core = await startCore({
      dataDir,
      // Only the job domain, and no other stored job is started: this command runs one job.
      modules: [jobModule({ resumeOnStart: false, gpu: null })],
      log: { info: () => undefined, warn: (m) => console.error(m), error: (m) => console.error(m) },
    });
    try {
      const svc = core.service('job');
      let job: Job;
      try {
        job =
          jobId === undefined
            ? svc.create({ spec })
            : (svc.get(jobId) ??
              (() => {
                throw new UsageError(`there is no job ${jobId} in ${dataDir}`);
              })());
      } catch (err) {
        if (err instanceof HandlerError) throw new UsageError(err.message);
        throw err;
      }
      if (job.kind !== 'train')
        throw new UsageError(`job ${job.id} is a ${job.kind} job: hearth train runs training jobs`);
      if (FINAL.has(job.state)) throw new UsageError(`job ${job.id} is ${job.state}: start a new one`);
      const tty = process.stderr.isTTY && !json;
      const ended = new Promise<Job>((resolve) => {
        svc.onChange((j) => {
          if (j.id !== job.id) return;
          if (!json && j.state === 'running' && j.progress.done > 0) {
            const line = progressLine(j.progress);
            if (tty) process.stderr.write(`\r${line}\u001b[K`);
            else console.log(line);
          }
          if (FINAL.has(j.state) || j.state === 'paused') resolve(j);
        });
      });
      if (!json) console.log(`job ${job.id}: ${job.name} (data in ${dataDir})`);
      const started = await svc.start(job.id);
      if (started.state === 'failed') throw new Error(started.error ?? 'the job failed to start');
      const first = await Promise.race([ended, stopped.then((s) => s)]);
      let final: Job;
      if (typeof first === 'string') {
        if (tty) process.stderr.write('\n');
        if (!json) console.log(`${first}: pausing at the next step (writing a checkpoint)...`);
        final = await svc.pause(job.id);
      } else final = first;
      if (tty) process.stderr.write('\n');
      const losses = (await core.handlers['job-get']({ id: job.id })).losses;
      const sample =
        sampleChars > 0 && (final.state === 'finished' || final.state === 'paused')
          ? await core.handlers['job-sample']({ id: job.id, length: sampleChars })
          : null;
      if (json) {
        console.log(
          JSON.stringify({
            jobId: final.id,
            state: final.state,
            progress: final.progress,
            error: final.error,
            losses: losses.map((l) => ({ step: l.step, loss: l.loss })),
            sample: sample?.text ?? null,
          }),
        );
      } else if (final.state === 'finished') {
        const firstLoss = losses[0];
        console.log(
          `finished ${final.progress.done} steps: loss ${firstLoss ? `${firstLoss.loss.toFixed(4)} at step ${firstLoss.step} → ` : ''}${final.progress.loss?.toFixed(4) ?? '?'} at step ${final.progress.done}`,
        );
        if (sample) console.log(`\nwhat the model writes now (temperature 0.8):\n${sample.text}`);
      } else if (final.state === 'paused') {
        console.log(
          `paused at step ${final.progress.done}; continue with: hearth train --job ${final.id}${values['data-dir'] ? ` --data-dir ${dataDir}` : ''}`,
        );
      } else {
        console.error(`job ${final.id} ${final.state}: ${final.error ?? ''}`);
        return 1;
      }
      return 0;
    } finally {
      await core.close();
    }
  },
};
