import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TrainSpec } from '#contract/job';
import { listCheckpoints, readCheckpoint } from '#workers/train/checkpoint';
import { startTraining, TRAIN_DEFAULTS } from './train-session.ts';

const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-train-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const spec = (over: Partial<TrainSpec> = {}): TrainSpec => ({ kind: 'train', ...TRAIN_DEFAULTS, hidden: 64, batchSize: 32, steps: 60, checkpointEvery: 20, ...over });

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
    const s = spec({ steps: 80, checkpointEvery: 10, threads: 2 });
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
    expect(paused.step).toBeLessThan(80);
    expect(listCheckpoints(dir).at(-1)!.step).toBe(paused.step);
    const second = await run(s, dir);
    expect(second.end).toEqual({ reason: 'finished', step: 80 });
    expect([...first, ...second.losses]).toEqual(straight.losses);
    const a = readCheckpoint(listCheckpoints(dir).at(-1)!.file);
    expect(a.header.step).toBe(80);
  });

  it('keeps only the newest checkpoints', async () => {
    const dir = tmp();
    await run(spec({ steps: 50, checkpointEvery: 10, keepCheckpoints: 2 }), dir);
    expect(listCheckpoints(dir).map((c) => c.step)).toEqual([40, 50]);
  });

  it('refuses a batch that does not split into whole 4-row shards, and a missing data file', () => {
    expect(() => startTraining(spec({ threads: 3, batchSize: 32 }), tmp())).toThrow(/multiple of 4 × threads/);
    expect(() => startTraining(spec({ dataFile: '/nonexistent/corpus.txt' }), tmp())).toThrow(/Cannot read the training data \/nonexistent\/corpus.txt \(ENOENT\)/);
  });
});
