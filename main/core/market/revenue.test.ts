import { describe, expect, it } from 'vitest';
import { BLOCK_SUBSIDY_BTC, btcPerHash, hashesOfShares, moneyPerHash } from './revenue.ts';

describe('expected revenue', () => {
  it('pays one block reward, less the pool fee, per difficulty × 2^32 hashes', () => {
    const b = {
      currency: 'EUR',
      btcPrice: 1,
      difficulty: 1,
      subsidyBtc: BLOCK_SUBSIDY_BTC,
      feesBtc: 0.125,
      poolFee: 0.02,
    };
    expect(btcPerHash(b) * 2 ** 32).toBeCloseTo(3.25 * 0.98, 12);
    expect(moneyPerHash({ ...b, btcPrice: 50_000 })).toBeCloseTo(50_000 * btcPerHash(b), 12);
  });

  it('matches a hand calculation: 20 MH/s for 15 minutes at difficulty 1e14', () => {
    // 20e6 × 900 / (1e14 × 2^32) × 3.225 BTC = 1.35158e-13 BTC
    const btc =
      20e6 * 900 * btcPerHash({ difficulty: 1.0e14, subsidyBtc: BLOCK_SUBSIDY_BTC, feesBtc: 0.1, poolFee: 0 });
    expect(btc).toBeCloseTo(1.35158e-13, 17);
  });

  it('counts a share at difficulty D as D × 2^32 hashes', () => {
    expect(hashesOfShares(3)).toBe(3 * 2 ** 32);
  });

  it('refuses a difficulty of zero instead of dividing by it', () => {
    expect(() => btcPerHash({ difficulty: 0, subsidyBtc: 3.125, feesBtc: 0, poolFee: 0 })).toThrow(RangeError);
  });
});
