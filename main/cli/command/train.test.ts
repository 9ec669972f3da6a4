import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listCheckpoints } from '#workers/train/checkpoint';
import { tempDirs } from '../../../test/support/temp-dir.ts';
import { progressLine } from './train.ts';

const cli = path.resolve(import.meta.dirname, '../../../out/node/cli.mjs');
const tmp = tempDirs('hearth-train-cli-');

const ARGS = ['--steps', '4000', '--hidden', '128', '--batch', '64', '--checkpoint-every', '50'];
type Out = { jobId: number; state: string; losses: { step: number; loss: number }[] };

function runJson(args: string[]): Out {
  const r = spawnSync(process.execPath, [cli, 'train', ...args, '--json'], { encoding: 'utf8', timeout: 120_000 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as Out;
}

describe('hearth train (a real process)', () => {
  it('is killed with SIGKILL mid-run, continues from its last checkpoint, and reaches the same losses as a run never stopped', async () => {
    const straight = runJson(['--data-dir', tmp(), ...ARGS]);
    expect(straight.state).toBe('finished');

    const dataDir = tmp();
    const child = spawn(process.execPath, [cli, 'train', '--data-dir', dataDir, ...ARGS], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        out += chunk;
        const steps = [...out.matchAll(/(\d+)\/4000 steps/g)].map((m) => Number(m[1]));
        // Past step 150 at least three checkpoints (50, 100, 150) were due.
        if (steps.some((s) => s >= 150 && s < 3800)) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', () => reject(new Error(`the run ended before it was killed:\n${out}`)));
    });
    await new Promise((r) => child.once('exit', r));
    const ckpts = listCheckpoints(path.join(dataDir, 'jobs', '1', 'checkpoints'));
    expect(ckpts.length).toBeGreaterThan(0);
    const resumedFrom = ckpts.at(-1)!.step;
    expect(resumedFrom).toBeGreaterThanOrEqual(50);

    const resumed = runJson(['--data-dir', dataDir, '--job', '1']);
    expect(resumed.state).toBe('finished');
    expect(resumed.losses.map((l) => l.step)).toEqual(straight.losses.map((l) => l.step));
    for (let i = 0; i < straight.losses.length; i++)
      expect(resumed.losses[i]!.loss).toBeCloseTo(straight.losses[i]!.loss, 5);
    const log = fs.readFileSync(path.join(dataDir, 'jobs', '1', 'log.txt'), 'utf8');
    expect(log).toContain(`resumed from the checkpoint at step ${resumedFrom}`);
  });

  it('pauses at a checkpoint on Ctrl-C (SIGINT) and says how to continue', async () => {
    const dataDir = tmp();
    const child = spawn(process.execPath, [cli, 'train', '--data-dir', dataDir, ...ARGS], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.stdout.on('data', (chunk: string) => {
      const first = out === '' || !/\d+\/4000 steps/.test(out);
      out += chunk;
      if (first && /\d+\/4000 steps/.test(out)) child.kill('SIGINT');
    });
    expect(await exited).toBe(0);
    const m = /paused at step (\d+); continue with: hearth train --job 1 --data-dir (\S+)/.exec(out);
    expect(m, out).not.toBeNull();
    expect(m![2]).toBe(dataDir);
    expect(listCheckpoints(path.join(dataDir, 'jobs', '1', 'checkpoints')).at(-1)!.step).toBe(Number(m![1]));
    const resumed = runJson(['--data-dir', dataDir, '--job', '1']);
    expect(resumed.state).toBe('finished');
  });

  it('draws a progress bar with steps, loss, throughput and ETA', () => {
    expect(
      progressLine({ done: 120, total: 480, unit: 'steps', loss: 2.31412, samplesPerSec: 51234.4, etaSec: 150 }, 8),
    ).toBe('[##......] 120/480 steps  loss 2.3141  51,234 samples/s  eta 3 min');
    expect(progressLine({ done: 5, total: null, unit: 'steps', loss: null, samplesPerSec: null, etaSec: null })).toBe(
      '5 steps  loss ?  ? samples/s  eta ?',
    );
  });
});
