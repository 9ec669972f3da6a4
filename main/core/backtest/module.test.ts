import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BacktestProgress, BacktestRun } from '#contract/index';
import type { Core } from '#core/app';
import { dispatch } from '#core/handler';
import { heatingModule } from '#core/heating/module';
import { defaultHeatingSettings } from '#core/heating/setting';
import { parsePriceCsv } from '#core/planner/price-csv';
import { tariffModule } from '#core/tariff/module';
import { PRICES_DIR, WEATHER_DIR } from '../../../test/fixtures/data.ts';
import { testCores } from '../../../test/support/core.ts';
import { backtestModule } from './module.ts';
import { EXAMPLE_CHARGES, householdPrices, houseFrom, readWeather, runBacktest } from './setup.ts';

const cores = testCores('hearth-backtest-');

const JAN = { from: Date.UTC(2022, 11, 31, 23), to: Date.UTC(2023, 0, 31, 23) };
const WEEK = { from: JAN.from, to: JAN.from + 7 * 86_400_000 };
const prices2023 = fs.readFileSync(path.join(PRICES_DIR, 'be-day-ahead-2023.csv'), 'utf8');
const aachen = fs.readFileSync(path.join(WEATHER_DIR, 'aachen-2023-hourly.csv'), 'utf8');

/** A real core (SQLite file in a temp folder) whose tariff holds the imported 2023 Belgian prices, with household charges. */
async function coreWithPrices(): Promise<Core> {
  const core = await cores.start({
    dataDir: cores.dir(),
    modules: [tariffModule({ cron: false }), heatingModule({ cron: false }), backtestModule()],
  });
  const conf = await dispatch(core.handlers, 'tariff-configure', {
    tariff: { kind: 'csv', currency: 'EUR' },
    charges: EXAMPLE_CHARGES,
    timeZone: 'Europe/Brussels',
    skipCheck: true,
  });
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
  it('replays the stored prices (charges included) per policy in the planner worker, pushing progress; the same figures as runBacktest', async () => {
    const core = await coreWithPrices();
    const progress: BacktestProgress[] = [];
    core.events.on('plan-backtest-progress', (p) => progress.push(p));
    const args = {
      ...JAN,
      policies: ['planner', 'thermostat', 'always', 'threshold', 'none'],
      powerW: 500,
      revenuePerHour: 0.002,
      weatherCsv: aachen,
      timeZone: 'Europe/Brussels',
      runId: 'jan',
    };
    const r = await run(core, args);
    expect(r).toMatchObject({ runId: 'jan', slots: 744, currency: 'EUR', timeZone: 'Europe/Brussels' });
    expect(r.setup).toMatchObject({
      model: 'thermal',
      charges: { perKWh: 0.12, tax: 0.06, origin: 'the tariff settings' },
      house: { uaWPerK: 200, capacityWhPerK: 10_000, sourceCapW: 10_000 },
    });
    expect(r.setup.lines[0]).toBe(
      'electricity: (spot + 0.1200 EUR/kWh grid fee and levies) × (1 + 6 % VAT) (the tariff settings)',
    );
    expect(r.setup.lines.some((l) => l.startsWith('heat source: gas at 0.1000 EUR/kWh, 90 % efficient'))).toBe(true);
    expect(r.results.map((x) => x.policy)).toEqual(['planner', 'thermostat', 'always', 'threshold', 'none']);
    const [planner, ...rest] = r.results;
    for (const o of rest) expect(planner?.total.net, o.policy).toBeGreaterThanOrEqual(o.total.net - 0.01);
    expect(planner?.months.map((m) => m.month)).toEqual(['2023-01']);
    // The same backtest called directly, with plan() on this thread, gives the same figures.
    const heating = { ...defaultHeatingSettings(), timeZone: 'Europe/Brussels' };
    const direct = await runBacktest({
      prices: householdPrices(
        parsePriceCsv(prices2023).filter((p) => p.start >= JAN.from && p.start < JAN.to),
        EXAMPLE_CHARGES,
        'Europe/Brussels',
      ),
      charges: { charges: EXAMPLE_CHARGES, origin: 'x' },
      heating,
      model: 'thermal',
      house: houseFrom({}, heating, false),
      computer: { powerW: 500, revenuePerHour: 0.002 },
      weather: readWeather(aachen, 'weather file'),
      timeZone: 'Europe/Brussels',
      policies: ['planner', 'none'],
    });
    expect(planner?.total.net).toBeCloseTo(direct.results[0]?.total.net ?? NaN, 6);
    expect(r.results[4]?.total.net).toBeCloseTo(direct.results[1]?.total.net ?? NaN, 9);
    // Progress: the planner's 32 plans (about a percentage each), the threshold's prices tried, one step for the others.
    const plannerSteps = progress.filter((p) => p.step === 0);
    expect(plannerSteps.at(-1)).toEqual({ runId: 'jan', policy: 'planner', step: 0, steps: 5, done: 32, total: 32 });
    expect(plannerSteps.length).toBeGreaterThan(20);
    const last = (step: number) => progress.filter((p) => p.step === step).at(-1);
    for (const step of [1, 2, 3, 4]) expect(last(step)?.done).toBe(last(step)?.total);
  }, 120_000);

  it('takes the house from heating settings saved in thermal mode, and a figure given overrides it', async () => {
    const core = await coreWithPrices();
    const saved = await dispatch(core.handlers, 'heating-configure', {
      ...defaultHeatingSettings(),
      mode: 'thermal',
      room: { heatLossWPerK: 150, capacityWhPerK: 8000 },
      timeZone: 'Europe/Brussels',
    });
    expect(saved.ok, JSON.stringify(saved)).toBe(true);
    const r = await run(core, {
      ...WEEK,
      policies: ['none'],
      powerW: 500,
      weatherCsv: aachen,
      house: { sourceCapW: 12_000 },
    });
    expect(r.setup.house).toMatchObject({
      uaWPerK: 150,
      capacityWhPerK: 8000,
      sourceCapW: 12_000,
      origin: 'UA from the heating settings; capacity from the heating settings; source given',
    });
  }, 60_000);

  it('refuses a period without prices, no weather, a bad weather row, a long gap, a bad policy, a zero UA, and a second run while one runs', async () => {
    const core = await coreWithPrices();
    const base = { policies: ['planner'], powerW: 500, weatherCsv: aachen };
    const none = await dispatch(core.handlers, 'plan-backtest', {
      ...base,
      from: Date.UTC(2020, 0, 1),
      to: Date.UTC(2020, 0, 2),
    });
    expect(none).toMatchObject({
      ok: false,
      error: {
        code: 'bad-request',
        message: expect.stringMatching(/no prices are stored between 2020-01-01/) as unknown,
      },
    });
    const noWeather = await dispatch(core.handlers, 'plan-backtest', { policies: ['none'], powerW: 500, ...WEEK });
    expect(noWeather).toMatchObject({
      ok: false,
      error: {
        code: 'bad-request',
        message: expect.stringMatching(/^the thermal model needs hourly outdoor temperatures/) as unknown,
      },
    });
    const bad = await dispatch(core.handlers, 'plan-backtest', {
      ...base,
      ...WEEK,
      weatherCsv: 'time,temp_c\n2023-01-01T00:00:00Z,1\n2023-01-01T01:00:00Z,x\n',
    });
    expect(bad).toMatchObject({
      ok: false,
      error: { code: 'bad-request', message: 'weather file line 3: temperature "x" is not a number' },
    });
    const gappy = aachen
      .split('\n')
      .filter((_, i) => i < 50 || i > 55)
      .join('\n');
    const gap = await dispatch(core.handlers, 'plan-backtest', { ...base, ...WEEK, weatherCsv: gappy });
    expect(gap).toMatchObject({
      ok: false,
      error: {
        code: 'bad-request',
        message: expect.stringMatching(
          /^weather file has no temperatures from 2023-01-03T00:00Z to 2023-01-03T07:00Z, a 7.0 h gap/,
        ) as unknown,
      },
    });
    const policy = await dispatch(core.handlers, 'plan-backtest', { ...base, ...WEEK, policies: ['sometimes'] });
    expect(policy).toMatchObject({
      ok: false,
      error: {
        code: 'bad-request',
        field: 'policies.0',
        message: expect.stringMatching(/^Expected planner, /) as unknown,
      },
    });
    const ua = await dispatch(core.handlers, 'plan-backtest', { ...base, ...WEEK, house: { uaWPerK: 0 } });
    expect(ua).toMatchObject({
      ok: false,
      error: {
        code: 'bad-request',
        field: 'house.uaWPerK',
        message: expect.stringMatching(/^A house loses heat/) as unknown,
      },
    });
    const long = await dispatch(core.handlers, 'plan-backtest', {
      ...base,
      from: JAN.from,
      to: JAN.from + 401 * 86_400_000,
    });
    expect(long).toMatchObject({ ok: false, error: { message: 'At most 400 days at once', field: 'to' } });
    const first = dispatch(core.handlers, 'plan-backtest', { ...base, ...WEEK, runId: 'a' });
    const second = await dispatch(core.handlers, 'plan-backtest', { ...base, ...WEEK, runId: 'b' });
    expect(second).toMatchObject({
      ok: false,
      error: { code: 'conflict', message: 'a backtest (a) is already running' },
    });
    expect((await first).ok).toBe(true);
  }, 120_000);
});
