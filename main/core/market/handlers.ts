import { HandlerError, type MarketHandlers } from '#contract/index';
import { CurrencyConflict, type Market } from './service.ts';

export function marketHandlers(m: Market): MarketHandlers {
  return {
    'market-status': async () => m.status(),
    'market-refresh': async () => m.refresh(),
    'market-override': async (args) => {
      try {
        return m.override(args);
      } catch (err) {
        if (err instanceof CurrencyConflict)
          throw new HandlerError(
            'conflict',
            err.message,
            `enter the price in ${err.currency} too, or clear it (btcPrice: null)`,
          );
        throw err;
      }
    },
  };
}
