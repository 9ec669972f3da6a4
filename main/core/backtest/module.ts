import type { BacktestArgs, BacktestRun, Charges, HeatingSettings, PriceSlot } from '#contract/index';
import { HandlerError } from '#contract/index';
import { defineModule, type CoreModule } from '#core/module';
import { defaultHeatingSettings } from '#core/heating/setting';
import { BacktestInputError, type PlannerFn } from '#core/planner/backtest';
import { plannerThread } from '#core/planner/planner-thread';
import { DEFAULT_COMPUTER, houseFrom, readWeather, runBacktest, toPolicy } from './setup.ts';

const READ_CHUNK_MS = 31 * 86_400_000;

/** Yields to the event loop so requests and the progress events get through between planned days. */
const yieldNow = () => new Promise<void>((resolve) => setImmediate(resolve));

/** What to tell the user to do about a bad figure, by the field the backtest named. */
const HINTS: Record<string, string> = {
  weather: 'Choose an hourly weather file (time,temp_c with ISO times, or an Open-Meteo CSV export) that covers the whole period, or a period it covers.',
  prices: 'Import the missing prices, or choose a period without the gap.',
  comfort: 'Fix the comfort band in the heating schedule (Schedules page): the lower bound first.',
};

export type BacktestModuleOptions = {
  /** The planner; defaults to the process's planner worker thread, so the core's event loop stays free. */
  planner?: PlannerFn;
};

/**
 * The backtest domain: `plan-backtest` replays a past period over the prices the tariff domain
 * holds (an imported price file, or fetched day-ahead prices, charges included) with the heating
 * settings' schedule and heat source and the house as one thermal node (runBacktest, the same
 * function `hearth backtest` runs). Plans are made in the planner worker and the rest runs in
 * chunks with yields between, so the server keeps answering and progress is pushed as it goes.
 */
export function backtestModule(options: BacktestModuleOptions = {}): CoreModule {
  const planner: PlannerFn = options.planner ?? ((input, opts) => plannerThread.plan(input, opts));
  return defineModule({
    name: 'backtest',
    requires: ['tariff'],
    optional: ['heating'],
    create(ctx, { tariff, heating: home }) {
      let running: string | null = null;
      let stopped = false;
      let runs = 0;

      /** The heating settings, and whether the user saved them in thermal mode (then their room is the house). */
      function heating(): { settings: HeatingSettings; thermal: boolean } {
        const settings = home?.settings() ?? defaultHeatingSettings();
        return { settings, thermal: settings.mode === 'thermal' };
      }

      const charges = (): Charges => tariff.charges();

      /** The stored prices, read a month at a time with yields between (a year is a few hundred ms of reading and charges). */
      async function pricesFor(from: number, to: number): Promise<PriceSlot[]> {
        const slots: PriceSlot[] = [];
        for (let a = from; a < to; a += READ_CHUNK_MS) {
          const b = Math.min(to, a + READ_CHUNK_MS);
          for (const s of tariff.slots(a, b)) if (s.start >= a && s.start < b) slots.push(s);
          await yieldNow();
        }
        if (slots.length === 0) {
          throw new HandlerError(
            'bad-request',
            `no prices are stored between ${new Date(from).toISOString()} and ${new Date(to).toISOString()}`,
            'Import a price file for that period on the Schedules page (or with `hearth prices import`), or choose a period the tariff has prices for.',
          );
        }
        for (let i = 1; i < slots.length; i++) {
          const a = slots[i - 1];
          const b = slots[i];
          if (a && b && b.start !== a.end) {
            throw new HandlerError('bad-request', `prices are missing from ${new Date(a.end).toISOString()} to ${new Date(b.start).toISOString()}`, HINTS['prices']);
          }
        }
        return slots;
      }

      async function run(args: BacktestArgs): Promise<BacktestRun> {
        const runId = args.runId ?? `run-${++runs}`;
        const prices = await pricesFor(args.from, args.to);
        const h = heating();
        const timeZone = args.timeZone ?? h.settings.timeZone;
        let last = { step: -1, pct: -1 };
        try {
          const weather = args.weatherCsv !== undefined ? readWeather(args.weatherCsv, 'weather file') : null;
          return await runBacktest({
            prices,
            // Fixed and time-of-use tariffs have no spot price: their prices are the household's as they stand.
            charges: prices.some((p) => p.spot !== null) ? { charges: charges(), origin: 'the tariff settings' } : null,
            heating: h.settings,
            model: args.model ?? 'thermal',
            house: houseFrom(args.house ?? {}, h.settings, h.thermal),
            computer: { powerW: args.powerW, revenuePerHour: args.revenuePerHour ?? DEFAULT_COMPUTER.revenuePerHour },
            weather,
            timeZone,
            policies: args.policies.map(toPolicy),
            ...(args.timeLimitMs !== undefined ? { timeLimitMs: args.timeLimitMs } : {}),
            ...(args.pricesKnownAtHour !== undefined ? { pricesKnownAtHour: args.pricesKnownAtHour } : {}),
            planner,
            runId,
            pause: async () => {
              if (stopped) throw new HandlerError('unavailable', 'the core is stopping; the backtest was abandoned');
              await yieldNow();
            },
            progress: async (p) => {
              if (stopped) throw new HandlerError('unavailable', 'the core is stopping; the backtest was abandoned');
              // About a hundred events per policy are plenty for a progress bar.
              const pct = Math.floor((p.done / p.total) * 100);
              if (p.step !== last.step || pct !== last.pct || p.done === p.total) {
                last = { step: p.step, pct };
                ctx.events.emit('plan-backtest-progress', { runId, policy: args.policies[p.step] ?? p.policy, step: p.step, steps: p.steps, done: p.done, total: p.total });
              }
              await yieldNow();
            },
          });
        } catch (e) {
          if (e instanceof BacktestInputError) throw new HandlerError('bad-request', e.message, HINTS[e.field] ?? 'Fix that figure and run again.');
          throw e;
        }
      }

      return {
        handlers: {
          'plan-backtest': async (args: BacktestArgs) => {
            if (running !== null) throw new HandlerError('conflict', `a backtest (${running}) is already running`, 'Wait for it to finish, then run again.');
            running = args.runId ?? 'another run';
            try {
              return await run(args);
            } finally {
              running = null;
            }
          },
        },
        stop() {
          stopped = true;
        },
      };
    },
  });
}
