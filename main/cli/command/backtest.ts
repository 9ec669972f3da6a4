import fs from 'node:fs';
import { backtest, bestThreshold, type BacktestResult, type BacktestSetup, type Policy } from '#core/planner/backtest';
import { parsePriceCsv, type PricePoint } from '#core/planner/price-csv';
import type { HeatingSettings } from '#contract/index';
import { heatDemand } from '#core/heating/demand';
import { defaultHeatingSettings } from '#core/heating/module';
import { parseWeatherCsv, requireWeather, weatherAt } from '#core/heating/weather-csv';
import { numberOption, UsageError, type Command } from '../command.ts';

function parsePolicy(v: string): Policy | 'best-threshold' {
  if (v === 'planner' || v === 'always' || v === 'thermostat' || v === 'best-threshold') return v;
  const m = /^threshold:(-?\d+(\.\d+)?)$/.exec(v);
  if (m) return { threshold: Number(m[1]) };
  throw new UsageError(`--policy expects planner, always, thermostat, best-threshold or threshold:X (price per kWh), got "${v}"`);
}

function dateOption(v: unknown, flag: string): number | undefined {
  if (typeof v !== 'string') return undefined;
  const t = Date.parse(v);
  if (!Number.isFinite(t)) throw new UsageError(`--${flag} expects a date such as 2023-01-01, got "${v}"`);
  return t;
}

const row = (label: string, t: BacktestResult['total']) =>
  `${label.padEnd(22)} ${t.energyKWh.toFixed(3).padStart(10)} ${t.usefulHeatKWh.toFixed(3).padStart(10)} ${t.heatCredit.toFixed(4).padStart(10)} ${t.cost.toFixed(4).padStart(10)} ${t.revenue.toFixed(4).padStart(10)} ${t.net.toFixed(4).padStart(10)}`;

/** Reads and parses a file option; an unreadable file or a bad line is a usage error naming it. */
function readParsed<T>(file: string, flag: string, parse: (text: string, name: string) => T): T {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read --${flag} ${file}: ${(e as Error).message}`);
  }
  try {
    return parse(text, file);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export const backtestCommand: Command = {
  name: 'backtest',
  summary: 'Replay a price file with the planner and naive policies side by side (€, kWh)',
  usage:
    '--prices FILE [--weather FILE [--heat-loss W/K] [--season-below C] [--setpoint C]] [--from DATE --to DATE] [--policy P]... [--power W] [--demand W] [--gas EUR/kWh] [--boiler-efficiency X] [--revenue EUR/h] [--tz ZONE] [--json]',
  options: {
    prices: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, policy: { type: 'string', multiple: true },
    power: { type: 'string' }, demand: { type: 'string' }, gas: { type: 'string' }, 'boiler-efficiency': { type: 'string' },
    revenue: { type: 'string' }, tz: { type: 'string' }, json: { type: 'boolean' }, weather: { type: 'string' },
    'heat-loss': { type: 'string' }, 'season-below': { type: 'string' }, setpoint: { type: 'string' },
  },
  async run({ values }) {
    const file = values['prices'];
    if (typeof file !== 'string') throw new UsageError('--prices FILE is required (a start_utc,eur_per_kwh CSV, e.g. test/fixtures/prices/be-day-ahead-2023.csv)');
    const weatherFile = values['weather'];
    if (weatherFile === undefined) {
      for (const f of ['heat-loss', 'season-below', 'setpoint']) if (values[f] !== undefined) throw new UsageError(`--${f} needs --weather FILE (without it, heat demand is --demand W, October to April)`);
    } else if (values['demand'] !== undefined) throw new UsageError('--demand and --weather exclude each other: with a weather file, demand is --heat-loss W/K × (setpoint − outdoor)');
    let prices: PricePoint[] = readParsed(file, 'prices', parsePriceCsv);
    const from = dateOption(values['from'], 'from') ?? -Infinity;
    const to = dateOption(values['to'], 'to') ?? Infinity;
    prices = prices.filter((p) => p.start >= from && p.start < to);
    if (!prices.length) throw new UsageError(`no prices in ${file} between --from and --to`);
    const gas = numberOption(values['gas'], 'gas', { min: 0, integer: false }) ?? 0.1;
    const eff = numberOption(values['boiler-efficiency'], 'boiler-efficiency', { min: 0.01, max: 1.5, integer: false }) ?? 0.9;
    const setup: BacktestSetup = {
      powerW: numberOption(values['power'], 'power', { min: 1, integer: false }) ?? 500,
      demandW: numberOption(values['demand'], 'demand', { min: 0, integer: false }) ?? 800,
      seasonMonths: [1, 2, 3, 4, 10, 11, 12],
      heatCreditPerKWh: gas / eff,
      revenuePerHour: numberOption(values['revenue'], 'revenue', { min: 0, integer: false }) ?? 0.002,
      timeZone: typeof values['tz'] === 'string' ? values['tz'] : 'Europe/Brussels',
    };
    let heating: (HeatingSettings & { file: string; points: number }) | null = null;
    // A common heating limit: below a 15 °C daily mean outside, a home needs heat.
    const seasonBelow = numberOption(values['season-below'], 'season-below', { min: -30, max: 30, integer: false }) ?? 15;
    if (typeof weatherFile === 'string') {
      const points = readParsed(weatherFile, 'weather', parseWeatherCsv);
      const outdoorAt = weatherAt(points);
      const ends = prices.map((p, i) => ({ start: p.start, end: prices[i + 1]?.start ?? p.start + 3_600_000 }));
      try {
        requireWeather(outdoorAt, ends, points, weatherFile);
      } catch (e) {
        throw new UsageError(`${(e as Error).message} (--from/--to)`);
      }
      const setpoint = numberOption(values['setpoint'], 'setpoint', { min: 5, max: 30, integer: false });
      const base = defaultHeatingSettings();
      const settings: HeatingSettings = {
        ...base,
        mode: 'schedule',
        schedule: setpoint === undefined ? base.schedule : base.schedule.map(() => [{ at: '00:00', c: setpoint }]),
        season: { kind: 'outdoor-below', c: seasonBelow },
        room: { ...base.room, heatLossWPerK: numberOption(values['heat-loss'], 'heat-loss', { min: 0, max: 2000, integer: false }) ?? 60 },
        heatSource: { kind: 'gas', pricePerKWh: gas, efficiency: eff },
        timeZone: setup.timeZone,
      };
      heating = { ...settings, file: weatherFile, points: points.length };
      // Every policy asks for the same slots' demand: worked out once (time-zone arithmetic per slot).
      let memo: { key: string; value: ReturnType<typeof heatDemand> } | null = null;
      setup.heat = (slots) => {
        const key = `${slots[0]?.start ?? 0}:${slots.length}`;
        if (memo?.key !== key) memo = { key, value: heatDemand(settings, slots.map((s) => ({ ...s, spot: null, currency: settings.currency })), { now: 0, indoor: null, outdoorAt, thermostatOn: false }) };
        return memo.value;
      };
    }
    const raw = values['policy'];
    const policies = (Array.isArray(raw) ? raw.map(String) : ['planner', 'always', 'thermostat', 'best-threshold']).map(parsePolicy);
    const results: BacktestResult[] = [];
    for (const p of policies) {
      const r = p === 'best-threshold' ? await bestThreshold(prices, setup) : await backtest(prices, setup, p);
      results.push(p === 'best-threshold' ? { ...r, policy: `best ${r.policy}` } : r);
    }
    if (values['json']) {
      const weather = heating && { file: heating.file, points: heating.points, heatLossWPerK: heating.room.heatLossWPerK, season: heating.season, schedule: heating.schedule };
      console.log(JSON.stringify({ setup, weather, results }, null, 2));
      return 0;
    }
    const demand = heating
      ? `heat demand ${heating.room.heatLossWPerK} W/K × (setpoint − outdoor from ${heating.file}) on days whose mean is below ${seasonBelow} °C`
      : `heat demand ${setup.demandW} W Oct–Apr`;
    console.log(`${file}: ${prices.length} slots, ${setup.powerW} W device, ${demand}, heat credit ${setup.heatCreditPerKWh.toFixed(4)} EUR/kWh (gas ${gas} / ${eff}), revenue ${setup.revenuePerHour} EUR/h`);
    const head = `${'policy'.padEnd(22)} ${'kWh'.padStart(10)} ${'heat kWh'.padStart(10)} ${'credit €'.padStart(10)} ${'cost €'.padStart(10)} ${'revenue €'.padStart(10)} ${'net €'.padStart(10)}`;
    const months = results[0]?.months.map((m) => m.month) ?? [];
    for (const [i, month] of months.entries()) {
      console.log(`\n${month}\n${head}`);
      for (const r of results) {
        const m = r.months[i];
        if (m) console.log(row(r.policy, m.totals));
      }
    }
    console.log(`\ntotal\n${head}`);
    for (const r of results) console.log(row(r.policy, r.total));
    return 0;
  },
};
