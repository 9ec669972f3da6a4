import { z } from 'zod';
import type { ArgSchemas, Handler } from './rpc.ts';
import { heatSourceSchema } from './heating.ts';
import { chargesSchema, type Charges } from './tariff.ts';
import type { HeatSource } from './heat-source.ts';

/**
 * A policy the backtest replays. `planner`: the planner, re-planned each day when the next day's
 * prices are published. The baselines share one heat-source controller, a thermostat with optimum
 * start (it starts heating early enough to reach a higher setpoint on time at full output, and
 * otherwise holds the comfort band's lower edge), and differ in when the computer runs:
 * `thermostat` while that thermostat calls for heat (at full power, the heat source covering the
 * rest), `always`, `threshold` at or below the best fixed price (searched over every distinct
 * price with the same accounting), `threshold:X` at or below X per kWh, `none` never (the
 * household's heating cost without Hearth: the reference for `savingVsNone`).
 */
export type BacktestPolicy = 'planner' | 'thermostat' | 'always' | 'threshold' | 'none' | `threshold:${number}`;

/**
 * `thermal` (default): the house as one thermal node kept in the comfort band by the heat source
 * and the computer's heat. `demand`: the older, simpler model, in which every kWh of compute heat up
 * to the heating model's demand (UA × (setpoint − outdoor)) displaces a kWh from the heat source.
 */
export type BacktestModel = 'thermal' | 'demand';

/**
 * Sums over a month or the whole period; money in `BacktestRun.currency`. Electricity is the
 * computer's plus, for a heat pump or resistive heater, the heat source's; `fuelCost` is what a
 * gas, oil or district heat source costs (0 for an electric one, whose cost is in the electricity).
 */
export type BacktestTotals = {
  /** Mining value − electricity € − fuel €: a household without Hearth (`none`) nets minus its heating cost. */
  net: number;
  /** Value of the computer's work (mining). */
  revenue: number;
  /** Electricity drawn: the computer's and the heat source's, kWh, and what it cost. */
  electricityKWh: number;
  electricityCost: number;
  /** The computer's electricity, kWh (all of it ends up as heat in the house), and its cost. */
  computeKWh: number;
  computeCost: number;
  /** Heat delivered by the heat source, kWh. */
  sourceHeatKWh: number;
  /** The heat source's electricity (heat pump: heat ÷ COP; resistive: heat), kWh, and its cost. */
  sourceElectricityKWh: number;
  sourceElectricityCost: number;
  /** Gas, oil or district heat bought, in money (0 for electric heat sources). */
  fuelCost: number;
  /** Kelvin-hours below the comfort band at slot ends (thermal model; 0 in the demand model). */
  comfortKh: number;
  /** Times the computer was switched on (off → on). */
  starts: number;
  /** Net − the `none` policy's net over the same period; absent for `none` itself. */
  savingVsNone?: number;
};

export type BacktestPolicyResult = {
  /** "planner", "thermostat", "always", "threshold", "threshold:0.05", "none". */
  policy: string;
  /** Threshold policies: the price per kWh (household price) at or below which the computer ran. */
  threshold?: number;
  /** Local calendar months ("2023-01") in the run's time zone. */
  months: { month: string; totals: BacktestTotals }[];
  total: BacktestTotals;
  /** Planner: how many plans HiGHS proved optimal, stopped at its time limit with a gap, or left to the fast plan. */
  statuses?: { optimal: number; feasible: number; heuristic: number };
  /** Planner: the plans made (one per day, at the hour the next day's prices are known). */
  plans?: number;
  elapsedMs: number;
};

/**
 * One thing a run assumed, for people: what (`topic`), the figure in words, and where it came
 * from: `saved` (the settings in the data folder), `given` (a flag or form field overriding them),
 * `default` (nothing saved or given: Hearth's assumption, to be checked), or `data` (read from the
 * prices or weather used).
 */
export type BacktestAssumption = {
  topic:
    | 'period'
    | 'prices'
    | 'electricity'
    | 'heat source'
    | 'house'
    | 'comfort'
    | 'weather'
    | 'computer'
    | 'mining value'
    | 'planner'
    | 'baselines';
  text: string;
  origin: 'saved' | 'given' | 'default' | 'data';
};

/** What a run used, in figures and as one line each for people. */
export type BacktestSetupInfo = {
  model: BacktestModel;
  /** What was added to spot prices (null: the prices are the tariff's own, fixed or time-of-use). */
  charges: (Charges & { origin: string }) | null;
  heatSource: HeatSource;
  house: { uaWPerK: number; capacityWhPerK: number; sourceCapW: number; indoorC: number; origin: string };
  computer: { powerW: number; revenuePerHour: number };
  weather: { points: number; from: number; to: number; interpolatedGaps: number } | null;
  planner: { timeLimitMs: number; pricesKnownAtHour: number };
  /** One line each: electricity, heat source, house, comfort, weather, planner, baselines. */
  lines: string[];
  /** Every assumption with where it came from; the CLI and the Plan page list these before the results. */
  assumptions: BacktestAssumption[];
};

export type BacktestRun = {
  runId: string;
  from: number;
  to: number;
  slots: number;
  currency: string;
  timeZone: string;
  setup: BacktestSetupInfo;
  results: BacktestPolicyResult[];
  elapsedMs: number;
};

/**
 * A backtest runs on the saved settings (heating schedule and heat source, the tariff's charges,
 * the stored prices); each field given here overrides one of them and is named as `given` in the
 * run's assumptions.
 */
export type BacktestArgs = {
  /**
   * Period [from, to), ms since the epoch. With stored prices both are needed; with `pricesCsv`
   * an absent end means the file's.
   */
  from?: number;
  to?: number;
  policies: BacktestPolicy[];
  /** Absent: thermal. */
  model?: BacktestModel;
  /** The computer's power while running, W; absent: 500 W, stated as a default. */
  powerW?: number;
  /** Mining revenue per hour at full power (currency per hour); absent: 0.002, stated as a default. */
  revenuePerHour?: number;
  /**
   * A spot price file (`start_utc,eur_per_kwh`) to replay instead of the stored prices; the
   * tariff's charges (or `charges`) are added. `name` is shown in the assumptions.
   */
  pricesCsv?: { name: string; csv: string };
  /** Added to spot prices instead of the saved tariff's charges. */
  charges?: Charges;
  /** Instead of the heating settings' heat source (checked as the heating settings check it). */
  heatSource?: HeatSource;
  /** One comfort band all day, or the schedule's setpoints with the upper edge `widthK` above. */
  comfort?: { minC: number; maxC: number } | { widthK: number };
  /** The weather file's name, for the assumptions. */
  weatherName?: string;
  /**
   * The house (thermal model); each absent figure comes from the heating settings when they are
   * in thermal mode, else from a typical 120 m² house (UA 200 W/K, C 10,000 Wh/K, 10,000 W source).
   */
  house?: { uaWPerK?: number; capacityWhPerK?: number; sourceCapW?: number };
  /** Hourly outdoor temperatures (`time,temp_c` or Open-Meteo CSV text); needed by the thermal model. */
  weatherCsv?: string;
  /** Months, days and the schedule are read in this IANA zone; absent: the heating settings' zone. */
  timeZone?: string;
  /** HiGHS's time limit per plan, ms; absent: 2000. */
  timeLimitMs?: number;
  /** Local hour at which the next day's prices are known and the planner plans; absent: 13. */
  pricesKnownAtHour?: number;
  /** Chosen by the caller to match progress events to its run. */
  runId?: string;
};

/** How far a run is: policy `step` of `steps`, `done` of `total` of it (plans for the planner). */
export type BacktestProgress = {
  runId: string;
  policy: string;
  step: number;
  steps: number;
  done: number;
  total: number;
};

export type BacktestHandlers = {
  /**
   * Replays the period with each policy over the stored prices with the same planner the app
   * uses (re-planned daily as day-ahead prices arrive); pushes `plan-backtest-progress` while it
   * runs. One run at a time.
   */
  'plan-backtest': Handler<BacktestArgs, BacktestRun>;
  /** The period the stored prices (an imported file, else fetched day-ahead prices) cover; null when none are stored. */
  'plan-backtest-prices': Handler<Record<string, never>, { from: number; to: number; source: string } | null>;
};

export type BacktestEvents = {
  'plan-backtest-progress': BacktestProgress;
};

/** The longest period one run takes: a year and a month. */
export const BACKTEST_MAX_DAYS = 400;

const policy = z.union([
  z.enum(['planner', 'thermostat', 'always', 'threshold', 'none']),
  z
    .string()
    .regex(
      /^threshold:-?\d+(\.\d+)?$/,
      'expected planner, thermostat, always, threshold, none or threshold:X (price per kWh)',
    ) as z.ZodType<`threshold:${number}`>,
]);

export const backtestArgs: ArgSchemas<BacktestHandlers> = {
  'plan-backtest-prices': z.object({}).strict(),
  'plan-backtest': z
    .object({
      from: z.number().int().optional(),
      to: z.number().int().optional(),
      policies: z.array(policy).min(1, 'choose at least one policy').max(8),
      model: z.enum(['thermal', 'demand']).optional(),
      powerW: z.number().gt(0, 'the device power must be above 0 W').max(100_000).optional(),
      pricesCsv: z
        .object({
          name: z.string().max(200),
          csv: z
            .string()
            .min(1, 'the price file is empty')
            .max(8_000_000, 'the price file is too large: give at most a year'),
        })
        .strict()
        .optional(),
      charges: chargesSchema.optional(),
      // The heating settings' own schema, so a form can refuse a bad figure at its field.
      heatSource: heatSourceSchema.optional(),
      comfort: z
        .union([
          z.object({ minC: z.number().min(0).max(40), maxC: z.number().min(0).max(40) }).strict(),
          z.object({ widthK: z.number().min(0, 'the band width is 0 K or more').max(20) }).strict(),
        ])
        .optional(),
      weatherName: z.string().max(200).optional(),
      revenuePerHour: z.number().finite().min(0).max(100).optional(),
      house: z
        .object({
          uaWPerK: z
            .number()
            .gt(
              0,
              'a house loses heat: give a heat-loss coefficient above 0 W/K (a typical 120 m² house: about 200 W/K)',
            )
            .max(5_000)
            .optional(),
          capacityWhPerK: z
            .number()
            .gt(0, 'give a heat capacity above 0 Wh/K (a typical 120 m² house: about 10,000 Wh/K)')
            .max(1_000_000)
            .optional(),
          sourceCapW: z.number().min(0, 'the heat source delivers at least 0 W').max(1_000_000).optional(),
        })
        .strict()
        .optional(),
      weatherCsv: z
        .string()
        .max(900_000, 'the weather file is too large: give at most a year of hourly rows')
        .optional(),
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
      timeLimitMs: z.number().int().min(50).max(60_000).optional(),
      pricesKnownAtHour: z.number().int().min(0).max(23).optional(),
      runId: z.string().max(64).optional(),
    })
    .strict()
    .refine((a) => a.pricesCsv !== undefined || (a.from !== undefined && a.to !== undefined), {
      message: 'give the period to replay: a start and an end',
      path: ['from'],
    })
    .refine((a) => a.from === undefined || a.to === undefined || a.to > a.from, {
      message: 'the period must end after it starts',
      path: ['to'],
    })
    .refine((a) => a.from === undefined || a.to === undefined || a.to - a.from <= BACKTEST_MAX_DAYS * 86_400_000, {
      message: `at most ${BACKTEST_MAX_DAYS} days at once`,
      path: ['to'],
    }),
};
