import type { MarketStatus } from '#contract/market';

/** What the ledger and mining may ask of market data: the figures in use, or null if unknown. */
export type MarketService = {
  status(): MarketStatus;
  /** BTC price (per BTC, in `currency`) and network difficulty in use. */
  current(): { currency: string; btcPrice: number | null; difficulty: number | null };
};
