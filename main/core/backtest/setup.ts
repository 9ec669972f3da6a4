import {
  DEFAULT_BAND_K,
  DEFAULT_SOURCE_CAPACITY_W,
  SETPOINT_MIN_C,
  type BacktestAssumption,
  type BacktestModel,
  type BacktestPolicy,
  type BacktestRun,
  type BacktestSetupInfo,
  type Charges,
  type HeatingSettings,
  type HeatSource,
  type PriceSlot,
} from '#contract/index';
import { copAt } from '#core/heating/credit';
import { heatDemand, type OutdoorAt } from '#core/heating/demand';
import { defaultHeatingSettings } from '#core/heating/setting';
import { parseWeatherCsv, WEATHER_MAX_GAP_MS, weatherAt, type WeatherPoint } from '#core/heating/weather-csv';
import {
  BacktestInputError,
  backtestPolicies,
  type BacktestSetup,
  type BacktestSlot,
  type PlannerFn,
  type Policy,
} from '#core/planner/backtest';
import { parsePriceCsv, type PricePoint } from '#core/planner/price-csv';
import { withCharges } from '#core/tariff/charges';

/** A typical 120 m² house when neither the heating settings (thermal mode) nor the caller give one (heating.md). */
export const TYPICAL_HOUSE = { uaWPerK: 200, capacityWhPerK: 10_000, sourceCapW: DEFAULT_SOURCE_CAPACITY_W } as const;
/** The computer when none is given: a 500 W PC mining for about 0.05 € a day. */
export const DEFAULT_COMPUTER = { powerW: 500, revenuePerHour: 0.002 } as const;
/** HiGHS's time limit per plan in a backtest, ms: a thermal day solves in about 0.1 s, a hard one stops here with its gap. */
export const DEFAULT_BACKTEST_TIME_LIMIT_MS = 2000;
/** EPEX's day-ahead auction publishes at about 12:45 CET: from 13:00 local the next day's prices are known. */
export const DEFAULT_PRICES_KNOWN_AT_HOUR = 13;
/**
 * Household charges for examples, tests and the benchmark: roughly what a Belgian household paid on
 * top of the 2023 spot price (distribution, transmission and levies about 0.12 €/kWh; 6 % VAT).
 */
export const EXAMPLE_CHARGES: Charges = { perKWh: 0.12, tax: 0.06 };

export type BacktestInput = {
  /** What the household pays per slot (charges included), contiguous, in time order. */
  prices: PriceSlot[];
  /** What was added to the spot prices and where it came from ("--grid-fee, --levies, --vat", "the tariff settings"); null: the tariff's own prices. */
  charges: { charges: Charges; origin: string } | null;
  /** Schedule, season, heat source, fallback outdoor temperature (the mode is ignored). */
  heating: HeatingSettings;
  model: BacktestModel;
  /** The house, figure by figure, and where each came from (see houseFrom). */
  house: { uaWPerK: number; capacityWhPerK: number; sourceCapW: number; origin: string };
  computer: { powerW: number; revenuePerHour: number };
  /** Parsed weather and its name for messages; the thermal model needs it. */
  weather: { points: WeatherPoint[]; name: string } | null;
  timeZone: string;
  policies: Policy[];
  timeLimitMs?: number;
  pricesKnownAtHour?: number;
  /** Defaults to plan() on this thread; the server passes its planner worker. */
  planner?: PlannerFn;
  /** Per policy; awaited, so the caller may yield or stop there. */
  progress?: (p: { policy: string; step: number; steps: number; done: number; total: number }) => void | Promise<void>;
  /** Awaited between chunks of slot preparation (a year of time-zone arithmetic is about a second). */
  pause?: () => Promise<void>;
  runId?: string;
  /** Where the prices came from, in words ("the imported price file", "be-day-ahead-2023.csv"). */
  pricesSource?: string;
  /** Where each assumption came from; a topic not named is `default` (computer, mining value) or `saved`. */
  origins?: Partial<Record<BacktestAssumption['topic'], BacktestAssumption['origin']>>;
};

/** The contract's policy name as the engine's policy. */
export function toPolicy(p: BacktestPolicy): Policy {
  return p.startsWith('threshold:') ? { threshold: Number(p.slice('threshold:'.length)) } : (p as Policy);
}

/**
 * The house: each figure given, else from the heating settings when they describe the house as a
 * thermal node (thermal mode), else a typical 120 m² house. The source's capacity follows the heat
 * source: none delivers 0 W.
 */
export function houseFrom(
  given: { uaWPerK?: number | undefined; capacityWhPerK?: number | undefined; sourceCapW?: number | undefined },
  heating: HeatingSettings,
  thermalSettings: boolean,
): BacktestInput['house'] {
  const src = heating.heatSource;
  const fromSettings = {
    uaWPerK: thermalSettings ? heating.room.heatLossWPerK : undefined,
    capacityWhPerK: thermalSettings ? heating.room.capacityWhPerK : undefined,
    sourceCapW: src.kind === 'none' ? 0 : src.capacityW,
  };
  const origins: string[] = [];
  const pick = (k: 'uaWPerK' | 'capacityWhPerK' | 'sourceCapW', label: string): number => {
    const g = given[k];
    if (g !== undefined) {
      origins.push(`${label} given`);
      return g;
    }
    const s = fromSettings[k];
    if (s !== undefined) {
      origins.push(`${label} from the heating settings`);
      return s;
    }
    return TYPICAL_HOUSE[k];
  };
  const house = {
    uaWPerK: pick('uaWPerK', 'UA'),
    capacityWhPerK: pick('capacityWhPerK', 'capacity'),
    sourceCapW: pick('sourceCapW', 'source'),
  };
  const typical = origins.length < 3 ? 'typical 120 m² house' : '';
  return {
    ...house,
    origin: [...origins, ...(typical ? [origins.length ? `the rest: ${typical}` : typical] : [])].join('; '),
  };
}

/**
 * A spot price file as what the household pays: each slot lasts until the next starts (the last as
 * long as the one before), charges applied by the tariff domain's own rule. Unevenly spaced rows
 * mean missing prices: refused, naming the gap.
 */
export function householdPrices(
  points: PricePoint[],
  charges: Charges,
  timeZone: string,
  currency = 'EUR',
): PriceSlot[] {
  const step = points.length > 1 ? points[1]!.start - points[0]!.start : 3_600_000;
  return points.map((p, i) => {
    const next = points[i + 1];
    if (next && next.start - p.start !== step) {
      throw new BacktestInputError(
        'prices',
        `prices are missing from ${new Date(p.start + step).toISOString()} to ${new Date(next.start).toISOString()}: give a file without gaps, or a period without this one`,
      );
    }
    return withCharges({ start: p.start, end: p.start + step, spot: p.price, currency }, charges, timeZone);
  });
}

const iso = (ms: number) => new Date(ms).toISOString().replace(':00.000Z', 'Z');

/**
 * Checks that a weather file covers the price period without long gaps, and counts the short gaps
 * inside the period that are interpolated linearly (weatherAt bridges up to 3 h). Errors name the
 * file, the period and what to do.
 */
export function checkWeather(
  points: WeatherPoint[],
  slots: { start: number; end: number }[],
  name: string,
): { outdoorAt: OutdoorAt; interpolatedGaps: number } {
  const first = slots[0];
  const last = slots.at(-1);
  const p0 = points[0];
  const pN = points.at(-1);
  if (!first || !last || !p0 || !pN) return { outdoorAt: weatherAt(points), interpolatedGaps: 0 };
  const needFrom = (first.start + first.end) / 2;
  const needTo = (last.start + last.end) / 2;
  // weatherAt holds the first and last temperature for up to an hour beyond them.
  if (p0.at - 3_600_000 > needFrom || pN.at + 3_600_000 < needTo) {
    throw new BacktestInputError(
      'weather',
      `${name} covers ${iso(p0.at)} to ${iso(pN.at)}, but the prices run from ${iso(first.start)} to ${iso(last.end)}: give weather for the whole price period, or choose a period the file covers`,
    );
  }
  const inside: number[] = [];
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!.at;
    const b = points[i]!.at;
    if (b < needFrom || a > needTo) continue;
    if (b - a > WEATHER_MAX_GAP_MS) {
      throw new BacktestInputError(
        'weather',
        `${name} has no temperatures from ${iso(a)} to ${iso(b)}, a ${((b - a) / 3_600_000).toFixed(1)} h gap inside the price period: gaps up to 3 h are interpolated linearly, longer ones are not; fill the gap or choose a period without it`,
      );
    }
    inside.push(b - a);
  }
  // The file's own step is its most common spacing; anything longer inside the period is a bridged gap.
  const sorted = [...inside].sort((x, y) => x - y);
  const usual = sorted[Math.floor(sorted.length / 2)] ?? 3_600_000;
  return { outdoorAt: weatherAt(points), interpolatedGaps: inside.filter((d) => d > usual * 1.5).length };
}

/** Reads weather CSV text (time,temp_c or Open-Meteo), naming the file in errors. */
export function readWeather(text: string, name: string): { points: WeatherPoint[]; name: string } {
  try {
    return { points: parseWeatherCsv(text, name), name };
  } catch (e) {
    throw new BacktestInputError('weather', (e as Error).message);
  }
}

const HEAT_CHUNK = 168;

/** Comfort band, outdoor temperature and heat cost per slot, worked out the way the live app's heating domain does. */
async function slotsFor(input: BacktestInput, outdoorAt: OutdoorAt): Promise<BacktestSlot[]> {
  const settings: HeatingSettings = {
    ...input.heating,
    mode: input.model === 'thermal' ? 'thermal' : 'schedule',
    timeZone: input.timeZone,
    room: { heatLossWPerK: input.house.uaWPerK, capacityWhPerK: input.house.capacityWhPerK },
  };
  const src = settings.heatSource;
  const out: BacktestSlot[] = [];
  // Demand per slot costs time-zone arithmetic per slot: a week at a time with pauses between. A
  // slot's figures depend on its own time and its day's outdoor mean only, so chunks change nothing.
  for (let i = 0; i < input.prices.length; i += HEAT_CHUNK) {
    const chunk = input.prices.slice(i, i + HEAT_CHUNK);
    heatDemand(settings, chunk, { now: 0, indoor: null, outdoorAt, thermostatOn: false }).forEach((h, k) => {
      const p = chunk[k]!;
      const outdoorC = h.outdoorC ?? settings.fallbackOutdoorC;
      out.push({
        start: p.start,
        hours: (p.end - p.start) / 3_600_000,
        price: p.price,
        outdoorC,
        comfort: input.model === 'thermal' ? (h.comfort ?? null) : null,
        // The live app's heat credit: a kWh of the source's heat at this slot (an electric source never below 0).
        heatCostPerKWh: h.creditPerKWh,
        heatElectricityPerKWh:
          src.kind === 'heat-pump' ? 1 / copAt(src.cop, outdoorC) : src.kind === 'resistive' ? 1 : 0,
        demandW: h.demandW,
      });
    });
    await input.pause?.();
  }
  return out;
}

/**
 * The one backtest behind `hearth backtest`, the Plan page and the benchmark: builds the slots
 * (comfort band from the heating schedule, outdoor temperature from the weather, heat cost from
 * the heat source), replays each policy and describes what it used.
 */
export async function runBacktest(input: BacktestInput): Promise<BacktestRun> {
  const started = performance.now();
  const { prices } = input;
  const first = prices[0];
  const last = prices.at(-1);
  if (!first || !last) throw new BacktestInputError('prices', 'there are no prices in the period');
  let outdoorAt: OutdoorAt = () => null;
  let weatherInfo: BacktestSetupInfo['weather'] = null;
  if (input.weather) {
    const w = checkWeather(input.weather.points, prices, input.weather.name);
    outdoorAt = w.outdoorAt;
    weatherInfo = {
      points: input.weather.points.length,
      from: input.weather.points[0]?.at ?? 0,
      to: input.weather.points.at(-1)?.at ?? 0,
      interpolatedGaps: w.interpolatedGaps,
    };
  } else if (input.model === 'thermal') {
    throw new BacktestInputError(
      'weather',
      'the thermal model needs hourly outdoor temperatures for the whole period: give a weather file (time,temp_c or an Open-Meteo CSV export), or use the demand model',
    );
  }
  const slots = await slotsFor(input, outdoorAt);
  const timeLimitMs = input.timeLimitMs ?? DEFAULT_BACKTEST_TIME_LIMIT_MS;
  const pricesKnownAtHour = input.pricesKnownAtHour ?? DEFAULT_PRICES_KNOWN_AT_HOUR;
  // Without a reading the room starts at the band's lower edge, as the live app assumes.
  const indoorC = slots[0]?.comfort?.minC ?? 20;
  const setup: BacktestSetup = {
    slots,
    timeZone: input.timeZone,
    computer: input.computer,
    house:
      input.model === 'thermal'
        ? {
            uaWPerK: input.house.uaWPerK,
            capacityWhPerK: input.house.capacityWhPerK,
            sourceCapW: input.house.sourceCapW,
            indoorC,
          }
        : null,
    pricesKnownAtHour,
    timeLimitMs,
    ...(input.planner ? { planner: input.planner } : {}),
  };
  const steps = input.policies.length;
  const results = await backtestPolicies(setup, input.policies, (step, done, total) => {
    const p = input.policies[step];
    return input.progress?.({
      policy: p === undefined ? '' : typeof p === 'string' ? p : `threshold:${p.threshold}`,
      step,
      steps,
      done,
      total,
    });
  });
  const info: BacktestSetupInfo = {
    model: input.model,
    charges: input.charges ? { ...input.charges.charges, origin: input.charges.origin } : null,
    heatSource: input.heating.heatSource,
    house: {
      uaWPerK: input.house.uaWPerK,
      capacityWhPerK: input.house.capacityWhPerK,
      sourceCapW: input.house.sourceCapW,
      indoorC,
      origin: input.house.origin,
    },
    computer: input.computer,
    weather: weatherInfo,
    planner: { timeLimitMs, pricesKnownAtHour },
    lines: [],
    assumptions: [],
  };
  info.assumptions = describe(input, info, first.currency, { from: first.start, to: last.end, slots: slots.length });
  // The older one-line-each summary: the figures of the model, without the period and computer lines.
  info.lines = info.assumptions
    .filter((a) => !LISTED_ELSEWHERE.has(a.topic))
    .map((a) => (a.text.startsWith('demand model:') ? a.text : `${a.topic}: ${a.text}`));
  return {
    runId: input.runId ?? 'backtest',
    from: first.start,
    to: last.end,
    slots: slots.length,
    currency: first.currency,
    timeZone: input.timeZone,
    setup: info,
    results,
    elapsedMs: performance.now() - started,
  };
}

const money = (v: number, currency: string) => `${v.toFixed(4)} ${currency}`;
const pct = (x: number) => `${+(x * 100).toFixed(2)} %`;
const thousands = (v: number) => Math.round(v).toLocaleString('en-US');

/** Describes a heat source in one clause: what a kWh of its heat costs and where its cost is booked. */
export function describeHeatSource(src: HeatSource, currency: string): string {
  switch (src.kind) {
    case 'none':
      return 'none (only the computer heats)';
    case 'gas':
    case 'oil':
      return `${src.kind} at ${money(src.pricePerKWh, currency)}/kWh, ${pct(src.efficiency)} efficient: ${money(src.pricePerKWh / src.efficiency, currency)} per kWh of heat (fuel €)`;
    case 'district':
      return `district heat at ${money(src.pricePerKWh, currency)} per kWh of heat (fuel €)`;
    case 'resistive':
      return 'resistive heater on household electricity, 1 kWh per kWh of heat (electricity kWh and €; fuel € is 0)';
    case 'heat-pump': {
      const pts = [...src.cop].sort((a, b) => a.outdoorC - b.outdoorC).map((p) => `${p.cop} at ${p.outdoorC} °C`);
      return `heat pump on household electricity, COP ${pts.join(', ')} (linear between, flat beyond): heat ÷ COP in electricity kWh and €; fuel € is 0`;
    }
  }
}

/** Where a topic's figure came from when the caller does not say: the settings, or Hearth's default for the computer. */
const ORIGIN: Record<BacktestAssumption['topic'], BacktestAssumption['origin']> = {
  period: 'data',
  prices: 'saved',
  electricity: 'saved',
  'heat source': 'saved',
  house: 'saved',
  comfort: 'saved',
  weather: 'given',
  computer: 'default',
  'mining value': 'default',
  planner: 'default',
  baselines: 'default',
};

const LISTED_ELSEWHERE = new Set<BacktestAssumption['topic']>(['period', 'prices', 'computer', 'mining value']);

const localDate = (ms: number, timeZone: string) => new Date(ms).toLocaleString('sv-SE', { timeZone }).slice(0, 16);

/** Every figure a reader should check, one line each, with where it came from. */
function describe(
  input: BacktestInput,
  info: BacktestSetupInfo,
  currency: string,
  period: { from: number; to: number; slots: number },
): BacktestAssumption[] {
  const out: BacktestAssumption[] = [];
  const push = (topic: BacktestAssumption['topic'], text: string) =>
    out.push({ topic, text, origin: input.origins?.[topic] ?? ORIGIN[topic] });
  push(
    'period',
    `${localDate(period.from, input.timeZone)} to ${localDate(period.to, input.timeZone)} (${input.timeZone}), ${period.slots} slots, ${input.model} model`,
  );
  if (input.pricesSource) push('prices', input.pricesSource);
  const c = input.charges;
  if (!c) push('electricity', `the tariff's own prices (no spot price to add charges to)`);
  else {
    const zones = c.charges.zones?.length
      ? `, ${c.charges.zones.length} time-of-day charge zone${c.charges.zones.length > 1 ? 's' : ''}`
      : '';
    const none = c.charges.perKWh === 0 && c.charges.tax === 0 && !zones;
    push(
      'electricity',
      none
        ? `spot price alone, no grid fee, levies or VAT (${c.origin}); a household pays these too`
        : `(spot + ${money(c.charges.perKWh, currency)}/kWh grid fee and levies${zones}) × (1 + ${pct(c.charges.tax)} VAT) (${c.origin})`,
    );
  }
  const src = input.heating.heatSource;
  push(
    'heat source',
    `${describeHeatSource(src, currency)}${src.kind === 'none' ? '' : `, up to ${thousands(info.house.sourceCapW)} W`}`,
  );
  const h = info.house;
  if (input.model === 'thermal') {
    push(
      'house',
      `UA ${thousands(h.uaWPerK)} W/K, heat capacity ${thousands(h.capacityWhPerK)} Wh/K, starting at ${h.indoorC.toFixed(1)} °C (${h.origin})`,
    );
    const outside =
      input.heating.season.kind === 'always' ? '' : `, outside it only frost protection (${SETPOINT_MIN_C} °C)`;
    push('comfort', `${describeBand(input.heating)}; ${describeSeason(input.heating)}${outside}`);
  } else {
    push(
      'house',
      `demand model: heat demand UA ${thousands(h.uaWPerK)} W/K × (setpoint − outdoor) in season (${describeSeason(input.heating)}); each kWh of compute heat up to it displaces a kWh of the heat source's (${h.origin})`,
    );
  }
  const w = info.weather;
  if (w && input.weather) {
    const gaps = w.interpolatedGaps
      ? `; ${w.interpolatedGaps} short gap${w.interpolatedGaps > 1 ? 's' : ''} (up to 3 h) interpolated linearly`
      : '; no gaps';
    push('weather', `${input.weather.name}, ${w.points} points from ${iso(w.from)} to ${iso(w.to)}${gaps}`);
  } else push('weather', `none; the heating settings' fallback ${input.heating.fallbackOutdoorC} °C outside`);
  push('computer', `${thousands(input.computer.powerW)} W while it runs, all of it heat in the house`);
  push('mining value', `${input.computer.revenuePerHour} ${currency} per hour at full power`);
  push(
    'planner',
    `plans at the first slot, then daily at ${String(info.planner.pricesKnownAtHour).padStart(2, '0')}:00 ${input.timeZone} when the next day's prices are known, through the last known price; HiGHS limit ${info.planner.timeLimitMs} ms a plan`,
  );
  push(
    'baselines',
    input.model === 'thermal'
      ? "the heat source is a thermostat with optimum start (it reaches each setpoint on time at full output, otherwise holds the band's lower edge)"
      : 'the heat source covers whatever demand the computer leaves',
  );
  return out;
}

const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** The schedule's bands, days with the same entries grouped: "Mon–Fri 06:30 21–23 °C, 22:30 17–19 °C; Sat–Sun …". */
function describeBand(heating: HeatingSettings): string {
  const text = (day: HeatingSettings['schedule'][number]) =>
    day.map((e) => `${e.at} ${e.c}–${e.maxC ?? e.c + DEFAULT_BAND_K} °C`).join(', ');
  const groups: { from: number; to: number; text: string }[] = [];
  heating.schedule.forEach((day, i) => {
    const t = text(day);
    const g = groups.at(-1);
    if (g && g.text === t) g.to = i;
    else groups.push({ from: i, to: i, text: t });
  });
  const parts = groups
    .filter((g) => g.text)
    .map((g) => `${DAYS[g.from]}${g.to > g.from ? `–${DAYS[g.to]}` : ''} ${g.text}`);
  return parts.length
    ? `the heating schedule, setpoint to setpoint + ${DEFAULT_BAND_K} K unless an entry sets its upper edge: ${parts.join('; ')}`
    : 'the heating schedule has no setpoints';
}

function describeSeason(heating: HeatingSettings): string {
  const s = heating.season;
  if (s.kind === 'always') return 'heating all year';
  if (s.kind === 'dates') return `heating season ${s.from} to ${s.to}`;
  return `heating on days whose mean outdoor temperature is below ${s.c} °C`;
}

/**
 * A year (or any period) of the thermal backtest with the defaults the CLI and the Plan page use
 * when nothing is configured: the default heating schedule and season, gas at 0.10 €/kWh and 90 %,
 * a typical 120 m² house, a 500 W computer mining 0.002 €/h, and `charges` (default EXAMPLE_CHARGES)
 * on the spot prices. For the benchmark: `backtestYear({ pricesCsv, weatherCsv, policies: ['planner'] })`.
 */
export async function backtestYear(opts: {
  pricesCsv: string;
  weatherCsv: string;
  policies?: Policy[];
  charges?: Charges;
  timeZone?: string;
  timeLimitMs?: number;
  planner?: PlannerFn;
  progress?: BacktestInput['progress'];
}): Promise<BacktestRun> {
  const timeZone = opts.timeZone ?? 'Europe/Brussels';
  const heating = { ...defaultHeatingSettings(), timeZone };
  const charges = opts.charges ?? EXAMPLE_CHARGES;
  return runBacktest({
    prices: householdPrices(parsePriceCsv(opts.pricesCsv, 'price file'), charges, timeZone),
    charges: { charges, origin: opts.charges ? 'given' : 'example Belgian household charges' },
    heating,
    model: 'thermal',
    house: houseFrom({}, heating, false),
    computer: DEFAULT_COMPUTER,
    weather: readWeather(opts.weatherCsv, 'weather file'),
    timeZone,
    policies: opts.policies ?? ['planner', 'thermostat', 'always', 'threshold', 'none'],
    ...(opts.timeLimitMs !== undefined ? { timeLimitMs: opts.timeLimitMs } : {}),
    ...(opts.planner ? { planner: opts.planner } : {}),
    ...(opts.progress ? { progress: opts.progress } : {}),
  });
}
