import { afterEach, describe, expect, it } from 'vitest';
import { loadNative } from './kernel.ts';
import { HashPool, type FoundShare, type PoolJob } from './pool.ts';
import { hashValue, sha256d, targetForDifficulty } from './sha.ts';

const until = async (cond: () => boolean, what: string, ms = 30_000) => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

function headerFor(slot: number): Uint8Array {
  const h = new Uint8Array(76);
  h.fill(7);
  new DataView(h.buffer).setUint32(40, slot, true); // the slot changes the merkle root, as extranonce2 does
  return h;
}

function verify(job: PoolJob, s: FoundShare): void {
  const full = new Uint8Array(80);
  full.set(job.header(s.slot));
  new DataView(full.buffer).setUint32(76, s.nonce, true);
  const hash = sha256d(full);
  expect(hash.toString('hex')).toBe(s.hash);
  expect(hashValue(hash) <= job.target).toBe(true);
}

describe('hash worker pool (real worker threads)', () => {
  let pool: HashPool | null = null;
  afterEach(async () => {
    await pool?.stop();
    pool = null;
  });

  it('splits one header\'s nonce space between threads and finds verified shares', async () => {
    const shares: FoundShare[] = [];
    pool = new HashPool({ threads: 2, onShare: (s) => shares.push(s) });
    const kernel = await pool.start();
    expect(kernel?.route).toBe(loadNative().ok ? 'native' : 'wasm-simd');
    const job: PoolJob = { id: 'j1', target: targetForDifficulty(2 ** -20), slots: 1, header: headerFor, nonceSpace: 1 << 17 };
    pool.setJob(job);
    // 2^17 nonces at 1 in 2^12 passing: ~32 shares; wait until both halves are done.
    await until(() => pool!.totals().reduce((a, b) => a + b, 0) >= 1 << 17, 'the nonce space');
    expect(pool.totals().reduce((a, b) => a + b, 0)).toBe(1 << 17);
    expect(shares.length).toBeGreaterThan(5);
    for (const s of shares) verify(job, s);
    expect(new Set(shares.map((s) => s.nonce)).size).toBe(shares.length);
    // Thread 0 owns the lower half, thread 1 the upper.
    for (const s of shares) expect(s.nonce < 1 << 16 ? 0 : 1).toBe(s.thread);
  });

  it('gives each thread its own slot (extranonce2) and a new one when a range runs out', async () => {
    const shares: FoundShare[] = [];
    // The WebAssembly route through real threads too (the first test used the best route).
    pool = new HashPool({ threads: 2, onShare: (s) => shares.push(s), route: 'wasm-simd' });
    expect((await pool.start())?.route).toBe('wasm-simd');
    const job: PoolJob = { id: 'j2', target: targetForDifficulty(2 ** -22), slots: 5, header: headerFor, nonceSpace: 1 << 14 };
    pool.setJob(job);
    await until(() => pool!.totals().reduce((a, b) => a + b, 0) >= 5 << 14, 'five slots');
    await new Promise((r) => setTimeout(r, 100));
    expect(pool.totals().reduce((a, b) => a + b, 0)).toBe(5 << 14); // no slot hashed twice
    for (const s of shares) verify(job, s);
    expect(new Set(shares.map((s) => s.slot))).toEqual(new Set([0, 1, 2, 3, 4]));
  });

  it('stops hashing at power level 0 and reports rates without stopping the threads', async () => {
    pool = new HashPool({ threads: 1, onShare: () => {} });
    await pool.start();
    pool.setJob({ id: 'j3', target: targetForDifficulty(1), slots: 1, header: headerFor });
    await until(() => pool!.totals()[0]! > 0, 'hashing to start');
    pool.sampleRates();
    await new Promise((r) => setTimeout(r, 200));
    expect(pool.sampleRates()[0]).toBeGreaterThan(0);
    pool.setDuty(0);
    await new Promise((r) => setTimeout(r, 300)); // the running chunk (~20 ms) finishes
    const before = pool.totals()[0];
    await new Promise((r) => setTimeout(r, 300));
    expect(pool.totals()[0]).toBe(before);
    pool.setDuty(50);
    await until(() => pool!.totals()[0]! > before!, 'hashing to resume');
  });
});
