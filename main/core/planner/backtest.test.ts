import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PRICES_DIR } from '../../../test/fixtures/data.ts';
import { backtest, bestThreshold, slotsFor, type BacktestSetup } from './backtest.ts';
import { parsePriceCsv } from './price-csv.ts';

const setup: BacktestSetup = { powerW: 500, demandW: 800, seasonMonths: [1, 2, 3, 4, 10, 11, 12], heatCreditPerKWh: 0.1 / 0.9, revenuePerHour: 0.002, timeZone: 'Europe/Brussels' };

describe('backtest over real 2023 Belgian prices', () => {
  const prices = parsePriceCsv(fs.readFileSync(path.join(PRICES_DIR, 'be-day-ahead-2023.csv'), 'utf8'), 'be-day-ahead-2023.csv');

  it('the planner nets at least as much as always-on, thermostat and the best fixed threshold, every month', async () => {
    expect(prices.length).toBe(8760);
    const planner = await backtest(prices, setup, 'planner');
    const always = await backtest(prices, setup, 'always');
    const thermostat = await backtest(prices, setup, 'thermostat');
    const threshold = await bestThreshold(prices, setup);
    expect(planner.months).toHaveLength(12);
    for (const other of [always, thermostat, threshold]) {
      expect(planner.total.net, other.policy).toBeGreaterThan(other.total.net);
      planner.months.forEach((m, i) => expect(m.totals.net, `${m.month} vs ${other.policy}`).toBeGreaterThanOrEqual((other.months[i]?.totals.net ?? 0) - 1e-9));
    }
    // Always-on draws 500 W for every hour of the year.
    expect(always.total.energyKWh).toBeCloseTo(0.5 * 8760, 9);
    const sum = planner.months.reduce((a, m) => a + m.totals.net, 0);
    expect(sum).toBeCloseTo(planner.total.net, 9);
    expect(planner.total.net).toBeCloseTo(planner.total.heatCredit + planner.total.revenue - planner.total.cost, 9);
  }, 120_000);
});

describe('price CSV reader', () => {
  it('says which line is wrong', () => {
    expect(() => parsePriceCsv('start_utc,eur_per_kwh\n2023-01-01T00:00:00Z,abc\n', 'x.csv')).toThrow(/x.csv line 2: expected/);
    expect(() => parsePriceCsv('time,price\n', 'x.csv')).toThrow(/first line must be/);
    expect(() => parsePriceCsv('start_utc,eur_per_kwh\n2023-01-01T01:00:00Z,1\n2023-01-01T00:00:00Z,1\n')).toThrow(/times must increase/);
  });
});

describe('backtest slots', () => {
  it('last slot of a 15-minute file lasts 15 minutes, like the others', async () => {
    const t0 = Date.UTC(2023, 0, 10, 0, 0);
    const prices = Array.from({ length: 8 }, (_, i) => ({ start: t0 + i * 900_000, price: -0.1 }));
    expect(slotsFor(prices, setup).map((s) => s.hours)).toEqual(Array(8).fill(0.25));
    // Always on at 500 W for 2 h at −0.10 €/kWh: paid 0.10 € for 1 kWh, not 0.275 € for 2.75 kWh.
    const always = await backtest(prices, setup, 'always');
    expect(always.total.energyKWh).toBeCloseTo(1, 12);
    expect(always.total.cost).toBeCloseTo(-0.1, 12);
  });
});
