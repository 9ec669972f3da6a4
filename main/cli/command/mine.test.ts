import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { cli, runCli, tempDir } from '../../../test/headless/harness.ts';
import { TestPool } from '../../../test/support/stratum-pool.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});
const dir = () => {
  const d = tempDir('hearth-mine-');
  dirs.push(d);
  return d;
};

describe('hearth mine', () => {
  let pool: TestPool | null = null;
  afterEach(async () => {
    await pool?.close();
    pool = null;
  });

  it('mines against a pool with live stats and stops cleanly on Ctrl-C', async () => {
    pool = new TestPool({ difficulty: 2 ** -14 });
    await pool.listen();
    pool.notify(true);
    // The password through the environment, not argv (where `ps` would show it).
    const data = dir();
    const child = spawn(
      process.execPath,
      [cli, 'mine', '--pool', pool.url, '--user', 'alice.rig', '--threads', '1', '--data-dir', data],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HEARTH_POOL_PASSWORD: 'x' } },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const t0 = Date.now();
    while (!/share accepted/.test(out) || !/H\/s \[/.test(out)) {
      if (Date.now() - t0 > 30_000) throw new Error(`no accepted share and stats line: ${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out).toMatch(/kernel: (native \(N-API\)|WebAssembly SIMD)/);
    expect(out).toMatch(/stopped \(.*\): \d+ accepted, 0 rejected, \d+ stale shares this run/);
    expect(pool.shares.every((s) => s.verdict === 'accepted')).toBe(true);
    // The day's shares in the ledger's per-day figures.
    const h = await runCli(['history', '--days', '1', '--data-dir', data]);
    expect(h.code, h.stderr).toBe(0);
    expect(h.stdout).toMatch(
      new RegExp(
        `Mining shares per day.*\\n\\d{4}-\\d{2}-\\d{2}  ${pool.accepted().length} accepted, 0 rejected, \\d+ stale`,
        's',
      ),
    );
  });

  it("exits non-zero with the pool's words when the pool refuses the worker, without retrying", async () => {
    pool = new TestPool({ difficulty: 2 ** -14, accept: () => false });
    await pool.listen();
    const t0 = Date.now();
    const r = await runCli([
      'mine',
      '--pool',
      pool.url,
      '--user',
      'not-an-address',
      '--threads',
      '1',
      '--data-dir',
      dir(),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /mining stopped: .*refused worker "not-an-address": it answered false and said "Failed authorisation :\(".*Check the worker name/,
    );
    expect(pool.sessions).toBe(1);
    console.log(`hearth mine exited ${r.code} ${Date.now() - t0} ms after start on a refused worker`);
  });

  it('--check prints what the pool sent and the expected time to a share; exits 1 with the reason when it cannot mine', async () => {
    pool = new TestPool({
      difficulty: 0.001,
      order: 'pooled',
      versionMask: '1fffe000',
      jobVersion: '30000000',
      extranonce2Size: 8,
    });
    await pool.listen();
    const ok = await runCli(
      ['mine', '--check', '--pool', pool.url, '--user', 'alice.rig', '--threads', '1', '--data-dir', dir()],
      { HEARTH_POOL_PASSWORD: 'x' },
    );
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/: ok — first job \d+ ms after connecting/);
    expect(ok.stdout).toMatch(/difficulty\s+0\.001\n/);
    expect(ok.stdout).toMatch(/job version\s+30000000/);
    expect(ok.stdout).toMatch(/version rolling\s+mask 1fffe000/);
    expect(ok.stdout).toMatch(/extranonce1 4 bytes, extranonce2 8 bytes/);
    expect(ok.stdout).toMatch(/this machine\s+[\d.]+ [kMG]?H\/s \(measured for this check\)/);
    expect(ok.stdout).toMatch(/time to a share\s+[\d.]+ (s|min) on average at that difficulty \(an estimate\)/);
    const bad = await runCli(['mine', '--check', '--pool', pool.url, '--user', 'mallory', '--data-dir', dir()]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/check failed \(refused\): .*Failed authorisation/);
    const dead = await runCli([
      'mine',
      '--check',
      '--pool',
      'stratum+tcp://127.0.0.1:1',
      '--user',
      'alice.rig',
      '--data-dir',
      dir(),
    ]);
    expect(dead.code).toBe(1);
    expect(dead.stdout).toMatch(/check failed: .*ECONNREFUSED/);
  });

  it('takes the pool password from --pass-file or HEARTH_POOL_PASSWORD, never from argv, and refuses --pass', async () => {
    const secret = 'hunter2-' + Math.random().toString(36).slice(2);
    pool = new TestPool({ difficulty: 2 ** -14, accept: (u, p) => u === 'alice.rig' && p === secret });
    await pool.listen();
    const data = dir();
    const file = `${data}-pass`;
    dirs.push(file);
    fs.writeFileSync(file, `${secret}\n`, { mode: 0o600 });
    const { HEARTH_POOL_PASSWORD: _unset, ...env } = process.env;
    for (const [how, extra, childEnv] of [
      ['--pass-file', ['--pass-file', file], env],
      ['HEARTH_POOL_PASSWORD', [], { ...env, HEARTH_POOL_PASSWORD: secret }],
    ] as const) {
      const before = pool.authorized;
      const child = spawn(
        process.execPath,
        [cli, 'mine', '--pool', pool.url, '--user', 'alice.rig', '--threads', '1', '--seconds', '30', ...extra],
        { stdio: ['ignore', 'pipe', 'pipe'], env: { ...childEnv, HEARTH_DATA_DIR: data } },
      );
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      const t0 = Date.now();
      while (pool.authorized === before) {
        if (Date.now() - t0 > 30_000) throw new Error(`${how}: the pool never authorised the worker: ${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      // What ps shows: the running process's command line.
      const argv = fs.readFileSync(`/proc/${child.pid}/cmdline`, 'utf8');
      expect(argv, how).toContain('alice.rig');
      expect(argv, how).not.toContain(secret);
      child.kill('SIGINT');
      expect(await exited, out).toBe(0);
    }
    const auths = pool.log.filter((l) => l.includes('"mining.authorize"'));
    expect(auths).toHaveLength(2);
    for (const a of auths) expect((JSON.parse(a) as { params: unknown[] }).params).toEqual(['alice.rig', secret]);

    // --pass is refused before anything connects, saying where the password goes instead.
    const sessions = pool.sessions;
    const argvPass = await runCli([
      'mine',
      '--pool',
      pool.url,
      '--user',
      'alice.rig',
      '--pass',
      secret,
      '--data-dir',
      data,
    ]);
    expect(argvPass.code).toBe(2);
    expect(argvPass.stderr).toMatch(
      /--pass is not accepted: .*process list \(ps\).*--pass-file FILE.*HEARTH_POOL_PASSWORD/,
    );
    // A file others can read, a missing one and an empty one are refused with what to do.
    fs.chmodSync(file, 0o644);
    const open = await runCli([
      'mine',
      '--pool',
      pool.url,
      '--user',
      'alice.rig',
      '--pass-file',
      file,
      '--data-dir',
      data,
    ]);
    expect(open.code).toBe(2);
    expect(open.stderr).toContain(`--pass-file ${file} can be read by other users (mode 0644): run chmod 600 ${file}`);
    const missing = await runCli(['mine', '--pool', pool.url, '--user', 'a', '--pass-file', `${file}.nope`]);
    expect(missing.stderr).toMatch(/--pass-file .*\.nope: no such file/);
    fs.writeFileSync(file, '  \n', { mode: 0o600 });
    fs.chmodSync(file, 0o600);
    const empty = await runCli(['mine', '--pool', pool.url, '--user', 'a', '--pass-file', file]);
    expect(empty.stderr).toMatch(/is empty: write the pool password on its first line/);
    expect(pool.sessions).toBe(sessions);
    const help = await runCli(['mine', '--help']);
    expect(help.stdout).toMatch(/--pass-file FILE\s+read the pool password from this file/);
  });

  it('explains a bad pool URL and a missing worker with exit code 2', async () => {
    const a = await runCli(['mine', '--pool', 'http://pool.example.com:3333', '--user', 'a.b']);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/--pool: pool URL "http:\/\/pool.example.com:3333" is not a Stratum URL/);
    const b = await runCli(['mine', '--pool', 'stratum+tcp://pool.example.com:3333']);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/--pool needs --user WORKER/);
    const c = await runCli(['mine', '--data-dir', dir()]);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/no mining pool is configured/);
    const d = await runCli(['mine', '--preset', 'nope', '--user', 'a']);
    expect(d.code).toBe(2);
    expect(d.stderr).toMatch(/--preset nope is not known: use one of ckpool-solo, public-pool/);
  });
});
