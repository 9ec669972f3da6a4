import { when } from '../../../test/support/until.ts';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { loadNative } from '#workers/hash/kernel';
import { BLOCK_170, block170Job } from '../../../test/support/known-block.ts';
import { listeningPool } from '../../../test/support/listening-pool.ts';
import { CKPOOL_SOLO, POOLED_BIP310, type PoolBehaviour, type TestPool } from '../../../test/support/stratum-pool.ts';

import { Miner, type MinerOptions, type ShareRecord } from './miner.ts';

const logs: string[] = [];
const log = {
  info: (m: string) => logs.push(`info ${m}`),
  warn: (m: string) => logs.push(`warn ${m}`),
  error: (m: string) => logs.push(`error ${m}`),
};
const ALICE = [{ url: '', user: 'alice.rig', password: 'x' }];
const fast = { backoffMs: { initial: 50, max: 500, jitter: 0.2 }, requestTimeoutMs: 5000 };
afterEach(() => {
  logs.length = 0;
});

/** A miner stopped when the test ends (before its pool closes: hooks run last registered first). */
function testMiner(options: MinerOptions): Miner {
  const miner = new Miner(options);
  onTestFinished(() => miner.stop());
  return miner;
}

describe('miner against a real TCP Stratum pool', () => {
  /** Health as the miner reported it each second. */
  const health: string[] = [];
  async function mine(
    behaviour: PoolBehaviour & { difficulty?: number },
    threads = 1,
    onShare?: (r: ShareRecord) => void,
  ): Promise<{ pool: TestPool; miner: Miner }> {
    health.length = 0;
    const pool = await listeningPool({ difficulty: 2 ** -14, ...behaviour });
    const miner = testMiner({
      pools: [{ ...ALICE[0]!, url: pool.url }],
      threads,
      log,
      stratum: fast,
      onStats: (st) => health.push(st.health.state),
      ...(onShare ? { onShare } : {}),
    });
    await miner.start();
    return { pool, miner };
  }

  it('mines a full session: subscribe, authorize, the first job, shares accepted, a difficulty change applied to the next job', async () => {
    const records: ShareRecord[] = [];
    const { pool: p, miner: m } = await mine({}, 1, (r) => records.push(r));
    expect(m.stats().kernel?.route).toBe(loadNative().ok ? 'native' : 'wasm-simd');
    await when('three accepted shares', () => p.accepted().length >= 3);
    expect(p.authorized).toBe(1);
    // BIP 310 offer first (this pool declines it), then subscribe.
    expect(p.log.slice(0, 3).map((l) => (JSON.parse(l) as { method: string }).method)).toEqual([
      'mining.configure',
      'mining.subscribe',
      'mining.authorize',
    ]);
    expect(m.stats().pool.versionRollingMask).toBeNull();

    // A harder difficulty applies to the next job only; shares for the old job keep the old one.
    p.setDifficulty(2 ** -12);
    const job2 = p.notify(false);
    expect(job2.difficulty).toBe(2 ** -12);
    await when('a share for the harder job', () =>
      p.shares.some((s) => s.jobId === job2.id && s.verdict === 'accepted'),
    );
    await when('the miner to use the new difficulty', () => m.stats().jobDifficulty === 2 ** -12);
    expect(p.shares.filter((s) => s.verdict !== 'accepted')).toEqual([]);
    for (const s of p.shares.filter((x) => x.jobId === job2.id)) expect(s.difficulty).toBe(2 ** -12);
    await when('the miner to count every verdict', () => m.counts.accepted === p.shares.length);
    expect(records.every((r) => r.outcome === 'accepted' && r.hashDifficulty >= r.difficulty)).toBe(true);
    expect(m.stats().pool.state).toBe('mining');
  });

  // What real pools do, in both message orders, with the version formula each uses. The pool never
  // sends a second job: a miner that drops the first job of a connection finds no share at all.
  const cases: [string, PoolBehaviour][] = [
    [
      'ckpool solo: job before the authorize reply, job version 0x30000000 (bit 28 inside the mask), job | bits, codes',
      CKPOOL_SOLO,
    ],
    ["pooled: difficulty and job in the subscribe reply's packet, BIP 310 formula, reject-reason style", POOLED_BIP310],
    ['pooled without version rolling, 8-byte extranonce2', { order: 'pooled', versionMask: null, extranonce2Size: 8 }],
  ];
  for (const [name, behaviour] of cases) {
    it(`${name}: ≥ 97 % accepted by the pool's own check, and the first job mined on every connection`, async () => {
      const { pool: p, miner: m } = await mine(behaviour);
      await when(
        'shares on the first connection',
        () => p.sessionList[0]?.firstAcceptedAt != null && p.accepted().length >= 20,
      );
      p.reconnect(0); // maintenance: the pool asks every miner to come back
      await when(
        'a share on the second connection',
        () => p.sessions === 2 && p.sessionList[1]!.firstAcceptedAt !== null,
      );
      await when('shares on the second connection', () => p.accepted().filter((s) => s.session === 2).length >= 20);
      await when('a few seconds of health reports', () => health.length >= 2);
      expect(health.every((h) => h === 'ok')).toBe(true); // a fast pool (many shares a second) is a paying pool
      const answered = p.shares.length;
      const accepted = p.accepted().length;
      expect(
        accepted / answered,
        JSON.stringify(p.shares.filter((s) => s.verdict !== 'accepted').slice(0, 3)),
      ).toBeGreaterThanOrEqual(0.97);
      // Each connection has its own extranonce1: a share built with the other one would not verify.
      expect(new Set(p.sessionList.map((s) => s.extranonce1)).size).toBe(2);
      if (behaviour.versionMask) {
        expect(
          p
            .accepted()
            .every((s) => s.versionBits !== undefined && (parseInt(s.version, 16) & 0x30000000) === 0x30000000),
        ).toBe(true);
      }
      await when('the miner to count every verdict', () => m.counts.accepted + m.counts.rejected >= answered);
      expect(m.counts.accepted).toBeGreaterThanOrEqual(accepted);
      for (const s of p.sessionList)
        console.log(
          `${name.split(':')[0]}: connection ${s.id}: first accepted share ${s.firstAcceptedAt! - s.connectedAt} ms after connecting`,
        );
    });
  }

  it('switches work on clean jobs and never submits a share of a replaced job', async () => {
    const { pool: p, miner: m } = await mine({});
    await when('a first share', () => p.accepted().length > 0);
    const job1 = [...p.jobs.values()].at(-1)!;
    const job2 = p.notify(true);
    await when('a share for job 2', () => p.shares.some((s) => s.jobId === job2.id));
    const switched = p.shares.findIndex((s) => s.jobId === job2.id);
    // After the first job-2 share the miner has seen the clean notify: no job-1 share may follow.
    expect(p.shares.slice(switched).filter((s) => s.jobId === job1.id)).toEqual([]);
    // A share for job 1 found now (a hash thread that had not switched yet) is stale, not sent,
    // and recorded at the difficulty its job had (not 0).
    const records: ShareRecord[] = [];
    const sent = p.shares.length;
    const staleBefore = m.counts.stale;
    (m as unknown as { opts: { onShare(r: ShareRecord): void } }).opts.onShare = (r) => records.push(r);
    const outcome = await m.handleFound({ jobId: job1.id, slot: 0, nonce: 1, hash: '00'.repeat(32), thread: 0 });
    expect(outcome).toBe('stale');
    expect(m.counts.stale).toBe(staleBefore + 1);
    expect(records[0]!.difficulty).toBe(job1.difficulty);
    expect(p.shares.slice(sent).filter((s) => s.jobId === job1.id)).toEqual([]);
  });

  it("counts a rejection under the pool's own reason, in both reply styles", async () => {
    for (const rejectStyle of ['codes', 'reject-reason'] as const) {
      const records: ShareRecord[] = [];
      const { pool: p, miner: m } = await mine({ rejectStyle }, 1, (r) => records.push(r));
      await when('the first job', () => m.stats().jobDifficulty !== null);
      const job = [...p.jobs.values()].at(-1)!;
      // A nonce that does not meet the difficulty: the pool recomputes the hash and refuses it.
      const outcome = await m.handleFound({ jobId: job.id, slot: 123456, nonce: 42, hash: 'ff'.repeat(32), thread: 0 });
      expect(outcome).toBe('rejected');
      expect(records.find((r) => r.outcome === 'rejected')?.reason).toBe('Above target');
      expect(m.stats().rejectReasons).toEqual({ 'Above target': 1 });
      await m.stop();
      await p.close();
    }
  });

  it('stops, without retrying, when the pool refuses the worker', async () => {
    const pool = await listeningPool({ difficulty: 2 ** -14, accept: () => false });
    let refused: string | null = null;
    const miner = testMiner({
      pools: [{ url: pool.url, user: 'not-an-address', password: 'x' }],
      threads: 1,
      log,
      stratum: fast,
      onRefused: (r) => (refused = r),
    });
    await miner.start();
    await when('the refusal', () => refused !== null);
    expect(refused).toMatch(
      /refused worker "not-an-address": it answered false and said "Failed authorisation :\(".*Check the worker name/,
    );
    expect(miner.stats().pool.state).toBe('refused');
    expect(miner.stats().pool.retryInMs).toBeNull();
    expect(pool.sessions).toBe(1);
  });
});

describe('a known answer: mainnet block 170 submitted as a share', () => {
  it('sends the extranonce2, ntime and nonce that rebuild the block, and the pool hashes it to the block id', async () => {
    // The pool hands out block 170's own extranonce1 and a 2-byte extranonce2, then block 170's job.
    const pool = await listeningPool({ difficulty: 1, extranonce1For: () => '001d', extranonce2Size: 2 });
    const miner = testMiner({
      pools: [{ url: pool.url, user: 'alice.rig', password: 'x' }],
      threads: 1,
      log,
      stratum: fast,
    });
    await miner.start();
    await when('the session', () => miner.stats().pool.state === 'mining');
    pool.notifyJob(block170Job());
    await when(
      'the block 170 job',
      () => miner.stats().jobDifficulty !== null && pool.log.length >= 3 && miner.stats().pool.state === 'mining',
    );
    await when(
      'the miner to hold block 170',
      () => (miner as unknown as { current: { jobId: string } | null }).current?.jobId === '170',
    );
    // The hash thread would report slot 0x0102 (extranonce2 "0102") and block 170's nonce.
    const outcome = await miner.handleFound({
      jobId: '170',
      slot: 0x0102,
      nonce: BLOCK_170.nonce,
      hash: Buffer.from(BLOCK_170.hash, 'hex').reverse().toString('hex'),
      thread: 0,
    });
    const share = pool.shares.find((s) => s.jobId === '170')!;
    expect({ extranonce2: share.extranonce2, ntime: share.ntime, nonce: share.nonce }).toEqual({
      extranonce2: '0102',
      ntime: '496ab951',
      nonce: '709e3e28',
    });
    expect(Buffer.from(share.hash, 'hex').reverse().toString('hex')).toBe(BLOCK_170.hash);
    expect(outcome).toBe('accepted');
  });
});
