import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HandlerError, type Job } from '#contract/index';
import { startCore, type Core } from '#core/app';
import { quiet } from '../../../test/support/quiet-log.ts';
import { rejectionOf } from '../../../test/support/rejection.ts';
import { tempDirs } from '../../../test/support/temp-dir.ts';
import { until as poll } from '../../../test/support/until.ts';
import { allowProgram } from './allow-list.ts';
import { jobModule } from './module.ts';
import { nvidiaProbe } from './nvidia.ts';

const tmp = tempDirs('hearth-job-');
const cores: Core[] = [];
afterAll(async () => {
  for (const c of cores) await c.close();
});

/** A core whose data folder allows node (the tests' commands are node scripts). */
async function core(dataDir = tmp()): Promise<Core> {
  allowProgram(dataDir, process.execPath, 0);
  const c = await startCore({ dataDir, log: quiet, modules: [jobModule({ gpu: null, pollMs: 20 })] });
  cores.push(c);
  return c;
}

/** Resolves when the job satisfies `ok` (checked on every change; a hang guard, not a timing test). */
function until(c: Core, id: number, ok: (j: Job) => boolean): Promise<Job> {
  const job = c.service('job');
  return new Promise((resolve, reject) => {
    const guard = setTimeout(() => {
      off();
      reject(new Error(`job ${id} never got there: ${JSON.stringify(job.get(id))}`));
    }, 50_000);
    const check = (j: Job) => {
      if (j.id === id && ok(j)) {
        clearTimeout(guard);
        off();
        resolve(j);
      }
    };
    const off = job.onChange(check);
    const now = job.get(id);
    if (now) check(now);
  });
}

const rejection = (p: Promise<unknown>) => rejectionOf(p, HandlerError);

const train = { kind: 'train' as const, hidden: 32, batchSize: 16, checkpointEvery: 20 };

describe('job module: built-in training', () => {
  it('runs a training job to the end with progress events, a loss curve and checkpoints in the ledger', async () => {
    const c = await core();
    const events: string[] = [];
    c.events.on('job-progress', (e) => events.push(`${e.id}:${e.progress.done}`));
    const states: string[] = [];
    c.events.on('job-state', (e) => states.push(e.state));
    const job = await c.handlers['job-create']({ spec: { ...train, steps: 100 }, start: true });
    expect(job.state).toBe('running');
    expect(job.name).toBe('Character model on the built-in corpus');
    const done = await until(c, job.id, (j) => j.state === 'finished');
    expect(done.progress).toMatchObject({ done: 100, total: 100 });
    expect(states).toEqual(['running', 'finished']);
    expect(events.length).toBeGreaterThan(0);
    const detail = await c.handlers['job-get']({ id: job.id });
    expect(detail.losses.map((l) => l.step)).toEqual([20, 40, 60, 80, 100]);
    expect(detail.checkpoints.map((k) => k.step)).toEqual([100, 80, 60]);
    expect(detail.log.join('\n')).toContain('checkpoint at step 100');
  });

  it('pauses to a checkpoint, resumes, survives an app restart mid-run, and ends on the same losses as an uninterrupted job', async () => {
    const dataDir = tmp();
    const a = await core(dataDir);
    const spec = { ...train, hidden: 128, batchSize: 64, steps: 1500, checkpointEvery: 50 };
    const straight = await a.handlers['job-create']({ spec, start: true, name: 'straight' });
    await until(a, straight.id, (j) => j.state === 'finished');
    // Paused right after it starts, resumed, and the app closed right after: no timing involved.
    const job = await a.handlers['job-create']({ spec, start: true, name: 'interrupted' });
    const paused = await a.handlers['job-pause']({ id: job.id });
    expect(paused.state).toBe('paused');
    const at = (await a.handlers['job-get']({ id: job.id })).checkpoints[0]!.step;
    expect(paused.progress.done).toBe(at);
    expect(await rejection(a.handlers['job-pause']({ id: job.id }))).toMatchObject({ code: 'conflict' });
    await a.handlers['job-start']({ id: job.id });
    // Quit the app while the job runs: it checkpoints and stays running in the ledger.
    await a.close();
    const b = await core(dataDir);
    expect(b.service('job').get(job.id)!.state).toBe('running');
    const end = await until(b, job.id, (j) => j.state === 'finished');
    expect(end.progress.done).toBe(1500);
    const losses = (await b.handlers['job-get']({ id: job.id })).losses.map((l) => [l.step, l.loss]);
    const reference = (await b.handlers['job-get']({ id: straight.id })).losses.map((l) => [l.step, l.loss]);
    expect(losses).toEqual(reference);
    expect((await b.handlers['job-get']({ id: job.id })).log.join('\n')).toMatch(
      /resumed from the checkpoint at step \d+[\s\S]*the app restarted: continuing/,
    );
  });

  it('writes text from the newest checkpoint, and says why it cannot without one', async () => {
    const c = await core();
    const job = await c.handlers['job-create']({ spec: { ...train, steps: 40 }, start: true });
    await until(c, job.id, (j) => j.state === 'finished');
    const s = await c.handlers['job-sample']({ id: job.id, length: 120 });
    expect(s.step).toBe(40);
    expect([...s.text]).toHaveLength(120);
    expect(await c.handlers['job-sample']({ id: job.id, length: 120 })).toEqual(s);
    const queued = await c.handlers['job-create']({ spec: { ...train, steps: 40 } });
    expect(await rejection(c.handlers['job-sample']({ id: queued.id }))).toMatchObject({
      code: 'conflict',
      message: `Job ${queued.id} has no checkpoint yet`,
    });
  });

  it('refuses a missing data file and cancels a queued job', async () => {
    const c = await core();
    const e = await rejection(c.handlers['job-create']({ spec: { kind: 'train', dataFile: '/no/such/corpus.txt' } }));
    expect(e.code).toBe('bad-request');
    expect(e.message).toContain('/no/such/corpus.txt does not exist');
    const q = await c.handlers['job-create']({ spec: { ...train, steps: 10 } });
    expect(q.state).toBe('queued');
    expect((await c.handlers['job-cancel']({ id: q.id })).state).toBe('cancelled');
    expect(await rejection(c.handlers['job-start']({ id: q.id }))).toMatchObject({ code: 'conflict' });
    await c.handlers['job-delete']({ id: q.id });
    expect(await rejection(c.handlers['job-get']({ id: q.id }))).toMatchObject({ code: 'not-found' });
  });
});

describe('job module: planner grants and restarts', () => {
  it('runs a built-in job on the threads the planner grants, and finishes a pause an app stop interrupted', async () => {
    const dataDir = tmp();
    const a = await core(dataDir);
    const svc = a.service('job');
    const job = svc.create({ spec: { ...train, threads: 8, batchSize: 96, steps: 40 } });
    await svc.start(job.id, { threads: 5 });
    await until(a, job.id, (j) => j.state === 'finished');
    // 96 rows do not split into 5 shards of whole 4-row blocks: 4 threads is the most that does.
    expect((await a.handlers['job-get']({ id: job.id })).log[0]).toBe(
      "running on 4 of 8 threads (the planner's grant)",
    );
    // A pause the app did not finish taking (state left `pausing` in the ledger).
    const other = svc.create({ spec: { ...train, steps: 10 } });
    a.db.prepare("UPDATE job SET state = 'pausing' WHERE id = ?").run(other.id);
    await a.close();
    const b = await core(dataDir);
    expect(b.service('job').get(other.id)!.state).toBe('paused');
  });
});

/** A training script stand-in: counts steps, writes its own progress file, saves state on SIGTERM. */
const SCRIPT = `
const fs = require('fs');
const total = Number(process.argv[2]);
const resume = process.argv.includes('--resume');
if (process.argv.includes('--fail')) { console.log('loading data'); console.error('RuntimeError: CUDA out of memory'); process.exit(3); }
fs.writeFileSync('pid', String(process.pid));
let step = resume && fs.existsSync('state.json') ? JSON.parse(fs.readFileSync('state.json', 'utf8')).step : 0;
console.log(resume ? 'resuming at ' + step : 'starting');
const save = () => fs.writeFileSync('state.json', JSON.stringify({ step }));
process.on('SIGTERM', () => { save(); console.log('saved at ' + step); process.exit(0); });
const t = setInterval(() => {
  step++;
  fs.writeFileSync('progress.txt', 'step ' + step + '/' + total + ' loss ' + (5 / step).toFixed(4) + '\\n');
  if (step >= total) { clearInterval(t); save(); console.log('done'); }
}, 15);
`;

function scriptDir(): string {
  const d = tmp();
  fs.writeFileSync(path.join(d, 'train.cjs'), SCRIPT);
  return d;
}

const procState = (pid: number) => fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]![0];
/** Signals are delivered asynchronously: wait for the kernel to show the new state. */
const procBecomes = (pid: number, ok: (s: string | undefined) => boolean) =>
  poll(`process ${pid} in the expected state`, () => procState(pid), ok, 5_000, 10);

describe('job module: external training commands (real child processes)', () => {
  it('pauses a command by SIGSTOP and resumes it by SIGCONT, reading its progress file', async () => {
    const c = await core();
    const cwd = scriptDir();
    const svc = c.service('job');
    const job = svc.create({
      spec: { kind: 'command', command: [process.execPath, 'train.cjs', '200'], cwd, progressFile: 'progress.txt' },
    });
    await svc.start(job.id);
    await until(c, job.id, (j) => j.progress.done >= 10);
    const paused = await svc.pause(job.id);
    expect(paused.state).toBe('paused');
    const pid = Number(fs.readFileSync(path.join(cwd, 'pid'), 'utf8'));
    if (process.platform === 'linux') expect(await procBecomes(pid, (s) => s === 'T')).toBe('T');
    await svc.start(job.id);
    if (process.platform === 'linux') expect(await procBecomes(pid, (s) => s !== 'T')).not.toBe('T');
    const end = await until(c, job.id, (j) => j.state === 'finished');
    expect(end.progress).toMatchObject({ done: 200, total: 200 });
    expect(end.progress.loss).toBeCloseTo(5 / 200, 4);
    const detail = await c.handlers['job-get']({ id: job.id });
    expect(detail.log).toEqual(expect.arrayContaining(['starting', 'paused (SIGSTOP)', 'resumed (SIGCONT)', 'done']));
    expect(detail.losses.length).toBeGreaterThan(2);
  });

  it('pauses gracefully (SIGTERM, wait) and restarts with the resume arguments', async () => {
    const c = await core();
    const cwd = scriptDir();
    const svc = c.service('job');
    const job = svc.create({
      spec: {
        kind: 'command',
        command: [process.execPath, 'train.cjs', '150'],
        cwd,
        progressFile: 'progress.txt',
        pauseMode: 'restart',
        resumeArgs: ['--resume'],
      },
    });
    await svc.start(job.id);
    await until(c, job.id, (j) => j.progress.done >= 10);
    const paused = await svc.pause(job.id);
    expect(paused.state).toBe('paused');
    const saved = JSON.parse(fs.readFileSync(path.join(cwd, 'state.json'), 'utf8')) as { step: number };
    expect(saved.step).toBeGreaterThanOrEqual(10);
    await svc.start(job.id);
    const end = await until(c, job.id, (j) => j.state === 'finished');
    expect(end.progress.done).toBe(150);
    const log = (await c.handlers['job-get']({ id: job.id })).log;
    expect(log).toContain(`saved at ${saved.step}`);
    expect(log).toContain(`resuming at ${saved.step}`);
    expect(log.some((l) => l.includes('train.cjs 150 --resume'))).toBe(true);
  });

  it('marks a command that exits non-zero as failed, quoting the last lines of its log', async () => {
    const c = await core();
    const cwd = scriptDir();
    const job = await c.handlers['job-create']({
      spec: { kind: 'command', command: [process.execPath, 'train.cjs', '5', '--fail'], cwd },
      start: true,
    });
    const end = await until(c, job.id, (j) => j.state === 'failed');
    expect(end.error).toMatch(/^The command exited with code 3\. Last lines of its log:\n/);
    expect(end.error).toContain('loading data');
    expect(end.error).toContain('RuntimeError: CUDA out of memory');
  });

  it("attributes the GPU readings nvidia-smi reports for the command's process to its job", async () => {
    if (process.platform === 'win32') return;
    // A stand-in nvidia-smi earlier on PATH: a real executable answering the two queries Hearth
    // makes, with the job's process on GPU-1.
    const bin = tmp();
    const cwd = scriptDir();
    fs.writeFileSync(
      path.join(bin, 'nvidia-smi'),
      `#!/bin/sh
case "$1" in
  --query-gpu=uuid) echo "GPU-0"; echo "GPU-1" ;;
  --query-gpu=*) echo "GPU-0, 20.00, 0, 35"; echo "GPU-1, 287.50, 98, 74" ;;
  --query-compute-apps=*) echo "GPU-1, $(cat ${cwd}/pid 2>/dev/null || echo 0)" ;;
esac
`,
      { mode: 0o755 },
    );
    const savedPath = process.env['PATH'];
    process.env['PATH'] = `${bin}${path.delimiter}${savedPath ?? ''}`;
    try {
      const gpu = await nvidiaProbe();
      expect(gpu).not.toBeNull();
      const dataDir = tmp();
      allowProgram(dataDir, process.execPath, 0);
      const c = await startCore({
        dataDir,
        log: quiet,
        modules: [jobModule({ gpu, pollMs: 20, gpuEveryMs: 100 })],
      });
      cores.push(c);
      const job = await c.handlers['job-create']({
        spec: { kind: 'command', command: [process.execPath, 'train.cjs', '100'], cwd, progressFile: 'progress.txt' },
        start: true,
      });
      await until(c, job.id, (j) => j.progress.done >= 20);
      const reading = await poll(
        'a GPU reading for the job',
        async () => (await c.handlers['job-get']({ id: job.id })).gpu,
        (g) => g !== null,
      );
      expect(reading).toEqual({ powerW: 287.5, utilizationPct: 98, temperatureC: 74 });
      await c.handlers['job-cancel']({ id: job.id });
    } finally {
      process.env['PATH'] = savedPath;
    }
  });

  it('says clearly when the program or the working directory does not exist', async () => {
    const c = await core();
    const e = await rejection(
      c.handlers['job-create']({ spec: { kind: 'command', command: ['python3', 'x.py'], cwd: '/no/such/dir' } }),
    );
    expect(e.message).toBe('The working directory /no/such/dir does not exist: create it or pick another');
    const missing = await rejection(
      c.handlers['job-create']({ spec: { kind: 'command', command: ['hearth-no-such-program'], cwd: tmp() } }),
    );
    expect(missing.message).toBe(
      'Cannot find the program "hearth-no-such-program": no executable file by that name in PATH',
    );
    expect(missing.hint).toBe('Check the command, or give the program as an absolute path.');
  });
});
