import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import type { Socket } from 'node:net';
import path from 'node:path';
import { when } from '../../../test/support/until.ts';
import { afterEach, describe, expect, it } from 'vitest';
import type { StratumJob } from './job.ts';
import { parsePoolUrl, probePool, sameDomain, StratumClient, type StratumOptions } from './stratum.ts';
import { TestPool, type PoolBehaviour } from '../../../test/support/stratum-pool.ts';

describe('Stratum client against a real TCP pool', () => {
  const pools: TestPool[] = [];
  let client: StratumClient | null = null;
  const logs: string[] = [];
  const jobs: StratumJob[] = [];
  const log = {
    info: (m: string) => logs.push(`info ${m}`),
    warn: (m: string) => logs.push(`warn ${m}`),
    error: (m: string) => logs.push(`error ${m}`),
  };
  const fast: Partial<StratumOptions> = { backoffMs: { initial: 20, max: 200, jitter: 0.2 }, requestTimeoutMs: 2000 };

  async function pool(difficulty = 1, behaviour: PoolBehaviour = {}): Promise<TestPool> {
    const p = new TestPool({ difficulty, ...behaviour });
    await p.listen();
    pools.push(p);
    return p;
  }
  function start(urls: string[], extra: Partial<StratumOptions> = {}, user = 'alice.rig'): StratumClient {
    client = new StratumClient({
      ...fast,
      ...extra,
      pools: urls.map((url) => ({ url, user, password: 'x' })),
      log,
      onJob: (j) => jobs.push(j),
    });
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

  it('parses notify with the difficulty in force when each job arrived, and the connection it came on', async () => {
    const p = await pool(8);
    start([p.url]);
    await when('the first job', () => jobs.length === 1);
    p.notify(true);
    p.setDifficulty(16);
    p.notify(false);
    await when('two more jobs', () => jobs.length === 3);
    expect(jobs.map((j) => j.difficulty)).toEqual([8, 8, 16]);
    expect(jobs[1]!.clean).toBe(true);
    expect(jobs[2]!.clean).toBe(false);
    expect(jobs[0]!.extranonce1).toBe(p.sessionList[0]!.extranonce1);
    expect(jobs[0]!.merkleBranch).toHaveLength(3);
    expect(new Set(jobs.map((j) => j.connection)).size).toBe(1);
  });

  for (const order of ['solo', 'pooled'] as const) {
    it(`takes the first job in the ${order} message order, with the version mask and extranonce of its own connection`, async () => {
      const p = await pool(4, { order, versionMask: '1fffe000', jobVersion: '30000000', extranonce2Size: 8 });
      const c = start([p.url]);
      await when('the first job', () => jobs.length === 1 && c.current.state === 'mining');
      const j = jobs[0]!;
      expect(j.difficulty).toBe(4);
      expect(j.versionMask).toBe(0x1fffe000);
      expect(j.version).toBe('30000000');
      expect(j.extranonce2Size).toBe(8);
      expect(j.extranonce1).toBe(p.sessionList[0]!.extranonce1);
      expect(logs.filter((l) => l.startsWith('error'))).toEqual([]);
      // A new connection's first job carries the new connection's extranonce1.
      p.dropAll();
      await when("the second connection's job", () => jobs.length === 2);
      expect(jobs[1]!.extranonce1).toBe(p.sessionList[1]!.extranonce1);
      expect(jobs[1]!.connection).toBeGreaterThan(j.connection);
    });
  }

  it('fails over from a dead pool and reconnects after a dropped connection', async () => {
    // Port 1: nothing listens there, and unlike a freed ephemeral port no parallel test can take it.
    const dead = 1;
    const a = await pool();
    start([`stratum+tcp://127.0.0.1:${dead}`, a.url]);
    await when('failover to the second pool', () => a.authorized === 1 && client!.current.state === 'mining');
    expect(
      logs.some((l) => l.startsWith('error') && l.includes(`127.0.0.1:${dead}`)),
      logs.join('\n'),
    ).toBe(true);
    expect(client!.current.poolIndex, JSON.stringify(client!.current)).toBe(1);
    expect(client!.current.why).toMatch(/^failover: stratum\+tcp:\/\/127\.0\.0\.1:1: /);
    a.dropAll();
    await when('the drop to be logged', () => logs.some((l) => l.includes('connection closed by the pool')));
    // The next attempt goes to the first pool (still dead), then back to the second.
    await when(
      'reconnect after the pool dropped the connection',
      () => a.authorized === 2 && client!.current.state === 'mining',
    );
    expect(client!.current.poolIndex).toBe(1);
  });

  it('fails back to the first pool once background checks have found it healthy for the fail-back time, without leaving the backup before', async () => {
    const first = await pool();
    const backup = await pool();
    const firstPort = Number(new URL(first.url.replace('stratum+tcp', 'http')).port);
    await first.close(); // the first pool is down at start
    pools.splice(pools.indexOf(first), 1);
    let disconnects = 0;
    start([`stratum+tcp://127.0.0.1:${firstPort}`, backup.url], {
      probeMs: 100,
      failbackMs: 2000,
      onDisconnect: () => disconnects++,
    });
    await when('the backup', () => backup.authorized === 1);
    const before = disconnects;
    const revived = new TestPool({ difficulty: 1 });
    pools.push(revived);
    await revived.listen(firstPort);
    await when('a first background check', () => revived.authorized >= 1);
    expect(client!.current.poolIndex).toBe(1); // one good answer is not enough
    await when('more checks', () => revived.authorized >= 2);
    expect(disconnects).toBe(before); // the checks' connections are not the miner's: its jobs stay valid
    await when(
      'fail-back to the first pool',
      () => client!.current.poolIndex === 0 && client!.current.state === 'mining',
    );
    expect(revived.authorized).toBeGreaterThanOrEqual(3); // the checks, then the real session
    expect(backup.sessions).toBe(1); // the backup was never dropped for a check
    expect(client!.current.why).toMatch(/^back on the first pool: it answered every check for \d+ s$/);
  });

  it('survives hostile input: each bad message is logged and followed by a reconnect', async () => {
    const p = await pool();
    start([p.url]);
    const cases: [string, RegExp][] = [
      ['{not json\n', /not JSON/],
      ['x'.repeat(70_000), /longer than 65536 bytes/],
      [
        JSON.stringify({ id: null, method: 'mining.set_difficulty', params: ['hard'] }) + '\n',
        /set_difficulty "hard" is not a positive number/,
      ],
      [
        JSON.stringify({ id: null, method: 'mining.notify', params: [1, 2, 3] }) + '\n',
        /notify: job id is not a string/,
      ],
      [
        JSON.stringify({
          id: null,
          method: 'mining.notify',
          params: ['j', 'zz', '', '', [], '20000000', '1d00ffff', '5f5e1000', true],
        }) + '\n',
        /prevhash is not 32 bytes of hex/,
      ],
      [
        JSON.stringify({ id: null, method: 'mining.set_extranonce', params: ['00', 32] }) + '\n',
        /extranonce2 size 32 is outside 1..16/,
      ],
      [JSON.stringify([1, 2, 3]) + '\n', /not a JSON-RPC object/],
    ];
    for (const [i, [text, why]] of cases.entries()) {
      await when(`session ${i + 1}`, () => p.authorized === i + 1 && client!.current.state === 'mining');
      p.sendRaw(text);
      await when(`the error for case ${i}`, () => logs.some((l) => l.startsWith('error') && why.test(l)));
    }
    await when('the last reconnect', () => p.authorized === cases.length + 1);
    // Unknown methods are logged and answered, without dropping the connection.
    p.send({ id: 77, method: 'mining.something_new', params: [] });
    await when('the warning', () => logs.some((l) => l.startsWith('warn') && l.includes('mining.something_new')));
    const before = jobs.length;
    p.notify(true);
    await when('a job after all that', () => jobs.length > before);
    expect(p.authorized).toBe(cases.length + 1);
  });

  it('refuses an extranonce2 size outside 1..16 at subscribe', async () => {
    const p = await pool(1, { extranonce2Size: 0 });
    start([p.url]);
    await when('the refusal', () => logs.some((l) => /extranonce2 size 0 is outside 1..16 bytes/.test(l)));
  });

  it('stops without retrying when the only pool refuses the worker (ckpool: a message, then result false and no error)', async () => {
    const p = await pool();
    let refused: string | null = null;
    client = new StratumClient({
      ...fast,
      pools: [{ url: p.url, user: 'mallory', password: 'x' }],
      log,
      onJob: () => {},
      onRefused: (r) => (refused = r),
    });
    client.start();
    await when('the refusal', () => refused !== null);
    expect(refused).toMatch(
      /refused worker "mallory": it answered false and said "Failed authorisation :\(".*Check the worker name/,
    );
    expect(client.current).toMatchObject({ state: 'refused', retryInMs: null });
    expect(p.sessions).toBe(1);
  });

  it('skips a pool that refuses the worker and mines on the next, saying why', async () => {
    const strict = await pool(1, { accept: () => false });
    const open = await pool(1, { accept: () => true });
    const c = start([strict.url, open.url], {}, 'bc1-not-valid-here');
    await when('mining on the second pool', () => c.current.state === 'mining' && c.current.poolIndex === 1);
    expect(c.current.why).toBe(`failover: ${strict.url} refused the worker`);
    open.dropAll(); // the refusing pool is not tried again
    await when('the reconnect', () => open.sessions === 2 && c.current.state === 'mining');
    expect(strict.sessions).toBe(1);
  });

  it("reads a rejection in both reply styles: Stratum error codes and ckpool's reject-reason", async () => {
    for (const rejectStyle of ['codes', 'reject-reason'] as const) {
      const p = await pool(1, { rejectStyle });
      const c = start([p.url]);
      await when('the first job', () => jobs.length > 0 && c.current.state === 'mining');
      const r = await c.submit({ ...jobs.at(-1)!, jobId: 'nope' }, '00000000', '00000000');
      expect(r).toEqual({ accepted: false, reason: 'Invalid JobID', code: rejectStyle === 'codes' ? 21 : null });
      c.stop();
      jobs.length = 0;
    }
  });

  it("follows client.reconnect only within the pool's domain, never sooner than the floor, and slows down a pool that keeps asking", async () => {
    const p = await pool();
    const c = start([p.url], { backoffMs: { initial: 200, max: 2000, jitter: 0 } });
    await when('first session', () => p.authorized === 1);
    p.send({ id: null, method: 'client.reconnect', params: ['evil.example.net', 3333, 0] });
    await when('the refusal', () => logs.some((l) => l.includes('ignoring client.reconnect to evil.example.net')));
    const waits: (number | null)[] = [];
    for (let i = 2; i <= 4; i++) {
      p.reconnect(0);
      await when(`reconnect ${i}`, () => p.authorized === i && c.current.state === 'mining');
      waits.push(
        Number(
          /pool asked to reconnect to [^ ]+(?: in ([\d.]+) s)?/.exec(
            logs.filter((l) => l.includes('pool asked to reconnect')).at(-1)!,
          )![1] ?? 0,
        ),
      );
    }
    // "wait 0" is followed after the floor (0.2 s here), and each further request waits twice as long.
    expect(waits).toEqual([0.2, 0.4, 0.8]);
    // A wait longer than the backoff (1.6 s by now) is honoured.
    p.reconnect(5);
    await when('the long wait', () => c.current.state === 'waiting');
    expect(c.current.retryInMs).toBe(5000);
    expect(sameDomain('eu.pool.example.com', 'pool.example.com')).toBe(true);
    expect(sameDomain('pool.example.com.evil.net', 'pool.example.com')).toBe(false);
  });

  it('a pool that answers every login with client.reconnect to itself (wait 0) gets a handful of connections, not a storm', async () => {
    const p = await pool();
    p.afterAuthorize = (socket) => socket.write(p.reconnectLine(0));
    const delays: number[] = [];
    start([p.url], {
      backoffMs: { initial: 100, max: 10_000, jitter: 0 },
      onStatus: (st) => void (st.state === 'waiting' && st.retryInMs !== null && delays.push(st.retryInMs)),
    });
    await when('the fourth connection', () => p.sessions >= 4, 10_000);
    expect(delays.slice(0, 3)).toEqual([100, 200, 400]);
    // Bounded window, counted at the pool: within 600 ms of the first connection the floor and the
    // doubling allow connections at 0, 100 and 300 ms (timers only ever fire late, never early).
    const first = p.sessionList[0]!.connectedAt;
    expect(p.sessionList.filter((s) => s.connectedAt - first < 600).length).toBeLessThanOrEqual(3);
  });

  it('a pool that authorises and then misbehaves (closes, sends garbage, asks to reconnect) sees growing gaps', async () => {
    const p = await pool();
    const misbehave = [
      (s: Socket) => s.end(),
      (s: Socket) => s.write('{"garbage\n'),
      (s: Socket) => s.write(p.reconnectLine(0)),
    ];
    p.afterAuthorize = (socket, session) => misbehave[(session.id - 1) % misbehave.length]!(socket);
    const delays: number[] = [];
    start([p.url], {
      backoffMs: { initial: 20, max: 400, jitter: 0 },
      stableMs: 60_000,
      onStatus: (st) => void (st.state === 'waiting' && st.retryInMs !== null && delays.push(st.retryInMs)),
    });
    await when('the eighth login', () => p.authorized >= 8, 10_000);
    // Every successful login is followed by a longer wait, up to the cap: one login resets nothing.
    expect(delays.slice(0, 7)).toEqual([20, 40, 80, 160, 320, 400, 400]);
    const at = p.sessionList.slice(0, 6).map((s) => s.connectedAt);
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    // Measured at the pool: each gap is at least the announced delay.
    gaps.forEach((g, i) => expect(g).toBeGreaterThanOrEqual(delays[i]! - 1));
  });

  it('only a connection that lasted resets the backoff, and the jitter comes from the injected randomness', async () => {
    const p = await pool();
    const delays: number[] = [];
    let r = 1;
    const c = start([p.url], {
      backoffMs: { initial: 20, max: 10_000, jitter: 0.5 },
      stableMs: 400,
      random: () => r,
      onStatus: (st) => void (st.state === 'waiting' && st.retryInMs !== null && delays.push(st.retryInMs)),
    });
    for (let i = 1; i <= 3; i++) {
      await when(`session ${i}`, () => p.authorized === i && c.current.state === 'mining');
      p.dropAll();
    }
    await when('the third wait', () => delays.length === 3);
    // random 1: +50 %.
    expect(delays).toEqual([30, 60, 120]);
    await when('session 4', () => p.authorized === 4 && c.current.state === 'mining');
    // Up for longer than stableMs: the next drop starts from the floor again; random 0 (-50 %)
    // would go under the floor, which holds.
    await new Promise((res) => setTimeout(res, 600));
    r = 0;
    p.dropAll();
    await when('the wait after a stable connection', () => delays.length === 4);
    expect(delays[3]).toBe(20);
  });

  it('fails over to the next pool after the floor, not at once', async () => {
    const a = await pool();
    const b = await pool();
    a.afterAuthorize = (s) => s.end();
    b.afterAuthorize = (s) => s.end();
    const delays: number[] = [];
    start([a.url, b.url], {
      backoffMs: { initial: 50, max: 1000, jitter: 0 },
      onStatus: (st) => void (st.state === 'waiting' && st.retryInMs !== null && delays.push(st.retryInMs)),
    });
    await when('five logins', () => a.authorized + b.authorized >= 5, 10_000);
    // A round is every pool tried once; each round doubles.
    expect(delays.slice(0, 4)).toEqual([50, 50, 100, 100]);
  });

  it('declares a silent pool dead after the watchdog time', async () => {
    const p = await pool();
    start([p.url], { silenceMs: 300 });
    await when('first session', () => p.authorized === 1);
    await when('reconnect after silence', () => p.authorized === 2);
    expect(logs.some((l) => /no message from the pool/.test(l))).toBe(true);
  });
});

describe('one-time pool check', () => {
  it('reports what the pool sent, or why it is not usable', async () => {
    const p = new TestPool({ difficulty: 0.5, versionMask: '1fffe000', extranonce2Size: 8 });
    await p.listen();
    try {
      const ok = await probePool({ url: p.url, user: 'alice.rig', password: 'x' });
      expect(ok).toMatchObject({
        ok: true,
        url: p.url,
        error: null,
        refused: false,
        difficulty: 0.5,
        jobVersion: '20000000',
        versionRollingMask: 0x1fffe000,
        extranonce1Bytes: 4,
        extranonce2Size: 8,
      });
      expect(ok.msToJob).toBeGreaterThanOrEqual(0);
      const no = await probePool({ url: p.url, user: 'mallory', password: 'x' });
      expect(no).toMatchObject({ ok: false, refused: true });
      expect(no.error).toMatch(/Failed authorisation/);
      const dead = await probePool({ url: 'stratum+tcp://127.0.0.1:1', user: 'alice.rig', password: 'x' });
      expect(dead).toMatchObject({ ok: false, refused: false });
      expect(dead.error).toMatch(/ECONNREFUSED/);
      expect(p.sessions).toBe(2); // one connection per check, no retries
      // In the pooled order the job comes before the authorize reply: a job alone is not "usable".
      const pooled = new TestPool({ difficulty: 1, order: 'pooled' });
      await pooled.listen();
      try {
        expect(await probePool({ url: pooled.url, user: 'mallory', password: 'x' })).toMatchObject({
          ok: false,
          refused: true,
        });
        expect(await probePool({ url: pooled.url, user: 'alice.rig', password: 'x' })).toMatchObject({
          ok: true,
          difficulty: 1,
        });
      } finally {
        await pooled.close();
      }
    } finally {
      await p.close();
    }
  });
});

/** A self-signed certificate for 127.0.0.1 made with the openssl command (null where it is absent). */
function selfSigned(): { key: string; cert: string } | null {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-tls-'));
  try {
    const r = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        path.join(dir, 'k.pem'),
        '-out',
        path.join(dir, 'c.pem'),
      ],
      { encoding: 'utf8' },
    );
    if (r.error || r.status !== 0) return null;
    return {
      key: fs.readFileSync(path.join(dir, 'k.pem'), 'utf8'),
      cert: fs.readFileSync(path.join(dir, 'c.pem'), 'utf8'),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('stratum+ssl', () => {
  it("mines over TLS with the pool's certificate trusted, and refuses an untrusted one", async () => {
    const cert = selfSigned();
    if (!cert) {
      console.warn(
        'stratum+ssl test skipped: the openssl command is not installed (needed to make a test certificate)',
      );
      return;
    }
    const p = new TestPool({ difficulty: 1, tls: cert });
    await p.listen();
    const logs: string[] = [];
    const jobs: StratumJob[] = [];
    const log = {
      info: (m: string) => logs.push(m),
      warn: (m: string) => logs.push(m),
      error: (m: string) => logs.push(m),
    };
    const untrusted = new StratumClient({
      pools: [{ url: p.url, user: 'alice.rig', password: 'x' }],
      log,
      onJob: () => {},
      backoffMs: { initial: 50, max: 100, jitter: 0 },
    });
    untrusted.start();
    await when('the certificate error', () => logs.some((l) => /self[- ]signed certificate/i.test(l)));
    untrusted.stop();
    expect(p.authorized).toBe(0);
    const c = new StratumClient({
      pools: [{ url: p.url, user: 'alice.rig', password: 'x' }],
      log,
      onJob: (j) => jobs.push(j),
      tlsCa: [cert.cert],
    });
    c.start();
    try {
      await when('authorize and the first job over TLS', () => p.authorized === 1 && jobs.length === 1);
      expect(c.current.url).toMatch(/^stratum\+ssl:/);
    } finally {
      c.stop();
      await p.close();
    }
  });
});

describe('pool URLs', () => {
  it('accepts stratum+tcp and stratum+ssl with a port and explains what is wrong otherwise', () => {
    expect(parsePoolUrl('stratum+tcp://pool.example.com:3333')).toEqual({
      tls: false,
      host: 'pool.example.com',
      port: 3333,
    });
    expect(parsePoolUrl('stratum+ssl://pool.example.com:443')).toEqual({
      tls: true,
      host: 'pool.example.com',
      port: 443,
    });
    expect(() => parsePoolUrl('pool.example.com:3333')).toThrow(/no scheme: write it as stratum\+tcp:\/\/host:port/);
    expect(() => parsePoolUrl('http://pool.example.com:3333')).toThrow(/must start with stratum\+tcp:\/\//);
    expect(() => parsePoolUrl('stratum+tcp://pool.example.com')).toThrow(/needs a host and a port/);
    expect(() => parsePoolUrl('stratum+tcp://pool.example.com:70000')).toThrow(/outside 1..65535/);
  });
});
