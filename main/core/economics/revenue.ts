/**
 * Expected mining revenue, DESIGN.md: BTC per second = hashrate / (difficulty × 2^32)
 * × (block subsidy + mean fees) × (1 − pool fee). Shown however tiny it is.
 */
export type RevenueInputs = {
  /** Hashes per second. */
  hashRate: number;
  /** Network difficulty. */
  difficulty: number;
  /** BTC per block: 3.125 since the April 2024 halving. */
  subsidyBtc: number;
  /** Mean fees per block, BTC. */
  feesBtc: number;
  /** Pool fee as a fraction (0.02 for 2 %). */
  poolFee: number;
};

export const BLOCK_SUBSIDY_BTC = 3.125;

export function expectedBtcPerSecond(i: RevenueInputs): number {
  if (!(i.difficulty > 0)) throw new RangeError('network difficulty must be positive');
  if (i.hashRate <= 0) return 0;
  return (i.hashRate / (i.difficulty * 2 ** 32)) * (i.subsidyBtc + i.feesBtc) * (1 - i.poolFee);
}

/** Expected BTC for `seconds` at a constant hash rate. */
export function expectedBtc(i: RevenueInputs, seconds: number): number {
  return expectedBtcPerSecond(i) * seconds;
}

/**
 * BTC credited for accepted shares: a share at pool difficulty D stands for D × 2^32 hashes, i.e.
 * D / difficulty of a block's expected work.
 */
export function creditedBtc(shareDifficultySum: number, networkDifficulty: number, rewardBtc: number, poolFee: number): number {
  if (!(networkDifficulty > 0)) throw new RangeError('network difficulty must be positive');
  return (shareDifficultySum / networkDifficulty) * rewardBtc * (1 - poolFee);
}
