import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TrainSpec } from '#contract/job';
import { listCheckpoints, readCheckpoint } from '#workers/train/checkpoint';
import { tempDirs } from '../../../test/support/temp-dir.ts';
import { startTraining, TRAIN_DEFAULTS } from './train-session.ts';

const tmp = tempDirs('hearth-train-');

const spec = (over: Partial<TrainSpec> = {}): TrainSpec => ({
  kind: 'train',
  ...TRAIN_DEFAULTS,
  hidden: 64,
  batchSize: 32,
  steps: 60,
  checkpointEvery: 20,
  ...over,
});

async function run(s: TrainSpec, dir: string) {
  const losses: { step: number; loss: number }[] = [];
  const r = startTraining(s, dir, { onProgress: (p) => losses.push({ step: p.step, loss: p.loss }) });
  const end = await r.done;
  return { end, losses };
}

describe('built-in trainer (real worker threads)', () => {
  it('lowers the loss of the character model on the built-in corpus by at least 1.0 nat within 300 steps', async () => {
    const { end, losses } = await run(spec({ steps: 300, checkpointEvery: 50 }), tmp());
    expect(end).toEqual({ reason: 'finished', step: 300 });
    const first = losses[0]!.loss;
    const last = losses.at(-1)!.loss;
    // ln(96) = 4.56 nats is a uniform guess; the first report averages steps 1..25.
    expect(first).toBeGreaterThan(3);
    expect(first - last).toBeGreaterThan(1.0);
  });

  it('pauses with a checkpoint and resumes on the exact loss trajectory of an uninterrupted run', async () => {
    // Long enough that the pause asked at step 30 lands well before the end, even on a busy machine.
    const s = spec({ steps: 3000, checkpointEvery: 100, threads: 2 });
    const straight = await run(s, tmp());

    const dir = tmp();
    const first: { step: number; loss: number }[] = [];
    const r = startTraining(s, dir, {
      onProgress: (p) => {
        first.push({ step: p.step, loss: p.loss });
        if (p.step >= 30) void r.pause();
      },
    });
    const paused = await r.done;
    expect(paused.reason).toBe('paused');
    expect(paused.step).toBeLessThan(3000);
    expect(listCheckpoints(dir).at(-1)!.step).toBe(paused.step);
    const second = await run(s, dir);
    expect(second.end).toEqual({ reason: 'finished', step: 3000 });
    expect([...first, ...second.losses]).toEqual(straight.losses);
    const a = readCheckpoint(listCheckpoints(dir).at(-1)!.file);
    expect(a.header.step).toBe(3000);
  });

  it('skips a damaged newest checkpoint with a warning and resumes from the one before', async () => {
    const dir = tmp();
    const s = spec({ steps: 40, checkpointEvery: 10, keepCheckpoints: 5 });
    await run({ ...s, steps: 30 }, dir);
    const newest = listCheckpoints(dir).at(-1)!;
    expect(newest.step).toBe(30);
    const size = fs.statSync(newest.file).size;
    fs.truncateSync(newest.file, size - 8);
    expect(() => readCheckpoint(newest.file)).toThrow(
      `is truncated (${size - 8} bytes, expected ${size}): delete it to resume from the one before`,
    );
    fs.truncateSync(newest.file, 100);
    expect(() => readCheckpoint(newest.file)).toThrow(
      /is truncated \(100 bytes, shorter than its own header\): delete it to resume from the one before/,
    );
    const warnings: string[] = [];
    const r = startTraining(s, dir, {}, (m) => warnings.push(m));
    expect(r.startStep).toBe(20);
    expect(warnings).toEqual([expect.stringMatching(/^skipping checkpoint .*ckpt-000000030\.bin: .* is truncated/)]);
    expect(await r.done).toEqual({ reason: 'finished', step: 40 });
  });

  it('refuses to resume on a data file that changed since the checkpoint, starting over instead', async () => {
    const dir = tmp();
    const data = path.join(tmp(), 'corpus.txt');
    fs.writeFileSync(data, 'the quick brown fox jumps over the lazy dog. '.repeat(40));
    await run(spec({ dataFile: data, steps: 20, checkpointEvery: 10 }), dir);
    fs.appendFileSync(data, 'and then some more text arrives. ');
    const warnings: string[] = [];
    const r = startTraining(spec({ dataFile: data, steps: 20, checkpointEvery: 10 }), dir, {}, (m) => warnings.push(m));
    expect(r.startStep).toBe(0);
    expect(warnings.join('\n')).toContain('the training data changed since it was written');
    await r.done;
  });

  it('keeps only the newest checkpoints', async () => {
    const dir = tmp();
    await run(spec({ steps: 50, checkpointEvery: 10, keepCheckpoints: 2 }), dir);
    expect(listCheckpoints(dir).map((c) => c.step)).toEqual([40, 50]);
  });

  it('refuses a batch that does not split into whole 4-row shards, and a missing data file', () => {
    expect(() => startTraining(spec({ threads: 3, batchSize: 32 }), tmp())).toThrow(/multiple of 4 × threads/);
    expect(() => startTraining(spec({ dataFile: '/nonexistent/corpus.txt' }), tmp())).toThrow(
      /Cannot read the training data \/nonexistent\/corpus.txt \(ENOENT\)/,
    );
  });
});
