import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { StratumJob } from './job.ts';
import { parsePoolUrl, sameDomain, StratumClient, type StratumOptions } from './stratum.ts';
import { TestPool } from './test-pool.ts';

const until = async (cond: () => boolean, what: string, ms = 15_000) => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};


describe('Stratum client against a real TCP pool', () => {
  const pools: TestPool[] = [];
  let client: StratumClient | null = null;
  const logs: string[] = [];
  const jobs: StratumJob[] = [];
  const log = { info: (m: string) => logs.push(`info ${m}`), warn: (m: string) => logs.push(`warn ${m}`), error: (m: string) => logs.push(`error ${m}`) };
  const fast: Partial<StratumOptions> = { backoffMs: { initial: 20, max: 200, jitter: 0.2 }, requestTimeoutMs: 2000 };

  async function pool(difficulty = 1): Promise<TestPool> {
    const p = new TestPool({ difficulty });
    await p.listen();
    pools.push(p);
    return p;
  }
  function start(urls: string[], extra: Partial<StratumOptions> = {}): StratumClient {
    client = new StratumClient({ ...fast, ...extra, pools: urls.map((url) => ({ url, user: 'alice.rig', password: 'x' })), log, onJob: (j) => jobs.push(j) });
    client.start();
    return client;
  }
  afterEach(async () => {
    client?.stop();
    client = null;
    for (const p of pools.splice(0)) await p.close();
    logs.length = 0;
    jobs.length = 0;
  });

  it('parses notify with the difficulty in force when each job arrived', async () => {
    const p = await pool(8);
    start([p.url]);
    await until(() => p.authorized === 1, 'authorize');
    p.notify(true);
    p.setDifficulty(16);
    p.notify(false);
    await until(() => jobs.length === 2, 'two jobs');
    expect(jobs.map((j) => j.difficulty)).toEqual([8, 16]);
    expect(jobs[0]!.clean).toBe(true);
    expect(jobs[1]!.clean).toBe(false);
    expect(jobs[0]!.extranonce1).toBe('f000000d');
    expect(jobs[0]!.merkleBranch).toHaveLength(3);
  });

  it('fails over from a dead pool and reconnects after a dropped connection', async () => {
    // Port 1: nothing listens there, and unlike a freed ephemeral port no parallel test can take it.
    const dead = 1;
    const a = await pool();
    start([`stratum+tcp://127.0.0.1:${dead}`, a.url]);
    await until(() => a.authorized === 1 && client!.current.state === 'mining', 'failover to the second pool');
    expect(logs.some((l) => l.startsWith('error') && l.includes(`127.0.0.1:${dead}`)), logs.join('\n')).toBe(true);
    expect(client!.current.poolIndex, JSON.stringify(client!.current)).toBe(1);
    a.dropAll();
    await until(() => logs.some((l) => l.includes('connection closed by the pool')), 'the drop to be logged');
    // The next attempt goes to the first pool (still dead), then back to the second.
    // The pool counts the authorize when it reads it; the client is mining once it has read the replies.
    await until(() => a.authorized === 2 && client!.current.state === 'mining', 'reconnect after the pool dropped the connection');
    expect(client!.current.poolIndex).toBe(1);
  });

  it('fails back to the first pool once the backup has been in use for the fail-back time', async () => {
    const first = await pool();
    const backup = await pool();
    const firstPort = Number(new URL(first.url.replace('stratum+tcp', 'http')).port);
    await first.close(); // the first pool is down at start
    pools.splice(pools.indexOf(first), 1);
    start([`stratum+tcp://127.0.0.1:${firstPort}`, backup.url], { failbackMs: 200 });
    await until(() => backup.authorized === 1, 'the backup');
    // The first pool comes back on the same port; after 200 ms on the backup the client returns.
    const revived = new TestPool({ difficulty: 1 });
    pools.push(revived);
    await revived.listen(firstPort);
    await until(() => revived.authorized === 1, 'fail-back to the first pool');
    expect(client!.current.poolIndex).toBe(0);
    expect(logs.some((l) => l.includes('trying the first pool again'))).toBe(true);
  });

  it('survives hostile input: each bad message is logged and followed by a reconnect', async () => {
    const p = await pool();
    start([p.url]);
    const cases: [string, RegExp][] = [
      ['{not json\n', /not JSON/],
      ['x'.repeat(70_000), /longer than 65536 bytes/],
      [JSON.stringify({ id: null, method: 'mining.set_difficulty', params: ['hard'] }) + '\n', /set_difficulty "hard" is not a positive number/],
      [JSON.stringify({ id: null, method: 'mining.notify', params: [1, 2, 3] }) + '\n', /notify: job id is not a string/],
      [JSON.stringify({ id: null, method: 'mining.notify', params: ['j', 'zz', '', '', [], '20000000', '1d00ffff', '5f5e1000', true] }) + '\n', /prevhash is not 32 bytes of hex/],
      [JSON.stringify({ id: null, method: 'mining.set_extranonce', params: ['00', 32] }) + '\n', /extranonce2 size 32 is outside 1..16/],
      [JSON.stringify([1, 2, 3]) + '\n', /not a JSON-RPC object/],
    ];
    for (const [i, [text, why]] of cases.entries()) {
      await until(() => p.authorized === i + 1 && client!.current.state === 'mining', `session ${i + 1}`);
      p.sendRaw(text);
      await until(() => logs.some((l) => l.startsWith('error') && why.test(l)), `the error for case ${i}`);
    }
    await until(() => p.authorized === cases.length + 1, 'the last reconnect');
    // Unknown methods are logged and answered, without dropping the connection.
    p.send({ id: 77, method: 'mining.something_new', params: [] });
    await until(() => logs.some((l) => l.startsWith('warn') && l.includes('mining.something_new')), 'the warning');
    p.notify(true);
    await until(() => jobs.length > 0, 'a job after all that');
    expect(p.authorized).toBe(cases.length + 1);
  });

  it('refuses an extranonce2 size outside 1..16 at subscribe and a pool that refuses the worker', async () => {
    const p = await pool();
    p.extranonce2Size = 0;
    start([p.url]);
    await until(() => logs.some((l) => /extranonce2 size 0 is outside 1..16 bytes/.test(l)), 'the refusal');
    client!.stop();
    p.extranonce2Size = 4;
    client = new StratumClient({ ...fast, pools: [{ url: p.url, user: 'mallory', password: 'x' }], log, onJob: () => {} });
    client.start();
    await until(() => logs.some((l) => /refused worker "mallory".*unauthorized worker \(code 24\).*check the worker name/.test(l)), 'the authorize error');
  });

  it('declares a silent pool dead after the watchdog time', async () => {
    const p = await pool();
    start([p.url], { silenceMs: 300 });
    await until(() => p.authorized === 1, 'first session');
    await until(() => p.authorized === 2, 'reconnect after silence');
    expect(logs.some((l) => /no message from the pool for 0 s|no message from the pool/.test(l))).toBe(true);
  });

  it('follows client.reconnect only within the pool\'s domain', async () => {
    const p = await pool();
    start([p.url]);
    await until(() => p.authorized === 1, 'first session');
    p.send({ id: null, method: 'client.reconnect', params: ['evil.example.net', 3333, 0] });
    await until(() => logs.some((l) => l.includes('ignoring client.reconnect to evil.example.net')), 'the refusal');
    p.send({ id: null, method: 'client.reconnect', params: ['127.0.0.1', Number(new URL(p.url.replace('stratum+tcp', 'http')).port), 0] });
    await until(() => p.authorized === 2, 'the reconnect to the same host');
    expect(sameDomain('eu.pool.example.com', 'pool.example.com')).toBe(true);
    expect(sameDomain('pool.example.com.evil.net', 'pool.example.com')).toBe(false);
  });
});

/** A self-signed certificate for 127.0.0.1 made with the openssl command (null where it is absent). */
function selfSigned(): { key: string; cert: string } | null {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-tls-'));
  try {
    const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(dir, 'k.pem'), '-out', path.join(dir, 'c.pem')], { encoding: 'utf8' });
    if (r.error || r.status !== 0) return null;
    return { key: fs.readFileSync(path.join(dir, 'k.pem'), 'utf8'), cert: fs.readFileSync(path.join(dir, 'c.pem'), 'utf8') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('stratum+ssl', () => {
  it('mines over TLS with the pool\'s certificate trusted, and refuses an untrusted one', async () => {
    const cert = selfSigned();
    if (!cert) {
      console.warn('stratum+ssl test skipped: the openssl command is not installed (needed to make a test certificate)');
      return;
    }
    const p = new TestPool({ difficulty: 1, tls: cert });
    await p.listen();
    const logs: string[] = [];
    const jobs: StratumJob[] = [];
    const log = { info: (m: string) => logs.push(m), warn: (m: string) => logs.push(m), error: (m: string) => logs.push(m) };
    const untrusted = new StratumClient({ pools: [{ url: p.url, user: 'alice.rig', password: 'x' }], log, onJob: () => {}, backoffMs: { initial: 50, max: 100, jitter: 0 } });
    untrusted.start();
    await until(() => logs.some((l) => /self[- ]signed certificate/i.test(l)), 'the certificate error');
    untrusted.stop();
    expect(p.authorized).toBe(0);
    const c = new StratumClient({ pools: [{ url: p.url, user: 'alice.rig', password: 'x' }], log, onJob: (j) => jobs.push(j), tlsCa: [cert.cert] });
    c.start();
    try {
      await until(() => p.authorized === 1, 'authorize over TLS');
      p.notify(true);
      await until(() => jobs.length === 1, 'a job over TLS');
      expect(c.current.url).toMatch(/^stratum\+ssl:/);
    } finally {
      c.stop();
      await p.close();
    }
  });
});

describe('pool URLs', () => {
  it('accepts stratum+tcp and stratum+ssl with a port and explains what is wrong otherwise', () => {
    expect(parsePoolUrl('stratum+tcp://pool.example.com:3333')).toEqual({ tls: false, host: 'pool.example.com', port: 3333 });
    expect(parsePoolUrl('stratum+ssl://pool.example.com:443')).toEqual({ tls: true, host: 'pool.example.com', port: 443 });
    expect(() => parsePoolUrl('pool.example.com:3333')).toThrow(/no scheme: write it as stratum\+tcp:\/\/host:port/);
    expect(() => parsePoolUrl('http://pool.example.com:3333')).toThrow(/must start with stratum\+tcp:\/\//);
    expect(() => parsePoolUrl('stratum+tcp://pool.example.com')).toThrow(/needs a host and a port/);
    expect(() => parsePoolUrl('stratum+tcp://pool.example.com:70000')).toThrow(/outside 1..65535/);
  });
});
