import { describe, expect, it } from 'vitest';
import { BLOCK_SUBSIDY_BTC, creditedBtc, expectedBtc, expectedBtcPerSecond } from './revenue.ts';

describe('mining revenue', () => {
  it('follows the design formula', () => {
    const i = { hashRate: 2 ** 32, difficulty: 1, subsidyBtc: BLOCK_SUBSIDY_BTC, feesBtc: 0.125, poolFee: 0.02 };
    // One difficulty-1 block's work per second.
    expect(expectedBtcPerSecond(i)).toBeCloseTo(3.25 * 0.98, 12);
    expect(expectedBtc(i, 900)).toBeCloseTo(900 * 3.25 * 0.98, 9);
    expect(expectedBtcPerSecond({ ...i, hashRate: 0 })).toBe(0);
    expect(() => expectedBtcPerSecond({ ...i, difficulty: 0 })).toThrow(/positive/);
  });

  it('is tiny but not zero for a CPU', () => {
    const btc = expectedBtc({ hashRate: 20e6, difficulty: 1.0e14, subsidyBtc: BLOCK_SUBSIDY_BTC, feesBtc: 0.1, poolFee: 0 }, 900);
    expect(btc).toBeGreaterThan(0);
    expect(btc).toBeLessThan(1e-10);
  });

  it('credits shares as their fraction of a block', () => {
    expect(creditedBtc(1e6, 1e12, 3.125, 0)).toBeCloseTo(3.125e-6, 18);
  });
});
