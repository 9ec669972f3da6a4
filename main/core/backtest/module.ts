import type { BacktestArgs, BacktestPolicy, BacktestPolicyResult, BacktestRun, HeatingSettings, PriceSlot } from '#contract/index';
import { HandlerError, heatingSettingsSchema } from '#contract/index';
import type { CoreModule } from '#core/module';
import { heatDemand, type OutdoorAt } from '#core/heating/demand';
import { defaultHeatingSettings, HEATING_SETTINGS_KEY } from '#core/heating/module';
import { parseWeatherCsv, requireWeather, weatherAt } from '#core/heating/weather-csv';
import { backtest, bestThreshold, type BacktestSetup, type Policy } from '#core/planner/backtest';

function toPolicy(p: BacktestPolicy): Policy | 'best-threshold' {
  return p.startsWith('threshold:') ? { threshold: Number(p.slice('threshold:'.length)) } : (p as Policy | 'best-threshold');
}

/** Slots of heat demand worked out between two yields (a week of hours: tens of milliseconds). */
const HEAT_CHUNK = 168;
const READ_CHUNK_MS = 31 * 86_400_000;

/** Yields to the event loop so requests and the progress events get through between planned days. */
const yieldNow = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The backtest domain: `plan-backtest` replays a past period over the prices the tariff domain
 * holds (an imported price file, or fetched day-ahead prices), with heat demand from the user's
 * heating settings over a weather file's outdoor temperatures (or the fallback temperature). It
 * runs on the core's thread in day-sized chunks, yielding between days, so the server keeps
 * answering and progress is pushed as it goes.
 */
export function backtestModule(): CoreModule {
  return {
    name: 'backtest',
    create(ctx) {
      const tariff = ctx.use('tariff');
      let running: string | null = null;
      let stopped = false;
      let runs = 0;

      function heatingSettings(): HeatingSettings {
        const parsed = heatingSettingsSchema.safeParse(ctx.settings.get(HEATING_SETTINGS_KEY));
        const s = parsed.success ? parsed.data : defaultHeatingSettings();
        // A past period has no indoor readings to follow: thermostat and predictive modes are
        // replayed as the schedule model they fall back to; "off" stays off.
        return { ...s, mode: s.mode === 'off' ? 'off' : 'schedule' };
      }

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
            throw new HandlerError(
              'bad-request',
              `prices are missing from ${new Date(a.end).toISOString()} to ${new Date(b.start).toISOString()}`,
              'Import the missing prices, or choose a period without the gap.',
            );
          }
        }
        return slots;
      }

      async function run(args: BacktestArgs): Promise<BacktestRun> {
        const started = performance.now();
        const runId = args.runId ?? `run-${++runs}`;
        const slots = await pricesFor(args.from, args.to);
        const currency = slots[0]?.currency ?? 'EUR';
        const heating = heatingSettings();
        const timeZone = args.timeZone ?? heating.timeZone;
        let outdoorAt: OutdoorAt = () => null;
        let weatherPoints = 0;
        if (args.weatherCsv !== undefined) {
          try {
            const points = parseWeatherCsv(args.weatherCsv, 'weather file');
            outdoorAt = weatherAt(points);
            requireWeather(outdoorAt, slots, points);
            weatherPoints = points.length;
          } catch (e) {
            throw new HandlerError('bad-request', (e as Error).message, 'Fix the weather file (time,temp_c with ISO times, or an Open-Meteo CSV export) and run again.');
          }
        }
        // Demand per slot costs time-zone arithmetic per slot (about a second for a year): it is
        // worked out once for every policy, a week at a time with yields between. In schedule mode
        // a slot's demand depends on its own time and its day's outdoor mean only, so the chunks
        // give the same figures as one pass.
        const heat: { demandW: number; creditPerKWh: number }[] = [];
        for (let i = 0; i < slots.length; i += HEAT_CHUNK) {
          for (const h of heatDemand(heating, slots.slice(i, i + HEAT_CHUNK), { now: 0, indoor: null, outdoorAt, thermostatOn: false })) {
            heat.push({ demandW: h.demandW, creditPerKWh: args.heatCreditPerKWh ?? h.creditPerKWh });
          }
          await yieldNow();
        }
        const setup: BacktestSetup = {
          powerW: args.powerW,
          demandW: 0,
          seasonMonths: [],
          heatCreditPerKWh: args.heatCreditPerKWh ?? 0,
          revenuePerHour: args.revenuePerHour ?? 0,
          timeZone,
          heat: () => heat,
        };
        const prices = slots.map((s) => ({ start: s.start, price: s.price }));
        const results: BacktestPolicyResult[] = [];
        const steps = args.policies.length;
        for (const [step, p] of args.policies.entries()) {
          let last = -1;
          const progress = async (done: number, total: number) => {
            if (stopped) throw new HandlerError('unavailable', 'the core is stopping; the backtest was abandoned');
            // About a hundred events per policy are plenty for a progress bar.
            const pct = Math.floor((done / total) * 100);
            if (pct !== last || done === total) {
              last = pct;
              ctx.events.emit('plan-backtest-progress', { runId, policy: p, step, steps, done, total });
            }
            await yieldNow();
          };
          const policy = toPolicy(p);
          const r = policy === 'best-threshold' ? await bestThreshold(prices, setup, progress) : await backtest(prices, setup, policy, progress);
          results.push(policy === 'best-threshold' ? { ...r, policy: `best ${r.policy}` } : r);
        }
        return {
          runId,
          from: args.from,
          to: args.to,
          slots: slots.length,
          currency,
          timeZone,
          demand: { source: args.weatherCsv !== undefined ? 'weather' : 'fallback', heatLossWPerK: heating.room.heatLossWPerK, outdoorC: args.weatherCsv !== undefined ? null : heating.fallbackOutdoorC, weatherPoints },
          heatCreditPerKWh: args.heatCreditPerKWh ?? null,
          results,
          elapsedMs: performance.now() - started,
        };
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
  };
}
