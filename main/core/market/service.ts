import type { MarketStatus } from '#contract/market';
import type { RevenueBasis } from './revenue.ts';

/** What the ledger, the planner and mining may ask of market data. */
export type MarketService = {
  status(): MarketStatus;
  /** BTC price (per BTC, in `currency`) and network difficulty in use, or null where unknown. */
  current(): { currency: string; btcPrice: number | null; difficulty: number | null };
  /** Everything expected revenue needs (see revenue.ts); null while price or difficulty is unknown. */
  basis(): RevenueBasis | null;
};
