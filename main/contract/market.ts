import { z } from 'zod';
import { currencyCode } from './common.ts';
import type { ArgSchemas, Handler } from './rpc.ts';

/**
 * One market figure (BTC price in the user's currency, or network difficulty) and where it came
 * from. ok: fetched on the last try. offline: the last fetch failed and the cached value from
 * `fetchedAt` is in use. override: entered by hand and used instead of any fetched value.
 * none: nothing known yet (no fetch worked and no override).
 */
export type MarketFigure = {
  value: number | null;
  state: 'ok' | 'offline' | 'override' | 'none';
  /** "mempool.space", "coingecko" or "manual". */
  source: string | null;
  /** When the value in use was fetched or entered (ms). */
  fetchedAt: number | null;
  /** Why the last fetch failed, in words a person can act on; null after a good fetch. */
  reason: string | null;
};

export type MarketStatus = {
  /** ISO 4217 code the BTC price is in. */
  currency: string;
  btcPrice: MarketFigure;
  difficulty: MarketFigure;
  /** BTC per block the network pays now (3.125 since April 2024). */
  subsidyBtc: number;
  /** Mean fees per block (BTC) and the pool's fee (fraction), as set; both enter expected revenue. */
  feesBtc: number;
  poolFee: number;
  /** Next scheduled refresh (ms). */
  nextFetchAt: number | null;
};

export type MarketHandlers = {
  /** BTC price and network difficulty in use, with their state ("offline, using value from …"). */
  'market-status': Handler<Record<string, never>, MarketStatus>;
  /** Fetches both now; a failure keeps the cached values and says why. */
  'market-refresh': Handler<Record<string, never>, MarketStatus>;
  /**
   * Sets or clears (null) a manual value; an override wins over fetched values until cleared.
   * `currency` changes the currency the BTC price is fetched in; `feesBtc` and `poolFee` set the
   * mean fees per block and the pool's fee that expected revenue counts.
   */
  'market-override': Handler<
    { btcPrice?: number | null; difficulty?: number | null; currency?: string; feesBtc?: number; poolFee?: number },
    MarketStatus
  >;
};

export type MarketEvents = {
  'market-update': MarketStatus;
};

export const marketArgs: ArgSchemas<MarketHandlers> = {
  'market-status': z.object({}).strict(),
  'market-refresh': z.object({}).strict(),
  'market-override': z
    .object({
      btcPrice: z.number().finite().positive('the BTC price must be above zero').max(1e9).nullable().optional(),
      difficulty: z.number().finite().min(1, 'network difficulty is at least 1').max(1e18).nullable().optional(),
      currency: currencyCode.optional(),
      feesBtc: z.number().finite().min(0, 'mean fees cannot be negative').max(100).optional(),
      poolFee: z
        .number()
        .min(0, 'the pool fee cannot be negative')
        .max(1, 'the pool fee is a fraction: 0.02 for 2 %')
        .optional(),
    })
    .strict(),
};
