import type { MarketStatus } from '#contract/market';

/**
 * The one expected-revenue formula: the ledger books it, the planner plans with it, the Mining page
 * shows it. A hash finds a block with probability 1 / (difficulty × 2^32); a block pays the subsidy
 * plus its fees, less the pool's fee. Shown however tiny it is.
 */
export type RevenueBasis = {
  /** ISO 4217 code `btcPrice` is in. */
  currency: string;
  /** Per BTC. */
  btcPrice: number;
  difficulty: number;
  /** BTC per block: 3.125 since the April 2024 halving. */
  subsidyBtc: number;
  /** Mean fees per block, BTC. */
  feesBtc: number;
  /** Pool fee as a fraction (0.02 for 2 %). */
  poolFee: number;
};

export const BLOCK_SUBSIDY_BTC = 3.125;

/** The basis in the market's figures, or null while price or difficulty is unknown. */
export function basisOf(st: MarketStatus): RevenueBasis | null {
  if (st.btcPrice.value === null || st.difficulty.value === null) return null;
  return {
    currency: st.currency,
    btcPrice: st.btcPrice.value,
    difficulty: st.difficulty.value,
    subsidyBtc: st.subsidyBtc,
    feesBtc: st.feesBtc,
    poolFee: st.poolFee,
  };
}

/** Expected BTC one hash earns. */
export function btcPerHash(b: Omit<RevenueBasis, 'currency' | 'btcPrice'>): number {
  if (!(b.difficulty > 0)) throw new RangeError('network difficulty must be positive');
  return ((b.subsidyBtc + b.feesBtc) * (1 - b.poolFee)) / (b.difficulty * 2 ** 32);
}

/** Expected money (in `b.currency`) one hash earns. */
export function moneyPerHash(b: RevenueBasis): number {
  return btcPerHash(b) * b.btcPrice;
}

/** A share at pool difficulty D stands for D × 2^32 hashes of expected work. */
export function hashesOfShares(shareDifficultySum: number): number {
  return shareDifficultySum * 2 ** 32;
}
