import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  heatSourceOf,
  SETPOINT_MAX_C,
  SETPOINT_MIN_C,
  type BacktestArgs,
  type BacktestPolicy,
  type BacktestRun,
  type BacktestTotals,
  type Charges,
  type HeatSource,
} from '#contract/index';
import { startCore, type Core } from '#core/app';
import { backtestModule } from '#core/backtest/module';
import { TYPICAL_HOUSE } from '#core/backtest/setup';
import { dispatch } from '#core/handler';
import { heatingModule } from '#core/heating/module';
import { LEDGER_FILE } from '#core/ledger/db';
import { createdOnly } from '#core/module';
import { tariffModule } from '#core/tariff/module';
import { localToUtc } from '#core/time';
import { dataDirOf, errorsOnlyLog } from '../client.ts';
import {
  DATA_DIR_DOC,
  numberOption,
  progressBar,
  UsageError,
  type Command,
  flagOptions,
  textOptions,
} from '../command.ts';

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
  heatSource: '--heat-source',
  period: '--from/--to',
  pricesCsv: '--prices',
  to: '--to',
  from: '--from',
};
/**
 * What to do, in the command's terms, where the page's hint would name its own controls; other
 * refusals already say what to do.
 */
const CLI_HINT: Record<string, string> = {
  period: 'import prices for that period with "hearth prices import FILE", or give --prices FILE',
  pricesCsv: 'give a spot price file with start_utc,eur_per_kwh columns',
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

/**
 * The charges with the flags applied to the saved ones: --grid-fee and --levies together replace
 * the saved amount per kWh (and its time-of-day zones), --vat the saved tax; undefined when no
 * flag is given (the core then uses the saved charges).
 */
function chargesFrom(values: Record<string, unknown>, saved: Charges): Charges | undefined {
  const fee = numberOption(values['grid-fee'], 'grid-fee', { min: -10, max: 10, integer: false });
  const levies = numberOption(values['levies'], 'levies', { min: -10, max: 10, integer: false });
  const vat = numberOption(values['vat'], 'vat', { min: 0, max: 1, integer: false });
  if (fee === undefined && levies === undefined && vat === undefined) return undefined;
  const perKWh = fee !== undefined || levies !== undefined ? { perKWh: (fee ?? 0) + (levies ?? 0) } : {};
  const { zones, ...rest } = saved;
  return {
    ...rest,
    ...(zones && !('perKWh' in perKWh) ? { zones } : {}),
    ...perKWh,
    ...(vat !== undefined ? { tax: vat } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Output

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

/** "planner: ..." lines: what the run assumed and where each came from. */
export function formatAssumptions(run: BacktestRun): string[] {
  const w = Math.max(...run.setup.assumptions.map((a) => a.topic.length));
  return run.setup.assumptions.map((a) => `  ${`${a.topic}:`.padEnd(w + 1)} ${a.text} [${a.origin}]`);
}

/**
 * The data folder's tariff, heating and backtest domains, created but not started (no fetch, no
 * sensor): the backtest the Plan page runs, on the settings saved there.
 */
async function backtestCore(dataDir: string): Promise<Core> {
  return startCore({
    dataDir,
    modules: [
      createdOnly(tariffModule({ cron: false })),
      createdOnly(heatingModule({ cron: false })),
      backtestModule(),
    ],
    log: errorsOnlyLog,
  });
}

export const backtestCommand: Command = {
  name: 'backtest',
  summary: 'Replay past prices and weather with the saved settings: the planner against simple rules, in € and comfort',
  usage:
    '[--prices FILE] --weather FILE [--from DATE --to DATE] [--policy P]... [house, heat source, charges and computer flags] [--months] [--json]',
  details:
    'The saved settings of the data folder (heating schedule and heat source, the tariff and its charges, the\n' +
    'stored prices: an imported price file, else the day-ahead prices fetched) are used unless a flag overrides\n' +
    'one; the Plan page runs the same backtest. The output starts with one row per policy, then every assumption\n' +
    'with where it came from: [saved], [given] (a flag), [default] (nothing saved or given: check it) or [data].',
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
  docs: {
    prices: {
      value: 'FILE',
      text: 'a start_utc,eur_per_kwh spot price file instead of the stored prices',
      default: 'the prices stored in the data folder, which hearth prices import FILE adds',
    },
    weather: { value: 'FILE', text: 'hourly outdoor temperatures (time,temp_c or an Open-Meteo CSV export)' },
    from: {
      value: 'DATE',
      text: 'first day (local midnight in --tz)',
      default: "the price file's first",
      example: '2023-01-01',
    },
    to: { value: 'DATE', text: 'day after the last', default: "the price file's end", example: '2023-02-01' },
    policy: {
      value: 'P',
      text: 'planner, thermostat, always, threshold, none or threshold:X; repeat for several',
      default: 'the first five',
    },
    ua: {
      value: 'W/K',
      text: "the house's heat-loss coefficient",
      default: 'heating settings in thermal mode, else 200',
      unit: 'W/K',
    },
    capacity: {
      value: 'Wh/K',
      text: "the house's heat capacity",
      default: 'heating settings in thermal mode, else 10000',
      unit: 'Wh/K',
    },
    'source-cap': {
      value: 'W',
      text: "the heat source's most output",
      default: 'heating settings, else 10000',
      unit: 'W',
    },
    band: {
      value: 'LOW-HIGH',
      text: 'one comfort band all day, °C',
      default: 'the heating schedule',
      example: '20-22',
    },
    'band-width': { value: 'K', text: "the band's upper edge above each setpoint", default: '2', unit: 'K' },
    'heat-source': {
      value: 'KIND',
      text: 'gas, oil, district, heat-pump, resistive or none',
      default: 'the heating settings',
    },
    'gas-price': {
      value: 'EUR/kWh',
      text: 'price of gas, oil or district heat',
      default: 'the heating settings, else 0.10',
      unit: 'EUR/kWh',
    },
    efficiency: {
      value: 'X',
      text: "a boiler's efficiency",
      default: 'the heating settings, else 0.9',
      example: '0.9',
    },
    cop: { value: '"-7:2.5,7:3.5"', text: "a heat pump's COP by outdoor °C", default: 'the heating settings' },
    'grid-fee': {
      value: 'EUR/kWh',
      text: 'added to spot prices (with --levies)',
      default: 'the tariff settings',
      unit: 'EUR/kWh',
      example: '0.09',
    },
    levies: {
      value: 'EUR/kWh',
      text: 'added to spot prices (with --grid-fee)',
      default: 'the tariff settings',
      unit: 'EUR/kWh',
      example: '0.03',
    },
    vat: { value: 'FRACTION', text: 'tax on top, 0.06 for 6 %', default: 'the tariff settings', example: '0.06' },
    power: { value: 'W', text: "the computer's power while it runs", default: '500', unit: 'W' },
    revenue: { value: 'EUR/h', text: 'its mining value at full power', default: '0.002', unit: 'EUR per hour' },
    'time-limit': { value: 'MS', text: "HiGHS's limit per plan", default: '2000', unit: 'ms' },
    'prices-known-at': {
      value: 'HOUR',
      text: "local hour the next day's prices are published",
      default: '13',
      unit: 'hours',
    },
    'demand-model': { text: 'the older model without thermal simulation (needs no --weather)' },
    tz: {
      value: 'ZONE',
      text: 'zone for days, months and the schedule',
      default: "the heating settings', else Europe/Brussels",
    },
    'data-dir': { ...DATA_DIR_DOC, text: 'the data folder whose settings and prices are used; nothing is saved there' },
    months: { text: 'a row per month and policy after the totals' },
    json: { text: 'the whole run as JSON (what the Plan page gets)' },
  },
  examples: [
    'hearth backtest --weather test/fixtures/weather/aachen-2023-hourly.csv --from 2023-01-01 --to 2023-02-01',
    'hearth backtest --prices test/fixtures/prices/be-day-ahead-2023.csv --weather test/fixtures/weather/aachen-2023-hourly.csv --heat-source heat-pump',
  ],
  async run({ values }) {
    const file = values['prices'];
    const model = values['demand-model'] ? 'demand' : 'thermal';
    const weatherFile = values['weather'];
    if (model === 'thermal' && typeof weatherFile !== 'string') {
      throw new UsageError(
        '--weather FILE is required: the thermal model needs hourly outdoor temperatures for the whole period (e.g. test/fixtures/weather/aachen-2023-hourly.csv), or use --demand-model',
      );
    }
    if (typeof file !== 'string' && (values['from'] === undefined || values['to'] === undefined))
      throw new UsageError(
        'give the period with --from and --to (the stored prices are replayed there), or a price file with --prices FILE (e.g. test/fixtures/prices/be-day-ahead-2023.csv)',
      );
    const raw = values['policy'];
    const policies = (Array.isArray(raw) ? raw.map(String) : [...POLICIES]).map(parsePolicy);
    const timeLimitMs = numberOption(values['time-limit'], 'time-limit', { min: 50, max: 60_000 });
    const pricesKnownAtHour = numberOption(values['prices-known-at'], 'prices-known-at', { min: 0, max: 23 });
    const powerW = numberOption(values['power'], 'power', { min: 1, max: 100_000, integer: false });
    const revenuePerHour = numberOption(values['revenue'], 'revenue', { min: 0, max: 100, integer: false });
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
    let comfort: BacktestArgs['comfort'];
    if (typeof values['band'] === 'string') {
      if (values['band-width'] !== undefined)
        throw new UsageError('--band sets both edges of the band; leave out --band-width');
      comfort = parseBand(values['band']);
    }
    const width = numberOption(values['band-width'], 'band-width', { integer: false });
    if (width !== undefined) {
      if (width < 0)
        throw new UsageError(
          `--band-width ${width} K would turn the comfort band upside down (its upper edge below the setpoint); give 0 K or more (default 2)`,
        );
      comfort = { widthK: width };
    }
    const pricesCsv =
      typeof file === 'string' ? { name: path.basename(file), csv: readText(file, 'prices') } : undefined;
    const weatherCsv = typeof weatherFile === 'string' ? readText(weatherFile, 'weather') : undefined;

    const dataDir = dataDirOf(values);
    // A folder without a ledger has nothing saved: the defaults are read from a scratch folder
    // rather than creating a ledger where the user keeps none.
    const scratch = fs.existsSync(path.join(dataDir, LEDGER_FILE))
      ? null
      : fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-backtest-'));
    const core = await backtestCore(scratch ?? dataDir);
    try {
      const heatingSaved = core.db.prepare("SELECT 1 FROM setting WHERE key = 'heating'").get() !== undefined;
      const savedHeating = core.service('heating').settings();
      const timeZone =
        typeof values['tz'] === 'string' ? values['tz'] : heatingSaved ? savedHeating.timeZone : 'Europe/Brussels';
      try {
        new Intl.DateTimeFormat('en', { timeZone });
      } catch {
        throw new UsageError(`--tz expects an IANA time zone such as Europe/Brussels, got "${timeZone}"`);
      }
      const heatSource = heatSourceFrom(values, savedHeating.heatSource);
      const charges = chargesFrom(values, core.service('tariff').charges());
      const from = dateOption(values['from'], 'from', timeZone);
      const to = dateOption(values['to'], 'to', timeZone);
      const house = {
        ...(ua !== undefined ? { uaWPerK: ua } : {}),
        ...(capacity !== undefined ? { capacityWhPerK: capacity } : {}),
        ...(sourceCap !== undefined ? { sourceCapW: sourceCap } : {}),
      };
      const args: BacktestArgs = {
        policies,
        model,
        timeZone,
        runId: 'cli',
        ...(from !== undefined ? { from } : {}),
        ...(to !== undefined ? { to } : {}),
        ...(pricesCsv ? { pricesCsv } : {}),
        ...(weatherCsv !== undefined ? { weatherCsv, weatherName: path.basename(String(weatherFile)) } : {}),
        ...(heatSource !== savedHeating.heatSource ? { heatSource } : {}),
        ...(charges ? { charges } : {}),
        ...(comfort ? { comfort } : {}),
        ...(Object.keys(house).length ? { house } : {}),
        ...(powerW !== undefined ? { powerW } : {}),
        ...(revenuePerHour !== undefined ? { revenuePerHour } : {}),
        ...(timeLimitMs !== undefined ? { timeLimitMs } : {}),
        ...(pricesKnownAtHour !== undefined ? { pricesKnownAtHour } : {}),
      };
      const progress = progressBar();
      const off = core.events.on('plan-backtest-progress', (p) =>
        progress(
          p.policy,
          p.done,
          p.total,
          p.policy === 'planner' ? 'plans' : p.policy === 'threshold' ? 'prices tried' : '',
        ),
      );
      const answer = await dispatch(core.handlers, 'plan-backtest', args);
      off();
      if (!answer.ok) {
        const e = answer.error;
        const field = e.field ?? '';
        const flag = FLAG[field];
        const hint = CLI_HINT[field];
        if (e.code === 'bad-request')
          throw new UsageError(`${flag ? `${flag}: ` : ''}${e.message.replace(/\.$/, '')}${hint ? `: ${hint}` : ''}`);
        throw new Error(e.message);
      }
      const run = answer.result as BacktestRun;
      if (values['json']) {
        console.log(JSON.stringify(run, null, 2));
        return 0;
      }
      for (const line of formatTable(run, values['months'] === true)) console.log(line);
      console.log('');
      console.log('assumed:');
      for (const line of formatAssumptions(run)) console.log(line);
      console.log('');
      for (const line of formatNotes(run)) console.log(line);
      return 0;
    } finally {
      await core.close();
      if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
    }
  },
};
