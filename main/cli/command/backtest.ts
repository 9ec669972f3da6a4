import fs from 'node:fs';
import path from 'node:path';
import Database from 'libsql';
import {
  chargesSchema,
  heatingSettingsSchema,
  SETPOINT_MAX_C,
  SETPOINT_MIN_C,
  type BacktestPolicy,
  type BacktestRun,
  type BacktestTotals,
  type Charges,
  type HeatingSettings,
  type HeatSource,
} from '#contract/index';
import { heatSourceOf } from '#contract/index';
import {
  DEFAULT_BACKTEST_TIME_LIMIT_MS,
  DEFAULT_COMPUTER,
  DEFAULT_PRICES_KNOWN_AT_HOUR,
  householdPrices,
  houseFrom,
  readWeather,
  runBacktest,
  toPolicy,
  TYPICAL_HOUSE,
} from '#core/backtest/setup';
import { defaultDataDir } from '#core/data-dir';
import { defaultHeatingSettings } from '#core/heating/setting';
import { LEDGER_FILE } from '#core/ledger/db';
import { BacktestInputError } from '#core/planner/backtest';
import { parsePriceCsv, type PricePoint } from '#core/planner/price-csv';
import { localToUtc } from '#core/time';
import { numberOption, UsageError, type Command, flagOptions, textOptions } from '../command.ts';

const POLICIES = ['planner', 'thermostat', 'always', 'threshold', 'none'] as const;
const SOURCES: HeatSource['kind'][] = ['gas', 'oil', 'district', 'heat-pump', 'resistive', 'none'];
/** The flag behind each figure the backtest may refuse. */
const FLAG: Record<string, string> = {
  uaWPerK: '--ua',
  capacityWhPerK: '--capacity',
  sourceCapW: '--source-cap',
  weather: '--weather',
  prices: '--prices',
  comfort: '--band',
  powerW: '--power',
};

function parsePolicy(v: string): BacktestPolicy {
  if ((POLICIES as readonly string[]).includes(v) || /^threshold:-?\d+(\.\d+)?$/.test(v)) return v as BacktestPolicy;
  throw new UsageError(
    `--policy expects planner, thermostat, always, threshold, none or threshold:X (price per kWh), got "${v}"`,
  );
}

/** A plain date is local midnight in the zone; anything else must carry its time. */
function dateOption(v: unknown, flag: string, timeZone: string): number | undefined {
  if (typeof v !== 'string') return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  const t = m ? localToUtc(Number(m[1]), Number(m[2]), Number(m[3]), 0, 0, timeZone) : Date.parse(v);
  if (!Number.isFinite(t))
    throw new UsageError(`--${flag} expects a date such as 2023-01-01 (local midnight in --tz), got "${v}"`);
  return t;
}

function readText(file: string, flag: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read --${flag} ${file}: ${(e as Error).message}`);
  }
}

/**
 * The heating and tariff settings saved in the data folder, read without opening the core (which
 * would start sensors and migrate the ledger); null where there is no ledger or no such setting.
 */
function storedSettings(dataDir: string): { heating: unknown; tariff: unknown } {
  const file = path.join(dataDir, LEDGER_FILE);
  if (!fs.existsSync(file)) return { heating: undefined, tariff: undefined };
  const db = new Database(file);
  try {
    const get = db.prepare('SELECT value FROM setting WHERE key = ?');
    const read = (key: string): unknown => {
      const row = get.get(key) as { value: string } | undefined;
      return row ? JSON.parse(row.value) : undefined;
    };
    return { heating: read('heating'), tariff: read('tariff') };
  } catch {
    return { heating: undefined, tariff: undefined };
  } finally {
    db.close();
  }
}

/** "20-22.5" → the band; upside down or outside room temperatures is a usage error naming --band. */
function parseBand(v: string): { minC: number; maxC: number } {
  const m = /^(\d+(?:\.\d+)?)\s*(?:-|–|\.\.)\s*(\d+(?:\.\d+)?)$/.exec(v.trim());
  if (!m) throw new UsageError(`--band expects LOW-HIGH in °C, such as 20-22.5, got "${v}"`);
  const lo = Number(m[1]);
  const hi = Number(m[2]);
  if (lo > hi)
    throw new UsageError(
      `--band ${v} is upside down: its lower bound ${lo} °C is above its upper bound ${hi} °C; give LOW-HIGH, such as ${hi}-${lo}`,
    );
  if (lo < SETPOINT_MIN_C || hi > SETPOINT_MAX_C + 5)
    throw new UsageError(
      `--band ${v}: a room's comfort band lies between ${SETPOINT_MIN_C} °C and ${SETPOINT_MAX_C + 5} °C`,
    );
  return { minC: lo, maxC: hi };
}

/** "-7:2.5,7:3.5" → COP points (outdoor °C : COP). */
function parseCop(v: string): { outdoorC: number; cop: number }[] {
  const pts = v.split(',').map((p) => {
    const m = /^\s*(-?\d+(?:\.\d+)?)\s*:\s*(\d+(?:\.\d+)?)\s*$/.exec(p);
    if (!m || !(Number(m[2]) > 0))
      throw new UsageError(`--cop expects outdoor°C:COP pairs such as "-7:2.5,7:3.5", got "${v}"`);
    return { outdoorC: Number(m[1]), cop: Number(m[2]) };
  });
  return pts;
}

/** The heat source: the settings', another kind named by --heat-source, then the price, efficiency and COP flags. */
function heatSourceFrom(values: Record<string, unknown>, settings: HeatSource): HeatSource {
  const kind = values['heat-source'];
  if (kind !== undefined && !SOURCES.includes(kind as HeatSource['kind']))
    throw new UsageError(`--heat-source expects ${SOURCES.join(', ')}, got "${String(kind)}"`);
  let src: HeatSource =
    kind === undefined || kind === settings.kind ? settings : heatSourceOf(kind as HeatSource['kind']);
  const price = numberOption(values['gas-price'], 'gas-price', { min: 0, max: 100, integer: false });
  if (price !== undefined) {
    if (src.kind !== 'gas' && src.kind !== 'oil' && src.kind !== 'district')
      throw new UsageError(
        `--gas-price sets the price per kWh of gas, oil or district heat; the heat source is ${src.kind} (choose one with --heat-source)`,
      );
    src = { ...src, pricePerKWh: price };
  }
  const eff = numberOption(values['efficiency'], 'efficiency', { min: 0.01, max: 1.1, integer: false });
  if (eff !== undefined) {
    if (src.kind !== 'gas' && src.kind !== 'oil')
      throw new UsageError(`--efficiency is a gas or oil boiler's; the heat source is ${src.kind}`);
    src = { ...src, efficiency: eff };
  }
  if (typeof values['cop'] === 'string') {
    if (src.kind !== 'heat-pump')
      throw new UsageError(`--cop is a heat pump's; the heat source is ${src.kind} (choose --heat-source heat-pump)`);
    src = { ...src, cop: parseCop(values['cop']) };
  }
  return src;
}

/** Charges from the flags when any is given, else the saved tariff settings', else none. */
function chargesFrom(
  values: Record<string, unknown>,
  tariff: unknown,
  dataDir: string,
): { charges: Charges; origin: string } {
  const fee = numberOption(values['grid-fee'], 'grid-fee', { min: -10, max: 10, integer: false });
  const levies = numberOption(values['levies'], 'levies', { min: -10, max: 10, integer: false });
  const vat = numberOption(values['vat'], 'vat', { min: 0, max: 1, integer: false });
  if (fee !== undefined || levies !== undefined || vat !== undefined) {
    return { charges: { perKWh: (fee ?? 0) + (levies ?? 0), tax: vat ?? 0 }, origin: '--grid-fee, --levies, --vat' };
  }
  const saved = chargesSchema.safeParse((tariff as { charges?: unknown } | undefined)?.charges);
  if (saved.success) return { charges: saved.data, origin: `the tariff settings in ${dataDir}` };
  return { charges: { perKWh: 0, tax: 0 }, origin: 'none configured: set --grid-fee, --levies and --vat' };
}

// ---------------------------------------------------------------------------------------------
// Output

/** A progress bar on a terminal, one line per tenth otherwise (a log file or a pipe). */
function progressOn(stream: NodeJS.WriteStream): (p: { policy: string; done: number; total: number }) => void {
  let shown = { policy: '', tenth: -1 };
  return (p) => {
    const frac = p.total > 0 ? p.done / p.total : 1;
    const unit = p.policy === 'planner' ? ' plans' : p.policy === 'threshold' ? ' prices tried' : '';
    if (stream.isTTY) {
      const width = 30;
      const n = Math.round(frac * width);
      stream.write(
        `\r${p.policy.padEnd(14)} [${'#'.repeat(n)}${'.'.repeat(width - n)}] ${String(Math.floor(frac * 100)).padStart(3)} % ${p.done}/${p.total}${unit}\x1b[K`,
      );
      if (p.done >= p.total) stream.write('\n');
      return;
    }
    const tenth = Math.floor(frac * 10);
    if (p.policy !== shown.policy) shown = { policy: p.policy, tenth: -1 };
    if (tenth > shown.tenth) {
      shown.tenth = tenth;
      stream.write(`${p.policy}: ${tenth * 10} % (${p.done}/${p.total}${unit})\n`);
    }
  };
}

/** Money to the cent; a rounding-sized difference shows as 0.00, not −0.00. */
const cents = (v: number, sign = false) => {
  const r = Math.abs(v) < 0.005 ? 0 : v;
  return `${sign && r >= 0 ? '+' : ''}${r.toFixed(2)}`;
};

const COLUMNS: { head: string; width: number; cell: (t: BacktestTotals) => string }[] = [
  { head: 'net €', width: 8, cell: (t) => cents(t.net) },
  { head: 'vs none', width: 8, cell: (t) => (t.savingVsNone === undefined ? '–' : cents(t.savingVsNone, true)) },
  { head: 'elec kWh', width: 8, cell: (t) => t.electricityKWh.toFixed(1) },
  { head: 'elec €', width: 7, cell: (t) => cents(t.electricityCost) },
  { head: 'fuel €', width: 7, cell: (t) => cents(t.fuelCost) },
  { head: 'PC kWh', width: 7, cell: (t) => t.computeKWh.toFixed(1) },
  { head: 'cold K·h', width: 8, cell: (t) => t.comfortKh.toFixed(1) },
  { head: 'starts', width: 6, cell: (t) => String(Math.round(t.starts)) },
];

/** One row per policy (per month and policy with --months): it fits a terminal, the total never scrolls away. */
export function formatTable(run: BacktestRun, months: boolean): string[] {
  const label = (r: BacktestRun['results'][number]) => r.policy;
  const w = Math.max(8, ...run.results.map((r) => label(r).length)) + (months ? 9 : 0);
  const head = `${(months ? 'month    policy' : 'policy').padEnd(w)} ${COLUMNS.map((c) => c.head.padStart(c.width)).join(' ')}`;
  const row = (name: string, t: BacktestTotals) =>
    `${name.padEnd(w)} ${COLUMNS.map((c) => c.cell(t).padStart(c.width)).join(' ')}`;
  const lines = [head];
  if (months) {
    const names = run.results[0]?.months.map((m) => m.month) ?? [];
    for (const [i, m] of names.entries())
      for (const r of run.results) lines.push(row(`${m}  ${label(r)}`, r.months[i]?.totals ?? r.total));
    lines.push('');
    lines.push(head.replace('month    policy', 'total    policy'));
    for (const r of run.results) lines.push(row(`total    ${label(r)}`, r.total));
  } else for (const r of run.results) lines.push(row(label(r), r.total));
  return lines;
}

/** What each policy did beyond the table: the planner's plan statuses, the threshold found. */
export function formatNotes(run: BacktestRun): string[] {
  const out: string[] = [];
  for (const r of run.results) {
    if (r.statuses) {
      const s = r.statuses;
      out.push(
        `planner: ${r.plans ?? 0} plans, ${s.optimal} optimal, ${s.feasible} stopped at the time limit (feasible), ${s.heuristic} heuristic; ${(r.elapsedMs / 1000).toFixed(1)} s`,
      );
    }
    if (r.threshold !== undefined)
      out.push(
        `${r.policy}: the computer runs at or below ${r.threshold.toFixed(4)} ${run.currency}/kWh (household price)`,
      );
  }
  out.push('net = mining − electricity − fuel (€); vs none = net − the net of heating without the computer;');
  out.push('elec = the computer + a heat pump or resistive heater; fuel = gas, oil or district heat;');
  out.push(
    "PC kWh = the computer's electricity, all of it heat in the house; cold K·h = kelvin-hours below the comfort band.",
  );
  return out;
}

export const backtestCommand: Command = {
  name: 'backtest',
  summary: 'Replay a year of prices and weather: the planner against simple rules, in € and comfort',
  usage:
    '--prices FILE --weather FILE [--from DATE --to DATE] [--policy planner|thermostat|always|threshold|none|threshold:X]... ' +
    '[--ua W/K] [--capacity Wh/K] [--source-cap W] [--band LOW-HIGH | --band-width K] ' +
    '[--heat-source gas|oil|district|heat-pump|resistive|none] [--gas-price EUR/kWh] [--efficiency X] [--cop "-7:2.5,7:3.5"] ' +
    '[--grid-fee EUR/kWh] [--levies EUR/kWh] [--vat FRACTION] [--power W] [--revenue EUR/h] [--time-limit MS] [--prices-known-at HOUR] ' +
    '[--demand-model] [--tz ZONE] [--data-dir DIR] [--months] [--json]',
  options: {
    ...flagOptions('demand-model', 'months', 'json'),
    ...textOptions(
      'prices',
      'weather',
      'from',
      'to',
      'ua',
      'capacity',
      'source-cap',
      'band',
      'band-width',
      'heat-source',
      'gas-price',
      'efficiency',
      'cop',
      'grid-fee',
      'levies',
      'vat',
      'power',
      'revenue',
      'time-limit',
      'prices-known-at',
      'tz',
      'data-dir',
    ),
    policy: { type: 'string', multiple: true },
  },
  async run({ values }) {
    const file = values['prices'];
    if (typeof file !== 'string')
      throw new UsageError(
        '--prices FILE is required (a start_utc,eur_per_kwh spot price CSV, e.g. test/fixtures/prices/be-day-ahead-2023.csv)',
      );
    const model = values['demand-model'] ? 'demand' : 'thermal';
    const weatherFile = values['weather'];
    if (model === 'thermal' && typeof weatherFile !== 'string') {
      throw new UsageError(
        '--weather FILE is required: the thermal model needs hourly outdoor temperatures for the whole period (e.g. test/fixtures/weather/aachen-2023-hourly.csv), or use --demand-model',
      );
    }
    const dataDir = typeof values['data-dir'] === 'string' ? values['data-dir'] : defaultDataDir();
    const stored = storedSettings(dataDir);
    const parsed = stored.heating === undefined ? null : heatingSettingsSchema.safeParse(stored.heating);
    const saved = parsed?.success ? parsed.data : null;
    const timeZone = typeof values['tz'] === 'string' ? values['tz'] : (saved?.timeZone ?? 'Europe/Brussels');
    try {
      new Intl.DateTimeFormat('en', { timeZone });
    } catch {
      throw new UsageError(`--tz expects an IANA time zone such as Europe/Brussels, got "${timeZone}"`);
    }
    let heating: HeatingSettings = { ...(saved ?? defaultHeatingSettings()), timeZone };
    heating = { ...heating, heatSource: heatSourceFrom(values, heating.heatSource) };
    if (typeof values['band'] === 'string') {
      if (values['band-width'] !== undefined)
        throw new UsageError('--band sets both edges of the band; leave out --band-width');
      const b = parseBand(values['band']);
      heating = { ...heating, schedule: heating.schedule.map(() => [{ at: '00:00', c: b.minC, maxC: b.maxC }]) };
    }
    const width = numberOption(values['band-width'], 'band-width', { integer: false });
    if (width !== undefined) {
      if (width < 0)
        throw new UsageError(
          `--band-width ${width} K would turn the comfort band upside down (its upper edge below the setpoint); give 0 K or more (default 2)`,
        );
      heating = { ...heating, schedule: heating.schedule.map((day) => day.map((e) => ({ ...e, maxC: e.c + width }))) };
    }
    const ua = numberOption(values['ua'], 'ua', { max: 5_000, integer: false });
    if (ua !== undefined && !(ua > 0))
      throw new UsageError(
        `--ua is ${ua} W/K: a house loses heat; give its heat-loss coefficient above 0 (a typical 120 m² house: about ${TYPICAL_HOUSE.uaWPerK} W/K)`,
      );
    const capacity = numberOption(values['capacity'], 'capacity', { max: 1_000_000, integer: false });
    if (capacity !== undefined && !(capacity > 0))
      throw new UsageError(
        `--capacity is ${capacity} Wh/K; give the house's heat capacity above 0 (a typical 120 m² house: about ${TYPICAL_HOUSE.capacityWhPerK} Wh/K)`,
      );
    const sourceCap = numberOption(values['source-cap'], 'source-cap', { min: 0, max: 1_000_000, integer: false });
    const house = houseFrom(
      { uaWPerK: ua, capacityWhPerK: capacity, sourceCapW: sourceCap },
      heating,
      saved?.mode === 'thermal',
    );

    let points: PricePoint[];
    try {
      points = parsePriceCsv(readText(file, 'prices'), file);
    } catch (e) {
      throw e instanceof UsageError ? e : new UsageError((e as Error).message);
    }
    const from = dateOption(values['from'], 'from', timeZone) ?? -Infinity;
    const to = dateOption(values['to'], 'to', timeZone) ?? Infinity;
    points = points.filter((p) => p.start >= from && p.start < to);
    if (!points.length) throw new UsageError(`no prices in ${file} between --from and --to`);
    const charges = chargesFrom(values, stored.tariff, dataDir);
    const raw = values['policy'];
    const policies = (Array.isArray(raw) ? raw.map(String) : [...POLICIES]).map(parsePolicy);
    const timeLimitMs =
      numberOption(values['time-limit'], 'time-limit', { min: 50, max: 600_000 }) ?? DEFAULT_BACKTEST_TIME_LIMIT_MS;
    const pricesKnownAtHour =
      numberOption(values['prices-known-at'], 'prices-known-at', { min: 0, max: 23 }) ?? DEFAULT_PRICES_KNOWN_AT_HOUR;
    const computer = {
      powerW:
        numberOption(values['power'], 'power', { min: 1, max: 100_000, integer: false }) ?? DEFAULT_COMPUTER.powerW,
      revenuePerHour:
        numberOption(values['revenue'], 'revenue', { min: 0, max: 100, integer: false }) ??
        DEFAULT_COMPUTER.revenuePerHour,
    };
    const progress = progressOn(process.stderr);
    let run: BacktestRun;
    try {
      run = await runBacktest({
        prices: householdPrices(points, charges.charges, timeZone),
        charges,
        heating,
        model,
        house,
        computer,
        weather: typeof weatherFile === 'string' ? readWeather(readText(weatherFile, 'weather'), weatherFile) : null,
        timeZone,
        policies: policies.map(toPolicy),
        timeLimitMs,
        pricesKnownAtHour,
        progress: (p) => progress({ policy: policies[p.step] ?? p.policy, done: p.done, total: p.total }),
      });
    } catch (e) {
      if (e instanceof BacktestInputError) throw new UsageError(`${FLAG[e.field] ?? e.field}: ${e.message}`);
      throw e;
    }
    if (values['json']) {
      console.log(JSON.stringify(run, null, 2));
      return 0;
    }
    const local = (ms: number) => new Date(ms).toLocaleString('sv-SE', { timeZone }).slice(0, 16);
    console.log(
      `${path.basename(file)}: ${run.slots} slots, ${local(run.from)} to ${local(run.to)} (${timeZone}), ${model} model; ${computer.powerW} W computer mining ${computer.revenuePerHour} ${run.currency}/h`,
    );
    for (const line of run.setup.lines) console.log(line);
    console.log('');
    for (const line of formatTable(run, values['months'] === true)) console.log(line);
    console.log('');
    for (const line of formatNotes(run)) console.log(line);
    return 0;
  },
};
