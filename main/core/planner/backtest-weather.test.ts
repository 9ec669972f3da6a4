import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BacktestRun, HeatingSettings } from '#contract/index';
import {
  EXAMPLE_CHARGES,
  householdPrices,
  houseFrom,
  readWeather,
  runBacktest,
  type BacktestInput,
} from '#core/backtest/setup';
import { defaultHeatingSettings } from '#core/heating/setting';
import { PRICES_DIR, WEATHER_DIR } from '../../../test/fixtures/data.ts';
import { BacktestInputError } from './backtest.ts';
import { parsePriceCsv } from './price-csv.ts';

const TZ = 'Europe/Brussels';
const HOUR = 3_600_000;
/** January 2023, Brussels local time. */
const JAN = { from: Date.UTC(2022, 11, 31, 23), to: Date.UTC(2023, 0, 31, 23) };
const spot = parsePriceCsv(fs.readFileSync(path.join(PRICES_DIR, 'be-day-ahead-2023.csv'), 'utf8'));
const aachenText = fs.readFileSync(path.join(WEATHER_DIR, 'aachen-2023-hourly.csv'), 'utf8');
const aachen = readWeather(aachenText, 'aachen-2023-hourly.csv');

function input(heating: Partial<HeatingSettings> = {}, over: Partial<BacktestInput> = {}, period = JAN): BacktestInput {
  const h = { ...defaultHeatingSettings(), timeZone: TZ, ...heating };
  return {
    prices: householdPrices(
      spot.filter((p) => p.start >= period.from && p.start < period.to),
      EXAMPLE_CHARGES,
      TZ,
    ),
    charges: { charges: EXAMPLE_CHARGES, origin: 'test' },
    heating: h,
    model: 'thermal',
    house: houseFrom({}, h, false),
    computer: { powerW: 500, revenuePerHour: 0.002 },
    weather: aachen,
    timeZone: TZ,
    policies: ['planner', 'thermostat', 'always', 'threshold', 'none'],
    ...over,
  };
}

const byPolicy = (run: BacktestRun, p: string) => {
  const r = run.results.find((x) => x.policy === p);
  if (!r) throw new Error(`no ${p} result`);
  return r.total;
};

/** Planner net at least every baseline's (a cent of solver tolerance over a month), comfort no worse than the thermostat's. */
function expectPlannerBest(run: BacktestRun) {
  const planner = byPolicy(run, 'planner');
  for (const p of ['thermostat', 'always', 'threshold', 'none'])
    expect(planner.net, p).toBeGreaterThanOrEqual(byPolicy(run, p).net - 0.01);
  expect(planner.comfortKh).toBeLessThanOrEqual(byPolicy(run, 'thermostat').comfortKh + 0.5);
}

describe('thermal backtest: January 2023 Belgian prices, Aachen weather, household charges', () => {
  it('gas heating: the planner nets at least as much as every rule, as warm as the thermostat; none nets minus the gas bill', async () => {
    const run = await runBacktest(input());
    expect(run.slots).toBe(744);
    expect(run.results.map((r) => r.policy)).toEqual(['planner', 'thermostat', 'always', 'threshold', 'none']);
    expectPlannerBest(run);
    const none = byPolicy(run, 'none');
    expect(none.net).toBeCloseTo(-none.fuelCost, 9);
    expect(none.fuelCost).toBeCloseTo((none.sourceHeatKWh * 0.1) / 0.9, 6);
    // A January in Aachen heats a typical house with about 2,000–3,000 kWh.
    expect(none.sourceHeatKWh).toBeGreaterThan(2000);
    expect(none.sourceHeatKWh).toBeLessThan(3000);
    // Running the computer all month at household prices costs more than the gas its heat saves.
    expect(byPolicy(run, 'always').savingVsNone).toBeLessThan(0);
    expect(byPolicy(run, 'always').computeKWh).toBeCloseTo(0.5 * 744, 9);
    const planner = run.results[0];
    expect(planner?.statuses).toBeDefined();
    expect(
      (planner?.statuses?.optimal ?? 0) + (planner?.statuses?.feasible ?? 0) + (planner?.statuses?.heuristic ?? 0),
    ).toBe(planner?.plans);
    expect(planner?.plans).toBe(32);
    expect(run.setup.lines[0]).toBe('electricity: (spot + 0.1200 EUR/kWh grid fee and levies) × (1 + 6 % VAT) (test)');
  }, 60_000);

  it('a heat pump: the planner pre-heats in cheap hours and saves against heating alone; its electricity is the heat ÷ COP', async () => {
    const run = await runBacktest(
      input({
        heatSource: {
          kind: 'heat-pump',
          cop: [
            { outdoorC: -7, cop: 2.5 },
            { outdoorC: 7, cop: 3.5 },
          ],
        },
      }),
    );
    expectPlannerBest(run);
    const planner = byPolicy(run, 'planner');
    expect(planner.savingVsNone).toBeGreaterThan(1);
    const none = byPolicy(run, 'none');
    expect(none.fuelCost).toBe(0);
    expect(none.electricityKWh).toBeGreaterThan(none.sourceHeatKWh / 3.5);
    expect(none.electricityKWh).toBeLessThan(none.sourceHeatKWh / 2.5);
    expect(none.net).toBeCloseTo(-none.electricityCost, 9);
    expect(run.setup.lines[1]).toMatch(
      /^heat source: heat pump on household electricity, COP 2.5 at -7 °C, 3.5 at 7 °C/,
    );
  }, 60_000);

  it('months add up to the total, and the demand model still runs', async () => {
    const two = { from: JAN.from, to: Date.UTC(2023, 1, 28, 23) };
    const run = await runBacktest(input({}, { policies: ['thermostat'], model: 'demand' }, two));
    const r = run.results[0];
    expect(r?.months.map((m) => m.month)).toEqual(['2023-01', '2023-02']);
    expect((r?.months[0]?.totals.net ?? 0) + (r?.months[1]?.totals.net ?? 0)).toBeCloseTo(r?.total.net ?? NaN, 9);
    expect(r?.total.comfortKh).toBe(0);
  }, 60_000);
});

describe('the weather file', () => {
  const rows = aachenText.trim().split('\n');
  const without = (drop: (i: number) => boolean) =>
    readWeather([rows[0], ...rows.slice(1).filter((_, i) => !drop(i))].join('\n'), 'w.csv');
  const week = { from: JAN.from, to: JAN.from + 7 * 24 * HOUR };
  const fails = (i: BacktestInput) =>
    runBacktest(i).then(
      () => null,
      (e: unknown) => e,
    );

  it('bridges gaps up to 3 h linearly and says how many', async () => {
    // Rows 48 and 49 (2023-01-03 00:00 and 01:00 UTC) missing: a 3 h gap.
    const run = await runBacktest(
      input({}, { weather: without((i) => i === 48 || i === 49), policies: ['none'] }, week),
    );
    expect(run.setup.weather?.interpolatedGaps).toBe(1);
    expect(run.setup.lines.find((l) => l.startsWith('weather:'))).toMatch(
      /1 short gap \(up to 3 h\) interpolated linearly/,
    );
  });

  it('refuses a gap over 3 h, naming it', async () => {
    const e = await fails(input({}, { weather: without((i) => i >= 48 && i < 52), policies: ['none'] }, week));
    expect(e).toBeInstanceOf(BacktestInputError);
    expect((e as Error).message).toBe(
      'w.csv has no temperatures from 2023-01-02T23:00Z to 2023-01-03T04:00Z, a 5.0 h gap inside the price period: gaps up to 3 h are interpolated linearly, longer ones are not; fill the gap or choose a period without it',
    );
  });

  it('refuses a file that does not cover the prices', async () => {
    const e = await fails(input({}, { weather: without((i) => i < 24 * 5), policies: ['none'] }, week));
    expect((e as Error).message).toBe(
      'w.csv covers 2023-01-06T00:00Z to 2023-12-31T23:00Z, but the prices run from 2022-12-31T23:00Z to 2023-01-07T23:00Z: give weather for the whole price period, or choose a period the file covers',
    );
  });

  it('the thermal model needs one', async () => {
    const e = await fails(input({}, { weather: null, policies: ['none'] }, week));
    expect(e).toMatchObject({
      field: 'weather',
      message: expect.stringMatching(/^the thermal model needs hourly outdoor temperatures/) as unknown,
    });
  });
});
