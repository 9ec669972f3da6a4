import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Job } from '#contract/index';
import { apiCall, runCli, until } from './harness.ts';
import { perTest } from './per-test.ts';
import { processAlive as alive } from '#transport/discovery';

const { folder, serve } = perTest('hearth-cmdjobs-');

/** Process groups a test's commands started, killed after it whatever happened. */
const groups: number[] = [];
afterEach(() => {
  for (const pid of groups.splice(0)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
});

/** A POST as a page or script with the token makes it: the status and the envelope. */
async function post(s: { origin: string; token: string }, method: string, args: unknown) {
  const res = await fetch(`${s.origin}/api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${s.token}` },
    body: JSON.stringify(args),
  });
  return { status: res.status, body: (await res.json()) as { ok: boolean; error?: { message: string } } };
}

/** Answers within `ms` or fails: liveness, not speed. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    p,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${what} did not answer within ${ms / 1000} s`)), ms),
    ),
  ]);
}

describe('hearth serve: command jobs run only allowed programs', () => {
  it('refuses /bin/sh -c over HTTP and runs nothing, refuses changing the list over HTTP, and runs it once allowed on the machine', async () => {
    const dataDir = folder();
    const work = folder();
    const marker = path.join(work, 'x');
    const s = await serve(dataDir);
    const job = { spec: { kind: 'command', command: ['/bin/sh', '-c', `touch ${marker}`], cwd: work }, start: true };

    const refused = await post(s, 'job-create', job);
    expect(refused.body.ok).toBe(false);
    const sh = fs.realpathSync('/bin/sh');
    expect(refused.body.error?.message).toBe(
      `${sh} is not on this machine's list of allowed programs. Allow it on this machine: \`hearth commands allow ${sh}\`, or in the desktop app: Settings → Allowed programs.`,
    );
    expect(await apiCall<Job[]>(s, 'job-list')).toEqual([]);

    // Widening the list is for a person at the machine: 403 over HTTP, whoever holds the token.
    for (const method of ['job-programs-allow', 'job-programs-remove']) {
      const r = await post(s, method, { program: '/bin/sh' });
      expect(r.status).toBe(403);
      expect(r.body.error?.message).toContain('can be called only on this machine');
    }
    expect(await apiCall(s, 'job-programs-list')).toMatchObject({ programs: [] });
    expect(fs.existsSync(marker)).toBe(false);

    const allowed = await runCli(['commands', 'allow', '/bin/sh', '--data-dir', dataDir]);
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toContain(sh);
    expect(allowed.stdout).toContain('runs whatever it is given');
    expect(fs.statSync(path.join(dataDir, 'allowed-programs.json')).mode & 0o777).toBe(0o600);
    expect((await runCli(['commands', '--data-dir', dataDir])).stdout).toContain(sh);

    // The same server, not restarted, reads the list again.
    const ran = await post(s, 'job-create', job);
    expect(ran.body.ok).toBe(true);
    await until('the command to run', () => fs.existsSync(marker), Boolean, 10_000);

    // Taken off the list: a job made before cannot start.
    const later = await apiCall<Job>(s, 'job-create', { ...job, start: false });
    expect((await runCli(['commands', 'remove', '/bin/sh', '--data-dir', dataDir])).code).toBe(0);
    fs.rmSync(marker);
    const failed = await apiCall<Job>(s, 'job-start', { id: later.id });
    expect(failed.state).toBe('failed');
    expect(failed.error).toContain(`hearth commands allow ${sh}`);
    expect(fs.existsSync(marker)).toBe(false);
  }, 60_000);
});

describe('hearth serve: a command that floods its output', () => {
  it('stays answering, keeps its log bounded, exits on SIGTERM, and holds the job on the next start', async () => {
    const dataDir = folder();
    const work = folder();
    expect((await runCli(['commands', 'allow', process.execPath, '--data-dir', dataDir])).code).toBe(0);
    const first = await serve(dataDir);
    // Ignores SIGTERM; prints lines as fast as it can, then a line of 300 MB without a newline,
    // over and over (made in the child, 1 MiB at a time).
    const script = `process.on("SIGTERM", () => {}); require("fs").writeFileSync("pid", String(process.pid));
const line = "step 1 loss 0.5 ".padEnd(80, "x") + "\\n"; const mb = Buffer.alloc(1 << 20, 120); let i = 0;
const w = () => { for (;;) { i++; const ok = i % 400 < 100 ? process.stdout.write(mb) : process.stdout.write(line.repeat(100)); if (!ok) return process.stdout.once("drain", w); } }; w();`;
    const job = await apiCall<Job>(first, 'job-create', {
      spec: { kind: 'command', command: [process.execPath, '-e', script], cwd: work },
      start: true,
    });
    const pid = Number(
      await until(
        'the pid file',
        () => (fs.existsSync(path.join(work, 'pid')) ? fs.readFileSync(path.join(work, 'pid'), 'utf8') : ''),
        (t) => t !== '',
      ),
    );
    groups.push(pid);
    const logDir = path.join(dataDir, 'jobs', String(job.id));
    for (let i = 0; i < 10; i++) {
      await within(apiCall(first, 'job-get', { id: job.id }), 5_000, 'job-get during the flood');
      await new Promise((r) => setTimeout(r, 300));
    }
    // Its lines reach the log: the 100 MB ones cut, each with its marker, the files under the bound.
    const logs = () => ['log.txt', 'log.1.txt'].map((f) => path.join(logDir, f)).filter((f) => fs.existsSync(f));
    await until(
      'a cut line in the log',
      () => logs().some((f) => /… \[line cut: [\d ]+ bytes not shown\]/.test(fs.readFileSync(f, 'utf8'))),
      Boolean,
      10_000,
    );
    for (const f of logs()) expect(fs.statSync(f).size).toBeLessThanOrEqual(5 * 1024 * 1024);
    // SIGTERM: the job is killed as a group after its grace period and the server exits.
    const t0 = Date.now();
    await within(first.stop('SIGTERM'), 30_000, 'hearth serve after SIGTERM');
    expect(Date.now() - t0).toBeLessThan(30_000);
    await until(
      'the job process gone',
      () => alive(pid),
      (a) => !a,
      5_000,
    );

    // It had to be killed: the next start does not run it again by itself.
    const second = await serve(dataDir);
    const held = await apiCall<Job>(second, 'job-get', { id: job.id });
    expect(held.state).toBe('failed');
    expect(held.error).toBe('Hearth stopped while this job ran; check its log, then resume it');
    expect(fs.existsSync(path.join(work, 'pid')) && alive(pid)).toBe(false);
  }, 90_000);

  it('after a crash (SIGKILL) the command job is held with a reason; after a clean stop it continues', async () => {
    const dataDir = folder();
    const work = folder();
    expect((await runCli(['commands', 'allow', process.execPath, '--data-dir', dataDir])).code).toBe(0);
    const first = await serve(dataDir);
    const spec = (name: string) => ({
      kind: 'command',
      command: [
        process.execPath,
        '-e',
        `require("fs").writeFileSync("${name}", String(process.pid)); setInterval(() => console.log("step 1"), 200)`,
      ],
      cwd: work,
    });
    const job = await apiCall<Job>(first, 'job-create', { spec: spec('crash'), start: true });
    const pid = Number(
      await until(
        'the pid',
        () => (fs.existsSync(path.join(work, 'crash')) ? fs.readFileSync(path.join(work, 'crash'), 'utf8') : ''),
        (t) => t !== '',
      ),
    );
    groups.push(pid);
    expect(await first.stop('SIGKILL')).toBe('SIGKILL');
    const second = await serve(dataDir);
    const held = await apiCall<Job>(second, 'job-get', { id: job.id });
    expect(held.state).toBe('failed');
    expect(held.error).toBe('Hearth stopped while this job ran; check its log, then resume it');

    // A clean stop (Ctrl-C) keeps today's behaviour: the job continues on the next start.
    const clean = await apiCall<Job>(second, 'job-create', { spec: spec('clean'), start: true });
    await until('the clean job running', () => fs.existsSync(path.join(work, 'clean')), Boolean, 10_000);
    groups.push(Number(fs.readFileSync(path.join(work, 'clean'), 'utf8')));
    expect(await second.stop('SIGINT')).toBe(0);
    fs.rmSync(path.join(work, 'clean'));
    const third = await serve(dataDir);
    expect((await apiCall<Job>(third, 'job-get', { id: clean.id })).state).toBe('running');
    await until('the clean job started again', () => fs.existsSync(path.join(work, 'clean')), Boolean, 10_000);
    groups.push(Number(fs.readFileSync(path.join(work, 'clean'), 'utf8')));
    // The held one is the person's to start again.
    expect((await apiCall<Job>(third, 'job-get', { id: job.id })).state).toBe('failed');
    expect((await apiCall<Job>(third, 'job-start', { id: job.id })).state).toBe('running');
  }, 90_000);
});
