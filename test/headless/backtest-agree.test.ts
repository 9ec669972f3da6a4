import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BacktestRun, HeatingSettings } from '#contract/index';
import { PRICES_DIR, WEATHER_DIR } from '../fixtures/data.ts';
import { apiCall as call, runCli } from './harness.ts';
import { perTest } from './per-test.ts';

const PRICES = path.join(PRICES_DIR, 'be-day-ahead-2023.csv');
const WEATHER = path.join(WEATHER_DIR, 'aachen-2023-hourly.csv');
/** Monday 9 to Monday 16 January 2023, Brussels midnights. */
const FROM = Date.UTC(2023, 0, 8, 23);
const TO = Date.UTC(2023, 0, 15, 23);

const { folder, serve } = perTest('hearth-backtest-agree-');

const origin = (r: BacktestRun, topic: string) => r.setup.assumptions.find((a) => a.topic === topic);

/** `hearth backtest --json` over the test's week on the folder's saved settings, plus `flags`. */
async function backtestCli(dataDir: string, flags: string[]): Promise<BacktestRun> {
  const r = await runCli([
    'backtest',
    '--weather',
    WEATHER,
    '--from',
    '2023-01-09',
    '--to',
    '2023-01-16',
    ...flags,
    '--data-dir',
    dataDir,
    '--json',
  ]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as BacktestRun;
}

describe('one backtest for the page and the command', () => {
  it('the API and hearth backtest give the same result on the same saved settings, and an override is named', async () => {
    const dataDir = folder();
    const s = await serve(dataDir);
    // Saved: a heat pump in Brussels, a live time-of-use tariff with household charges, and the 2023
    // prices imported beside it (the live tariff stays).
    const heating = await call<HeatingSettings>(s, 'heating-settings');
    await call(s, 'heating-configure', {
      ...heating,
      timeZone: 'Europe/Brussels',
      heatSource: {
        kind: 'heat-pump',
        cop: [
          { outdoorC: -7, cop: 2.5 },
          { outdoorC: 7, cop: 3.5 },
        ],
        capacityW: 8000,
      },
    });
    await call(s, 'tariff-configure', {
      tariff: {
        kind: 'time-of-use',
        currency: 'EUR',
        defaultPrice: 0.35,
        zones: [{ from: '22:00', to: '06:00', price: 0.2 }],
      },
      charges: { perKWh: 0.12, tax: 0.06 },
      timeZone: 'Europe/Brussels',
    });
    const imported = await call<{ inUse: boolean }>(s, 'tariff-import-csv', {
      csv: fs.readFileSync(PRICES, 'utf8'),
    });
    expect(imported.inUse).toBe(false);

    const policies = ['planner', 'thermostat', 'none'];
    const weatherCsv = fs.readFileSync(WEATHER, 'utf8');
    const api = await call<BacktestRun>(s, 'plan-backtest', {
      from: FROM,
      to: TO,
      policies,
      weatherCsv,
      weatherName: path.basename(WEATHER),
    });
    // The imported spot prices with the saved charges, not the live time-of-use prices.
    expect(origin(api, 'prices')).toEqual({
      topic: 'prices',
      text: 'spot prices from the imported price file, 2023-01-09 – 2023-01-15',
      origin: 'saved',
    });
    expect(api.setup.charges).toMatchObject({ perKWh: 0.12, tax: 0.06, origin: 'the tariff settings' });
    expect(api.setup.heatSource).toMatchObject({ kind: 'heat-pump', capacityW: 8000 });
    expect(origin(api, 'heat source')?.origin).toBe('saved');

    const fromCli = await backtestCli(
      dataDir,
      policies.flatMap((p) => ['--policy', p]),
    );
    // Every assumption alike, and the same figures per policy.
    expect(fromCli.setup.assumptions).toEqual(api.setup.assumptions);
    expect(fromCli.slots).toBe(api.slots);
    for (const [i, r] of api.results.entries()) {
      const c = fromCli.results[i]!;
      expect(c.policy).toBe(r.policy);
      for (const k of ['net', 'electricityKWh', 'fuelCost', 'computeKWh', 'comfortKh'] as const)
        expect(c.total[k], `${r.policy} ${k}`).toBeCloseTo(r.total[k], 6);
    }

    // A flag overrides one saved figure, and the assumptions say so.
    const withGas = await backtestCli(dataDir, ['--policy', 'none', '--heat-source', 'gas']);
    expect(origin(withGas, 'heat source')).toMatchObject({
      origin: 'given',
      text: expect.stringMatching(/^gas at 0\.1000 EUR\/kWh/) as unknown,
    });
    expect(origin(withGas, 'electricity')?.origin).toBe('saved');
  }, 120_000);
});
