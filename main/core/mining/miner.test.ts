import { afterEach, describe, expect, it } from 'vitest';
import { loadNative } from '#workers/hash/kernel';
import { Miner, type ShareRecord } from './miner.ts';
import { TestPool } from './test-pool.ts';

const until = async (cond: () => boolean, what: string, ms = 30_000) => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

const logs: string[] = [];
const log = { info: (m: string) => logs.push(`info ${m}`), warn: (m: string) => logs.push(`warn ${m}`), error: (m: string) => logs.push(`error ${m}`) };

describe('miner against a real TCP Stratum pool', () => {
  let pool: TestPool | null = null;
  let miner: Miner | null = null;
  afterEach(async () => {
    await miner?.stop();
    await pool?.close();
    miner = pool = null;
    logs.length = 0;
  });

  it('mines a full session: subscribe, authorize, notify, shares accepted, a difficulty change applied to the next job', async () => {
    pool = new TestPool({ difficulty: 2 ** -14 });
    await pool.listen();
    pool.notify(true); // the pool has work before the miner arrives
    const records: ShareRecord[] = [];
    miner = new Miner({ pools: [{ url: pool.url, user: 'alice.rig', password: 'x' }], threads: 1, log, onShare: (r) => records.push(r) });
    const kernel = await miner.start();
    expect(kernel?.route).toBe(loadNative().ok ? 'native' : 'wasm-simd');
    await until(() => pool!.shares.filter((s) => s.verdict === 'accepted').length >= 3, 'three accepted shares');
    expect(pool.authorized).toBe(1);
    // BIP 310 offer first (this pool declines it), then subscribe.
    expect(pool.log.slice(0, 3).map((l) => (JSON.parse(l) as { method: string }).method)).toEqual(['mining.configure', 'mining.subscribe', 'mining.authorize']);
    expect(miner.stats().pool.versionRollingMask).toBeNull();

    // A harder difficulty applies to the next job only; shares for the old job keep the old one.
    pool.setDifficulty(2 ** -12);
    const job2 = pool.notify(false);
    expect(job2.difficulty).toBe(2 ** -12);
    await until(() => pool!.shares.some((s) => s.jobId === job2.id && s.verdict === 'accepted'), 'a share for the harder job');
    await until(() => miner!.stats().jobDifficulty === 2 ** -12, 'the miner to use the new difficulty');

    const bad = pool.shares.filter((s) => s.verdict !== 'accepted');
    expect(bad).toEqual([]);
    for (const s of pool.shares.filter((x) => x.jobId === job2.id)) expect(s.difficulty).toBe(2 ** -12);
    await until(() => miner!.counts.accepted === pool!.shares.length, 'the miner to count every verdict');
    expect(records.every((r) => r.outcome === 'accepted' && r.hashDifficulty >= r.difficulty)).toBe(true);
    const stats = miner.stats();
    expect(stats.pool.state).toBe('mining');
    expect(stats.threads).toBe(1);
  });

  it('switches work on clean jobs and never submits a share of a replaced job', async () => {
    pool = new TestPool({ difficulty: 2 ** -14 });
    await pool.listen();
    const job1 = pool.notify(true);
    miner = new Miner({ pools: [{ url: pool.url, user: 'alice.rig', password: 'x' }], threads: 1, log });
    await miner.start();
    await until(() => pool!.shares.some((s) => s.jobId === job1.id), 'a share for job 1');
    const job2 = pool.notify(true);
    await until(() => pool!.shares.some((s) => s.jobId === job2.id), 'a share for job 2');
    const switched = pool.shares.findIndex((s) => s.jobId === job2.id);
    // After the first job-2 share the miner has seen the clean notify: no job-1 share may follow.
    expect(pool.shares.slice(switched).filter((s) => s.jobId === job1.id)).toEqual([]);
    // A share for job 1 found now (a hash thread that had not switched yet) is stale, not sent.
    const sent = pool.shares.length;
    const staleBefore = miner.counts.stale; // threads may already have found job-1 shares after the switch
    const outcome = await miner.handleFound({ jobId: job1.id, slot: 0, nonce: 1, hash: '00'.repeat(32), thread: 0 });
    expect(outcome).toBe('stale');
    expect(miner.counts.stale).toBe(staleBefore + 1);
    expect(pool.shares.slice(sent).filter((s) => s.jobId === job1.id)).toEqual([]);
  });

  it('rolls version bits when the pool offers BIP 310 version rolling; the pool verifies each share with them', async () => {
    pool = new TestPool({ difficulty: 2 ** -14 });
    pool.versionMask = '1fffe000';
    await pool.listen();
    pool.notify(true);
    miner = new Miner({ pools: [{ url: pool.url, user: 'alice.rig', password: 'x' }], threads: 2, log });
    await miner.start();
    // Two threads start on different slots: with rolling, their headers differ in the version.
    await until(() => new Set(pool!.shares.filter((s) => s.verdict === 'accepted').map((s) => s.versionBits)).size >= 2, 'accepted shares with two different rolled versions');
    expect(miner.stats().pool.versionRollingMask).toBe(0x1fffe000);
    expect(pool.shares.every((s) => s.verdict === 'accepted' && s.versionBits !== undefined)).toBe(true);
  });

  it('reports a rejected share with the pool\'s reason', async () => {
    pool = new TestPool({ difficulty: 2 ** -14 });
    await pool.listen();
    const job = pool.notify(true);
    const records: ShareRecord[] = [];
    miner = new Miner({ pools: [{ url: pool.url, user: 'alice.rig', password: 'x' }], threads: 1, log, onShare: (r) => records.push(r) });
    await miner.start();
    await until(() => miner!.stats().jobDifficulty !== null, 'the first job');
    // A nonce that does not meet the difficulty: the pool recomputes the hash and refuses it.
    const outcome = await miner.handleFound({ jobId: job.id, slot: 123456, nonce: 42, hash: 'ff'.repeat(32), thread: 0 });
    expect(outcome).toBe('rejected');
    expect(records.find((r) => r.outcome === 'rejected')?.reason).toMatch(/low difficulty share \(code 23\)/);
  });
});
