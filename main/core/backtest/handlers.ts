import { HandlerError, type BacktestHandlers } from '#contract/index';
import { BacktestInputError } from '#core/planner/backtest';
import { BacktestBusy, BacktestStopped, type Backtest } from './service.ts';

/** What to tell the user to do about a bad figure, by the field the backtest named. */
const HINTS: Record<string, string> = {
  period:
    'Import a price file for that period on the Schedules page (or with `hearth prices import`), or choose a period the tariff has prices for.',
  weather:
    'Choose an hourly weather file (time,temp_c with ISO times, or an Open-Meteo CSV export) that covers the whole period, or a period it covers.',
  prices: 'Import the missing prices, or choose a period without the gap.',
  pricesCsv: 'Give a spot price file with start_utc,eur_per_kwh columns.',
  comfort: 'Fix the comfort band in the heating schedule (Schedules page): the lower bound first.',
  heatSource: 'Fix the heat source given, or leave it out to use the saved one.',
};

export function backtestHandlers(b: Backtest): BacktestHandlers {
  return {
    'plan-backtest-prices': async () => b.pricesSpan(),
    'plan-backtest': async (args) => {
      try {
        return await b.run(args);
      } catch (e) {
        if (e instanceof BacktestBusy)
          throw new HandlerError('conflict', e.message, 'Wait for it to finish, then run again.');
        if (e instanceof BacktestStopped) throw new HandlerError('unavailable', e.message);
        if (e instanceof BacktestInputError)
          throw new HandlerError('bad-request', e.message, HINTS[e.field] ?? 'Fix that figure and run again.', e.field);
        throw e;
      }
    },
  };
}
