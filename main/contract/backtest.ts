import { z } from 'zod';
import type { ArgSchemas, Handler } from './rpc.ts';

/** A policy the backtest replays: the planner, or a naive rule to compare it with. */
export type BacktestPolicy = 'planner' | 'always' | 'thermostat' | 'best-threshold' | `threshold:${number}`;

/** Sums over a month or the whole period; money in `BacktestRun.currency`. */
export type BacktestTotals = { energyKWh: number; heatKWh: number; usefulHeatKWh: number; heatCredit: number; cost: number; revenue: number; net: number };

export type BacktestPolicyResult = {
  /** "planner", "always", "thermostat", "threshold:0.05", "best threshold:0.06284". */
  policy: string;
  /** Local calendar months ("2023-01") in the run's time zone. */
  months: { month: string; totals: BacktestTotals }[];
  total: BacktestTotals;
};

export type BacktestRun = {
  runId: string;
  from: number;
  to: number;
  slots: number;
  currency: string;
  timeZone: string;
  /** How heat demand was found: the heating model over the given weather, or over the fallback outdoor temperature. */
  demand: { source: 'weather' | 'fallback'; heatLossWPerK: number; outdoorC: number | null; weatherPoints: number };
  /** The heat credit per kWh used when one was given; null: from the heating settings' heat source, per slot. */
  heatCreditPerKWh: number | null;
  results: BacktestPolicyResult[];
  elapsedMs: number;
};

export type BacktestArgs = {
  /** Period [from, to), ms since the epoch; prices come from the tariff domain (imported or fetched). */
  from: number;
  to: number;
  policies: BacktestPolicy[];
  /** The device's power while running, W. */
  powerW: number;
  /** What a kWh of heat that meets demand is worth (displaced fuel price ÷ efficiency); absent: the heating settings' heat source. */
  heatCreditPerKWh?: number;
  /** Mining revenue per hour at full power (currency per hour); absent: 0. */
  revenuePerHour?: number;
  /** Hourly outdoor temperatures (`time,temp_c` or Open-Meteo CSV text); absent: the heating settings' fallback outdoor temperature. */
  weatherCsv?: string;
  /** Months are counted in this IANA zone; absent: the heating settings' zone. */
  timeZone?: string;
  /** Chosen by the caller to match progress events to its run. */
  runId?: string;
};

/** How far a run is: policy `step` of `steps`, `done` of `total` days of it. */
export type BacktestProgress = { runId: string; policy: string; step: number; steps: number; done: number; total: number };

export type BacktestHandlers = {
  /**
   * Replays the period with each policy over the stored prices, slot by slot with the same
   * planner (day by day, day-ahead knowledge); pushes `plan-backtest-progress` while it runs.
   * One run at a time.
   */
  'plan-backtest': Handler<BacktestArgs, BacktestRun>;
};

export type BacktestEvents = {
  'plan-backtest-progress': BacktestProgress;
};

/** The longest period one run takes: a year and a month. */
export const BACKTEST_MAX_DAYS = 400;

const policy = z.union([
  z.enum(['planner', 'always', 'thermostat', 'best-threshold']),
  z.string().regex(/^threshold:-?\d+(\.\d+)?$/, 'expected planner, always, thermostat, best-threshold or threshold:X (price per kWh)') as z.ZodType<`threshold:${number}`>,
]);

export const backtestArgs: ArgSchemas<BacktestHandlers> = {
  'plan-backtest': z
    .object({
      from: z.number().int(),
      to: z.number().int(),
      policies: z.array(policy).min(1, 'choose at least one policy').max(8),
      powerW: z.number().gt(0, 'the device power must be above 0 W').max(100_000),
      heatCreditPerKWh: z.number().finite().min(0).max(100).optional(),
      revenuePerHour: z.number().finite().min(0).max(100).optional(),
      weatherCsv: z.string().max(900_000, 'the weather file is too large: give at most a year of hourly rows').optional(),
      timeZone: z
        .string()
        .refine((tz) => {
          try {
            new Intl.DateTimeFormat('en', { timeZone: tz });
            return true;
          } catch {
            return false;
          }
        }, 'expected an IANA time zone such as Europe/Brussels')
        .optional(),
      runId: z.string().max(64).optional(),
    })
    .strict()
    .refine((a) => a.to > a.from, { message: 'the period must end after it starts', path: ['to'] })
    .refine((a) => a.to - a.from <= BACKTEST_MAX_DAYS * 86_400_000, { message: `at most ${BACKTEST_MAX_DAYS} days at once`, path: ['to'] }),
};
