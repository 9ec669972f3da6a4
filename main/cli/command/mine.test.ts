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
    const child = spawn(process.execPath, [cli, 'mine', '--pool', pool.url, '--user', 'alice.rig', '--pass', 'x', '--threads', '1', '--data-dir', dir()], { stdio: ['ignore', 'pipe', 'pipe'] });
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
  });
});
