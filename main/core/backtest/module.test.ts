import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BacktestProgress, BacktestRun } from '#contract/index';
import type { Core } from '#core/app';
import { dispatch } from '#core/handler';
import { heatDemand } from '#core/heating/demand';
import { defaultHeatingSettings, heatingModule } from '#core/heating/module';
import { parseWeatherCsv, weatherAt } from '#core/heating/weather-csv';
import { backtest } from '#core/planner/backtest';
import { parsePriceCsv } from '#core/planner/price-csv';
import { tariffModule } from '#core/tariff/module';
import { PRICES_DIR, WEATHER_DIR } from '../../../test/fixtures/data.ts';
import { backtestModule } from './module.ts';
import { testCores } from '../../../test/headless/core.ts';

const cores = testCores('hearth-backtest-');

const JAN = { from: Date.UTC(2022, 11, 31, 23), to: Date.UTC(2023, 0, 31, 23) };
const prices2023 = fs.readFileSync(path.join(PRICES_DIR, 'be-day-ahead-2023.csv'), 'utf8');
const weather = fs.readFileSync(path.join(WEATHER_DIR, 'synthetic-2023-01.csv'), 'utf8');

/** A real core (SQLite file in a temp folder) whose tariff holds the imported 2023 Belgian prices. */
async function coreWithPrices(): Promise<Core> {
  const core = await cores.start({ dataDir: cores.dir(), modules: [tariffModule({ cron: false }), heatingModule({ cron: false }), backtestModule()] });
  const conf = await dispatch(core.handlers, 'tariff-configure', { tariff: { kind: 'csv', currency: 'EUR' }, charges: { perKWh: 0, tax: 0 }, timeZone: 'Europe/Brussels', skipCheck: true });
  expect(conf.ok, JSON.stringify(conf)).toBe(true);
  const imp = await dispatch(core.handlers, 'tariff-import-csv', { csv: prices2023 });
  expect(imp.ok, JSON.stringify(imp)).toBe(true);
  return core;
}

async function run(core: Core, args: Record<string, unknown>): Promise<BacktestRun> {
  const r = await dispatch(core.handlers, 'plan-backtest', args);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.result as BacktestRun;
}

describe('plan-backtest', () => {
  it('replays the stored prices per policy with per-month and total rows, pushing progress, and the planner nets the most', async () => {
    const core = await coreWithPrices();
    const progress: BacktestProgress[] = [];
    core.events.on('plan-backtest-progress', (p) => progress.push(p));
    const r = await run(core, { ...JAN, policies: ['planner', 'always', 'thermostat', 'best-threshold'], powerW: 500, heatCreditPerKWh: 0.1 / 0.9, revenuePerHour: 0.002, weatherCsv: weather, timeZone: 'Europe/Brussels', runId: 'jan' });
    expect(r).toMatchObject({ runId: 'jan', slots: 744, currency: 'EUR', timeZone: 'Europe/Brussels', demand: { source: 'weather', heatLossWPerK: 60, weatherPoints: 744 } });
    expect(r.results.map((x) => x.policy.split(':')[0])).toEqual(['planner', 'always', 'thermostat', 'best threshold']);
    const [planner, ...rest] = r.results;
    for (const o of rest) expect(planner?.total.net, o.policy).toBeGreaterThan(o.total.net);
    expect(planner?.months.map((m) => m.month)).toEqual(['2023-01']);
    expect(planner?.months[0]?.totals.net).toBeCloseTo(planner?.total.net ?? NaN, 9);
    expect(rest[0]?.total.energyKWh).toBeCloseTo(0.5 * 744, 9);
    // Progress: the planner's 31 days one by one (a percentage each), then one step per baseline.
    const plannerSteps = progress.filter((p) => p.step === 0);
    expect(plannerSteps.at(-1)).toEqual({ runId: 'jan', policy: 'planner', step: 0, steps: 4, done: 31, total: 31 });
    expect(plannerSteps.length).toBeGreaterThan(20);
    expect(progress.filter((p) => p.step > 0).map((p) => [p.policy, p.done, p.total])).toEqual([
      ['always', 1, 1],
      ['thermostat', 1, 1],
      ['best-threshold', 1, 1],
    ]);
  }, 120_000);

  it('without weather, demand comes from the heating settings at their fallback outdoor temperature; the weather changes the result', async () => {
    const core = await coreWithPrices();
    const args = { ...JAN, policies: ['planner'], powerW: 500, timeZone: 'Europe/Brussels' };
    const flat = await run(core, args);
    expect(flat.demand).toEqual({ source: 'fallback', heatLossWPerK: 60, outdoorC: 5, weatherPoints: 0 });
    // The default heat source is gas at 0.10 per kWh and 90 % efficiency: some heat is credited.
    expect(flat.results[0]?.total.heatCredit).toBeGreaterThan(0);
    const withWeather = await run(core, { ...args, weatherCsv: weather });
    expect(withWeather.results[0]?.total.heatCredit).not.toBeCloseTo(flat.results[0]?.total.heatCredit ?? 0, 2);
  }, 120_000);

  it('gives the same figures as one pass of the heating model over the whole period (its week-sized chunks change nothing)', async () => {
    const core = await coreWithPrices();
    const r = await run(core, { ...JAN, policies: ['planner', 'thermostat'], powerW: 500, revenuePerHour: 0.002, weatherCsv: weather, timeZone: 'Europe/Brussels' });
    const settings = { ...defaultHeatingSettings(), mode: 'schedule' as const };
    const outdoorAt = weatherAt(parseWeatherCsv(weather));
    const prices = parsePriceCsv(prices2023).filter((p) => p.start >= JAN.from && p.start < JAN.to);
    const setup = {
      powerW: 500,
      demandW: 0,
      seasonMonths: [],
      heatCreditPerKWh: 0,
      revenuePerHour: 0.002,
      timeZone: 'Europe/Brussels',
      heat: (slots: { start: number; end: number; price: number }[]) =>
        heatDemand(settings, slots.map((s) => ({ ...s, spot: null, currency: 'EUR' })), { now: 0, indoor: null, outdoorAt, thermostatOn: false }).map((h) => ({ demandW: h.demandW, creditPerKWh: h.creditPerKWh })),
    };
    for (const [i, policy] of (['planner', 'thermostat'] as const).entries()) {
      const direct = await backtest(prices, setup, policy);
      const got = r.results[i]?.total;
      for (const k of ['energyKWh', 'usefulHeatKWh', 'heatCredit', 'cost', 'net'] as const) expect(got?.[k], `${policy} ${k}`).toBeCloseTo(direct.total[k], 9);
    }
  }, 120_000);

  it('refuses a period without prices, a bad weather row, a bad policy, and a second run while one runs', async () => {
    const core = await coreWithPrices();
    const base = { policies: ['planner'], powerW: 500 };
    const none = await dispatch(core.handlers, 'plan-backtest', { ...base, from: Date.UTC(2020, 0, 1), to: Date.UTC(2020, 0, 2) });
    expect(none).toMatchObject({ ok: false, error: { code: 'bad-request', message: expect.stringMatching(/no prices are stored between 2020-01-01/) as unknown } });
    const bad = await dispatch(core.handlers, 'plan-backtest', { ...base, ...JAN, weatherCsv: 'time,temp_c\n2023-01-01T00:00:00Z,1\n2023-01-01T01:00:00Z,x\n' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad-request', message: 'weather file line 3: temperature "x" is not a number' } });
    const short = await dispatch(core.handlers, 'plan-backtest', { ...base, ...JAN, weatherCsv: 'time,temp_c\n2023-01-01T00:00:00Z,1\n' });
    expect(short).toMatchObject({ ok: false, error: { code: 'bad-request', message: expect.stringMatching(/no temperature for the slot at 2023-01-01T01:00:00.000Z/) as unknown } });
    const policy = await dispatch(core.handlers, 'plan-backtest', { ...base, ...JAN, policies: ['sometimes'] });
    expect(policy).toMatchObject({ ok: false, error: { code: 'bad-request', message: expect.stringMatching(/^plan-backtest: policies\.0: /) as unknown } });
    const long = await dispatch(core.handlers, 'plan-backtest', { ...base, from: JAN.from, to: JAN.from + 401 * 86_400_000 });
    expect(long).toMatchObject({ ok: false, error: { message: 'plan-backtest: to: at most 400 days at once' } });
    const first = dispatch(core.handlers, 'plan-backtest', { ...base, ...JAN, runId: 'a' });
    const second = await dispatch(core.handlers, 'plan-backtest', { ...base, ...JAN, runId: 'b' });
    expect(second).toMatchObject({ ok: false, error: { code: 'conflict', message: 'a backtest (a) is already running' } });
    expect((await first).ok).toBe(true);
  }, 120_000);
});
