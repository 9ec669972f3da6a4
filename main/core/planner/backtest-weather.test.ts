import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HeatingSettings } from '#contract/index';
import { heatDemand } from '#core/heating/demand';
import { defaultHeatingSettings } from '#core/heating/module';
import { parseWeatherCsv, weatherAt, type WeatherPoint } from '#core/heating/weather-csv';
import { PRICES_DIR, WEATHER_DIR } from '../../../test/fixtures/data.ts';
import { backtest, slotsFor, type BacktestSetup } from './backtest.ts';
import { parsePriceCsv } from './price-csv.ts';

const prices = parsePriceCsv(fs.readFileSync(path.join(PRICES_DIR, 'be-day-ahead-2023.csv'), 'utf8')).filter((p) => p.start >= Date.UTC(2023, 0, 1) && p.start < Date.UTC(2023, 1, 1));
const weather = parseWeatherCsv(fs.readFileSync(path.join(WEATHER_DIR, 'synthetic-2023-01.csv'), 'utf8'));
const settings: HeatingSettings = {
  ...defaultHeatingSettings(),
  mode: 'schedule',
  season: { kind: 'outdoor-below', c: 15 },
  // 30 W/K: mild days need less than the 500 W device makes, cold days more.
  room: { heatLossWPerK: 30, capacityWhPerK: 1500 },
  heatSource: { kind: 'gas', pricePerKWh: 0.1, efficiency: 0.9 },
  timeZone: 'Europe/Brussels',
};

function setupWith(points: WeatherPoint[]): BacktestSetup {
  const outdoorAt = weatherAt(points);
  return {
    powerW: 500,
    demandW: 800,
    seasonMonths: [1, 2, 3, 4, 10, 11, 12],
    heatCreditPerKWh: 0.1 / 0.9,
    revenuePerHour: 0.002,
    timeZone: 'Europe/Brussels',
    heat: (slots) => heatDemand(settings, slots.map((s) => ({ ...s, spot: null, currency: 'EUR' })), { now: 0, indoor: null, outdoorAt, thermostatOn: false }),
  };
}
const shifted = (k: number) => weather.map((p) => ({ at: p.at, c: p.c + k }));

describe('backtest with a weather file', () => {
  const slots = slotsFor(prices, setupWith(weather));
  const slotAt = (ms: number) => slots.find((s) => s.start === ms);
  // The file's temperature at a slot's middle: halfway between its two hourly rows.
  const midOf = (ms: number) => ((weather.find((p) => p.at === ms)?.c ?? NaN) + (weather.find((p) => p.at === ms + 3_600_000)?.c ?? NaN)) / 2;

  it('takes heat demand from the heating model: UA × (setpoint − outdoor), none on days above the 15 °C limit', () => {
    expect(slots).toHaveLength(744);
    // Wednesday 25 January, 03:00 UTC = 04:00 Brussels: the 17 °C night setpoint; outdoor at the slot's middle.
    const cold = slotAt(Date.UTC(2023, 0, 25, 3));
    expect(cold?.heatDemandW).toBeCloseTo(30 * (17 - midOf(Date.UTC(2023, 0, 25, 3))), 9);
    expect(midOf(Date.UTC(2023, 0, 25, 3))).toBeCloseTo(-2 + 3 * Math.cos((2 * Math.PI * (3.5 - 15)) / 24), 1);
    // Wednesday 18 January, 12:00 UTC: the 21 °C day setpoint, a mild 5 °C spell.
    expect(slotAt(Date.UTC(2023, 0, 18, 12))?.heatDemandW).toBeCloseTo(30 * (21 - midOf(Date.UTC(2023, 0, 18, 12))), 9);
    expect(slotAt(Date.UTC(2023, 0, 18, 12))?.heatCreditPerKWh).toBeCloseTo(0.1 / 0.9, 12);
    // The warm spell (daily mean 16 °C) is out of season.
    expect(slots.filter((s) => s.start >= Date.UTC(2023, 0, 1) && s.start < Date.UTC(2023, 0, 9, 23)).every((s) => s.heatDemandW === 0)).toBe(true);
    const mean = (from: number, to: number) => {
      const xs = slots.filter((s) => s.start >= from && s.start < to);
      return xs.reduce((a, s) => a + s.heatDemandW, 0) / xs.length;
    };
    const mild = mean(Date.UTC(2023, 0, 11), Date.UTC(2023, 0, 20));
    const frosty = mean(Date.UTC(2023, 0, 21), Date.UTC(2023, 0, 31));
    expect(mild).toBeGreaterThan(300);
    expect(frosty - mild).toBeGreaterThan(30 * 6);
  });

  it("the planner's result follows the weather: colder runs more and earns more heat credit, and it still beats always-on", async () => {
    const base = await backtest(prices, setupWith(weather), 'planner');
    const colder = await backtest(prices, setupWith(shifted(-6)), 'planner');
    const warmer = await backtest(prices, setupWith(shifted(+6)), 'planner');
    expect(colder.total.energyKWh).toBeGreaterThan(base.total.energyKWh);
    expect(base.total.energyKWh).toBeGreaterThan(warmer.total.energyKWh);
    expect(colder.total.heatCredit).toBeGreaterThan(base.total.heatCredit);
    expect(base.total.heatCredit).toBeGreaterThan(warmer.total.heatCredit);
    // Without the weather file (800 W all month) the figures differ.
    const flat = await backtest(prices, { ...setupWith(weather), heat: undefined }, 'planner');
    expect(flat.total.heatCredit).not.toBeCloseTo(base.total.heatCredit, 2);
    const always = await backtest(prices, setupWith(weather), 'always');
    expect(base.total.net).toBeGreaterThan(always.total.net);
    expect(always.total.energyKWh).toBeCloseTo(0.5 * 744, 9);
    // Useful heat never exceeds what was asked for.
    const asked = slots.reduce((a, s) => a + (s.heatDemandW * s.hours) / 1000, 0);
    expect(always.total.usefulHeatKWh).toBeLessThanOrEqual(asked + 1e-9);
    expect(base.total.net).toBeCloseTo(base.total.heatCredit + base.total.revenue - base.total.cost, 9);
  }, 120_000);

  it('reports progress per planned day', async () => {
    const seen: [number, number][] = [];
    // 23:00 UTC on 1 January is local midnight: 72 hours are three Brussels days.
    await backtest(prices.slice(23, 23 + 72), setupWith(weather), 'planner', (done, total) => {
      seen.push([done, total]);
    });
    expect(seen).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
  });
});
