import { describe, expect, it, onTestFinished } from 'vitest';
import { when } from '../../test/support/until.ts';
import { loadNative } from './kernel.ts';
import { HashPool, type FoundShare, type PoolJob } from './pool.ts';
import { hashValue, sha256d, targetForDifficulty } from './sha.ts';

const total = (pool: HashPool) => pool.totals().reduce((a, b) => a + b, 0);

/** A pool of real hashing threads, stopped when the test ends however it ends. */
function hashPool(options: ConstructorParameters<typeof HashPool>[0]): HashPool {
  const pool = new HashPool(options);
  onTestFinished(() => pool.stop());
  return pool;
}

/** A job over `slots` headers; `nonceSpace` nonces a header, or all 2^32. */
const job = (id: string, difficulty: number, slots: number, nonceSpace?: number): PoolJob => ({
  id,
  target: targetForDifficulty(difficulty),
  slots,
  header: headerFor,
  nonceSpace,
});

/**
 * A second pool hashing all along, to show that the threads under test had the time to hash: a
 * count that stays put while the witness's moves is nothing hashed, not a moment the scheduler
 * happened to give them no core. A fixed sleep proves neither on a loaded machine.
 */
async function startWitness(): Promise<{ chunks(n: number): Promise<void> }> {
  const pool = hashPool({ threads: 1, onShare: () => {} });
  await pool.start();
  pool.setJob(job('witness', 1, 1));
  await when('the witness hashing', () => total(pool) > 0);
  return {
    // Each move of its counter is one more chunk (about 20 ms of hashing) done.
    async chunks(n: number) {
      let last = total(pool);
      let moves = 0;
      await when(`${n} chunks hashed by the witness`, () => {
        const now = total(pool);
        if (now !== last) moves++;
        last = now;
        return moves >= n;
      });
    },
  };
}

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
  it('stops while its threads are still starting, and the start resolves instead of waiting for a thread that is gone', async () => {
    const pool = hashPool({ threads: 2, onShare: () => {} });
    const starting = pool.start();
    await pool.stop();
    await starting;
    expect(pool.threads).toBe(0);
  });

  it("splits one header's nonce space between threads and finds verified shares", async () => {
    const shares: FoundShare[] = [];
    const pool = hashPool({ threads: 2, onShare: (s) => shares.push(s) });
    const kernel = await pool.start();
    expect(kernel?.route).toBe(loadNative().ok ? 'native' : 'wasm-simd');
    const j1 = job('j1', 2 ** -20, 1, 1 << 17);
    pool.setJob(j1);
    // 2^17 nonces at 1 in 2^12 passing: ~32 shares; wait until both halves are done.
    await when('the nonce space', () => total(pool) >= 1 << 17, 30_000);
    expect(pool.totals().reduce((a, b) => a + b, 0)).toBe(1 << 17);
    expect(shares.length).toBeGreaterThan(5);
    for (const s of shares) verify(j1, s);
    expect(new Set(shares.map((s) => s.nonce)).size).toBe(shares.length);
    // Thread 0 owns the lower half, thread 1 the upper.
    for (const s of shares) expect(s.nonce < 1 << 16 ? 0 : 1).toBe(s.thread);
  });

  it('gives each thread its own slot (extranonce2) and a new one when a range runs out', async () => {
    const shares: FoundShare[] = [];
    // The WebAssembly route through real threads too (the first test used the best route).
    const pool = hashPool({ threads: 2, onShare: (s) => shares.push(s), route: 'wasm-simd' });
    expect((await pool.start())?.route).toBe('wasm-simd');
    const j2 = job('j2', 2 ** -22, 5, 1 << 14);
    pool.setJob(j2);
    const w = await startWitness();
    await when('five slots', () => total(pool) >= 5 << 14, 30_000);
    // Time for a sixth slot to be handed out and hashed, had one been.
    await w.chunks(5);
    expect(total(pool)).toBe(5 << 14); // no slot hashed twice
    for (const s of shares) verify(j2, s);
    expect(new Set(shares.map((s) => s.slot))).toEqual(new Set([0, 1, 2, 3, 4]));
  });

  it('stops hashing at power level 0 and reports rates without stopping the threads', async () => {
    const pool = hashPool({ threads: 1, onShare: () => {} });
    await pool.start();
    pool.setJob(job('j3', 1, 1));
    await when('hashing to start', () => pool.totals()[0]! > 0);
    pool.sampleRates();
    const sampled = pool.totals()[0]!;
    await when('more hashes since the sample', () => pool.totals()[0]! > sampled);
    expect(pool.sampleRates()[0]).toBeGreaterThan(0);
    const w = await startWitness();
    pool.setDuty(0);
    await w.chunks(5); // the running chunk (~20 ms) finishes
    const before = pool.totals()[0];
    // Longer than the 200 ms an idle thread waits before it reads its power level again.
    await w.chunks(15);
    expect(pool.totals()[0]).toBe(before);
    pool.setDuty(50);
    await when('hashing to resume', () => pool.totals()[0]! > before!);
  });
});
