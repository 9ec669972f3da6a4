import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Job } from '#contract/index';
import { startCore, type Core } from '#core/app';
import { quiet } from '../../../test/support/quiet-log.ts';
import { tempDirs } from '../../../test/support/temp-dir.ts';
import { until } from '../../../test/support/until.ts';
import { allowProgram } from './allow-list.ts';
import { LINE_MAX_BYTES } from './command-runner.ts';
import { BoundedLog, LineCutter, LOG_FILE, ROTATED_LOG_FILE } from './log-file.ts';
import { jobModule } from './module.ts';
import { logMaxBytesSetting } from './setting.ts';

const tmp = tempDirs('hearth-output-');
const cores: Core[] = [];
afterAll(async () => {
  for (const c of cores) await c.close();
});

async function core(): Promise<Core> {
  const dataDir = tmp();
  allowProgram(dataDir, process.execPath, 0);
  const c = await startCore({ dataDir, log: quiet, modules: [jobModule({ gpu: null, pollMs: 20 })] });
  cores.push(c);
  return c;
}

const size = (f: string) => (fs.existsSync(f) ? fs.statSync(f).size : 0);
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const stateOf = (c: Core, id: number) => () => c.service('job').get(id) as Job;

describe('cutting output into lines', () => {
  it('ends lines at \\n, \\r\\n and \\r, across chunks, and cuts a long line with a marker', () => {
    const lines: string[] = [];
    const cut = new LineCutter(8, (l) => lines.push(l));
    for (const part of ['one\r\ntw', 'o\n', '\r', '\nbar 10%\rbar 20%\n', 'x'.repeat(20), 'y'.repeat(5), '\nlast'])
      cut.push(Buffer.from(part));
    cut.finish();
    expect(lines).toEqual(['one', 'two', 'bar 10%', 'bar 20%', 'xxxxxxxx … [line cut: 17 bytes not shown]', 'last']);
  });

  it('keeps two files of at most the bound, the newest lines in log.txt', async () => {
    const dir = tmp();
    const log = new BoundedLog(dir, () => 4096);
    for (let i = 0; i < 2000; i++) log.append(`line ${i} ${'.'.repeat(40)}`);
    await log.flush();
    expect(size(path.join(dir, LOG_FILE))).toBeLessThanOrEqual(4096);
    expect(size(path.join(dir, ROTATED_LOG_FILE))).toBeLessThanOrEqual(4096);
    expect(fs.readFileSync(path.join(dir, LOG_FILE), 'utf8').trimEnd().split('\n').at(-1)).toBe(
      `line 1999 ${'.'.repeat(40)}`,
    );
  });
});

describe('a command that prints without end (real child processes)', () => {
  it('keeps its log under the bound and sends the page a few batched events a second', async () => {
    const c = await core();
    c.context.settings.set(logMaxBytesSetting, 64 * 1024);
    let events = 0;
    let lines = 0;
    c.events.on('job-log', (e) => {
      events++;
      lines += e.lines.length + e.skipped;
    });
    const t0 = Date.now();
    const job = await c.handlers['job-create']({
      spec: {
        kind: 'command',
        // About 25 MB of short lines, as fast as node writes them.
        command: [
          process.execPath,
          '-e',
          'const l = "step 1 loss 0.5 " + "x".repeat(40) + "\\n"; let n = 0; const w = () => { while (n < 400000) { n++; if (!process.stdout.write(l)) return process.stdout.once("drain", w); } }; w();',
        ],
        cwd: tmp(),
      },
      start: true,
    });
    await until('the flood to end', stateOf(c, job.id), (j) => j.state === 'finished', 60_000);
    const seconds = (Date.now() - t0) / 1000;
    // The last batch of lines goes out within 250 ms of the last line.
    await new Promise((r) => setTimeout(r, 400));
    const dir = path.join(c.context.dataDir, 'jobs', String(job.id));
    expect(size(path.join(dir, LOG_FILE))).toBeLessThanOrEqual(64 * 1024);
    expect(size(path.join(dir, ROTATED_LOG_FILE))).toBeLessThanOrEqual(64 * 1024);
    // One event per 250 ms at most (and the last one), never one per line.
    expect(events).toBeLessThanOrEqual(Math.ceil(seconds * 4) + 2);
    expect(lines).toBeGreaterThan(400_000 - 10);
  }, 90_000);

  it('cuts a 300 MB line without a newline, stays responsive, and logs what follows', async () => {
    const c = await core();
    const job = await c.handlers['job-create']({
      spec: {
        kind: 'command',
        // The line is made in the child, 1 MiB at a time: the test never holds it.
        command: [
          process.execPath,
          '-e',
          'const mb = Buffer.alloc(1 << 20, 120); let n = 0; const w = () => { while (n < 300) { n++; if (!process.stdout.write(mb)) return process.stdout.once("drain", w); } process.stdout.write("\\nafter the long line\\n"); }; w();',
        ],
        cwd: tmp(),
      },
      start: true,
    });
    // Liveness: the API answers while the line streams in (within 5 s each, or the test fails).
    let answered = 0;
    while (stateOf(c, job.id)().state === 'running') {
      const answer = c.handlers['job-list']({});
      await Promise.race([
        answer,
        new Promise((_, reject) => setTimeout(() => reject(new Error('job-list did not answer within 5 s')), 5000)),
      ]);
      answered++;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(stateOf(c, job.id)().state).toBe('finished');
    expect(answered).toBeGreaterThan(0);
    const log = (await c.handlers['job-get']({ id: job.id })).log;
    const notShown = 300 * 1024 * 1024 - LINE_MAX_BYTES;
    const cut = log.find((l) => l.includes('[line cut:'));
    expect(cut).toBe(
      `${'x'.repeat(LINE_MAX_BYTES)} … [line cut: ${notShown.toLocaleString('en-US').replaceAll(',', ' ')} bytes not shown]`,
    );
    expect(log.at(-1)).toBe('after the long line');
  }, 120_000);

  it('cancel kills the process group within a bounded wait, a child that ignores SIGTERM included', async () => {
    const c = await core();
    const cwd = tmp();
    // The command ignores SIGTERM, starts a grandchild (in its group) and keeps printing.
    const grandchild = 'setInterval(() => {}, 1000)';
    const job = await c.handlers['job-create']({
      spec: {
        kind: 'command',
        command: [
          process.execPath,
          '-e',
          `process.on("SIGTERM", () => {}); const g = require("child_process").spawn(process.execPath, ["-e", ${JSON.stringify(grandchild)}], { stdio: "ignore" }); require("fs").writeFileSync("pids", process.pid + " " + g.pid); setInterval(() => console.log("still here"), 1);`,
        ],
        cwd,
      },
      start: true,
    });
    const [pid, gpid] = (
      await until(
        'the pids',
        () => (fs.existsSync(path.join(cwd, 'pids')) ? fs.readFileSync(path.join(cwd, 'pids'), 'utf8') : ''),
        (t) => t.includes(' '),
      )
    )
      .split(' ')
      .map(Number) as [number, number];
    expect(alive(pid) && alive(gpid)).toBe(true);
    const cancelled = await Promise.race([
      c.handlers['job-cancel']({ id: job.id }),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('job-cancel did not return within 15 s')), 15_000),
      ),
    ]);
    expect(cancelled.state).toBe('cancelled');
    await until(
      'the process group gone',
      () => alive(pid) || alive(gpid),
      (a) => !a,
      5_000,
    );
    const log = (await c.handlers['job-get']({ id: job.id })).log;
    expect(log).toContain('did not stop within 5 s of SIGTERM: killed (SIGKILL)');
  }, 30_000);
});
