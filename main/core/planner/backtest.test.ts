import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Plan } from '#contract/plan';
import { plan } from '#workers/planner/plan';
import { PRICES_DIR } from '../../../test/fixtures/data.ts';
import {
  backtest,
  backtestPolicies,
  BacktestInputError,
  planWindows,
  plannerBands,
  type BacktestSetup,
  type BacktestSlot,
} from './backtest.ts';
import { parsePriceCsv } from './price-csv.ts';

const HOUR = 3_600_000;
const GAS = 0.1 / 0.9;
/** Local midnight of Monday 9 January 2023 in Brussels. */
const T0 = Date.UTC(2023, 0, 8, 23);

/** Real January 2023 Belgian spot prices from T0 plus a flat charge, everything else constant. */
function constantSetup(
  hours: number,
  over: Partial<BacktestSlot> = {},
  house: Partial<NonNullable<BacktestSetup['house']>> = {},
): BacktestSetup {
  const prices = parsePriceCsv(fs.readFileSync(path.join(PRICES_DIR, 'be-day-ahead-2023.csv'), 'utf8')).filter(
    (p) => p.start >= T0 && p.start < T0 + hours * HOUR,
  );
  return {
    slots: prices.map((p) => ({
      start: p.start,
      hours: 1,
      price: p.price + 0.12,
      outdoorC: 5,
      comfort: { minC: 20, maxC: 22 },
      heatCostPerKWh: GAS,
      heatElectricityPerKWh: 0,
      demandW: 0,
      ...over,
    })),
    timeZone: 'Europe/Brussels',
    computer: { powerW: 500, revenuePerHour: 0.002 },
    house: { uaWPerK: 200, capacityWhPerK: 10_000, sourceCapW: 10_000, indoorC: 20, ...house },
    pricesKnownAtHour: 13,
    timeLimitMs: 2000,
  };
}

describe('backtest accounting', () => {
  it('none: at a constant outdoor temperature the house needs UA × ΔT every hour, and its net is minus what that heat costs', async () => {
    const setup = constantSetup(72);
    const none = await backtest(setup, 'none');
    // Worked out without the model: 200 W/K × (20 − 5) K = 3 kW for 72 h at 0.1 / 0.9 € per kWh of heat.
    const heatKWh = (200 * 15 * 72) / 1000;
    expect(none.total.sourceHeatKWh).toBeCloseTo(heatKWh, 6);
    expect(none.total.fuelCost).toBeCloseTo(heatKWh * GAS, 6);
    expect(none.total.net).toBeCloseTo(-heatKWh * GAS, 6);
    expect(none.total).toMatchObject({
      electricityKWh: 0,
      electricityCost: 0,
      computeKWh: 0,
      comfortKh: 0,
      starts: 0,
      revenue: 0,
    });
  });

  it('a heat pump: its heat ÷ COP is electricity, bought at the slot price; no fuel', async () => {
    const setup = constantSetup(48, { heatElectricityPerKWh: 1 / 3, heatCostPerKWh: 0 });
    setup.slots = setup.slots.map((s) => ({ ...s, heatCostPerKWh: s.price / 3 }));
    const none = await backtest(setup, 'none');
    const bill = setup.slots.reduce((a, s) => a + (3 * s.price) / 3, 0);
    expect(none.total.sourceElectricityKWh).toBeCloseTo((200 * 15 * 48) / 1000 / 3, 6);
    expect(none.total.electricityKWh).toBeCloseTo(none.total.sourceElectricityKWh, 9);
    expect(none.total.electricityCost).toBeCloseTo(bill, 6);
    expect(none.total.fuelCost).toBe(0);
    expect(none.total.net).toBeCloseTo(-bill, 6);
  });

  it("always and thermostat: the computer's heat displaces the source's kWh for kWh, starts counted", async () => {
    const setup = constantSetup(48);
    const [always, thermostat, none] = await backtestPolicies(setup, ['always', 'thermostat', 'none']);
    expect(always?.total.computeKWh).toBeCloseTo(0.5 * 48, 9);
    expect(always?.total.starts).toBe(1);
    // Heat is needed in every hour, so the thermostat keeps the computer on throughout too.
    expect(thermostat?.total.computeKWh).toBeCloseTo(0.5 * 48, 9);
    expect(always?.total.sourceHeatKWh).toBeCloseTo((none?.total.sourceHeatKWh ?? 0) - 0.5 * 48, 6);
    expect(always?.total.savingVsNone).toBeCloseTo((always?.total.net ?? 0) - (none?.total.net ?? 0), 9);
    expect(none?.total.savingVsNone).toBeUndefined();
  });

  it("agrees with the planner's own evaluation of a plan it keeps whole", async () => {
    let kept: Plan | null = null;
    // Known at midnight, a single local day is planned once and kept whole.
    const setup: BacktestSetup = {
      ...constantSetup(24, { outdoorC: -3 }),
      pricesKnownAtHour: 0,
      planner: async (input, o) => (kept = await plan(input, o)),
    };
    setup.slots = setup.slots.map((s, t) => ({
      ...s,
      price: t < 6 ? -0.05 : s.price,
      comfort: { minC: 18, maxC: t < 6 ? 23 : 21 },
    }));
    const r = await backtest(setup, 'planner');
    expect(r.plans).toBe(1);
    const p = kept as Plan | null;
    if (!p) throw new Error('no plan');
    expect(r.total.computeKWh).toBeCloseTo(p.totals.energyKWh, 9);
    expect(r.total.sourceHeatKWh).toBeCloseTo(p.totals.sourceHeatKWh, 6);
    expect(r.total.net).toBeCloseTo(p.totals.net, 6);
    expect(r.total.comfortKh).toBeCloseTo(p.totals.comfortKh, 6);
    // Paid to draw power at −0.05 €/kWh for six hours: it runs then.
    expect(r.total.computeKWh).toBeGreaterThanOrEqual(3);
  });

  it('the best threshold beats every other fixed threshold under the same accounting', async () => {
    const setup = constantSetup(24 * 7, { outdoorC: 2 });
    const best = await backtest(setup, 'threshold');
    expect(best.threshold).toBeDefined();
    const prices = [...new Set(setup.slots.map((s) => s.price))].sort((a, b) => a - b);
    for (let k = 0; k < prices.length; k += Math.ceil(prices.length / 25)) {
      const fixed = await backtest(setup, { threshold: prices[k] ?? 0 });
      expect(best.total.net, `threshold ${prices[k]}`).toBeGreaterThanOrEqual(fixed.total.net - 1e-9);
    }
    const again = await backtest(setup, { threshold: best.threshold ?? NaN });
    expect(again.total.net).toBeCloseTo(best.total.net, 9);
  });
});

describe('replanning as prices are published', () => {
  const setup = constantSetup(72);

  it('plans at the first slot and then daily at 13:00 local, to the end of the last day whose prices are known', () => {
    const w = planWindows(setup);
    // Monday 00:00 → Monday 24:00 (Tuesday unknown), kept to 13:00; then 13:00 → Tuesday 24:00, kept 24 h.
    expect(w.map((x) => [x.from, x.keep, x.to])).toEqual([
      [0, 13, 24],
      [13, 37, 48],
      [37, 61, 72],
      [61, 72, 72],
    ]);
  });

  it('with prices known at midnight it plans each day with the next one in view (48 h), keeping 24 h', () => {
    expect(planWindows({ ...setup, pricesKnownAtHour: 0 }).map((x) => [x.from, x.keep, x.to])).toEqual([
      [0, 24, 48],
      [24, 48, 72],
      [48, 72, 72],
    ]);
  });

  it('reports progress per plan up to the total, and counts plan statuses', async () => {
    const seen: [number, number][] = [];
    const r = await backtest(setup, 'planner', (done, total) => {
      seen.push([done, total]);
    });
    expect(seen).toEqual([
      [1, 4],
      [2, 4],
      [3, 4],
      [4, 4],
    ]);
    expect(r.plans).toBe(4);
    expect((r.statuses?.optimal ?? 0) + (r.statuses?.feasible ?? 0) + (r.statuses?.heuristic ?? 0)).toBe(4);
    const thr: number[] = [];
    await backtest(setup, 'threshold', (done, total) => {
      thr.push(done / total);
    });
    expect(thr.at(-1)).toBe(1);
  });
});

describe('comfort bands the house can keep to', () => {
  it('raises an upper edge the house cannot cool to, and one below what a later setpoint needs; lower edges stay', () => {
    const setup = constantSetup(36, { outdoorC: 0 });
    // 21–23 °C for 3 h, then 17–19 °C, then 21–23 °C again from hour 30.
    setup.slots = setup.slots.map((s, t) => ({
      ...s,
      comfort: t < 3 || t >= 30 ? { minC: 21, maxC: 23 } : { minC: 17, maxC: 19 },
    }));
    const house = { uaWPerK: 200, capacityWhPerK: 10_000, sourceCapW: 10_000, indoorC: 21 };
    const out = plannerBands(setup.slots, house);
    expect(out.map((b) => b?.minC)).toEqual(setup.slots.map((s) => s.comfort?.minC));
    // An hour after 23 °C at 0 °C outside the house is still above 22 °C: 19 °C is out of reach.
    expect(out[3]?.maxC).toBeGreaterThan(22);
    // 10 kW lifts the house about 1 K an hour: it must be above 19 °C a few hours before 21 °C is due.
    expect(out[28]?.maxC).toBeGreaterThan(19.5);
    // In between, about ten hours of cooling later, 19 °C is both reachable and enough.
    expect(out[15]?.maxC).toBe(19);
  });
});

describe('bad setups', () => {
  it('name the figure', async () => {
    const setup = constantSetup(24);
    const fail = (s: BacktestSetup) =>
      backtestPolicies(s, ['none']).then(
        () => null,
        (e: unknown) => e,
      );
    const upside = await fail({ ...setup, slots: setup.slots.map((s) => ({ ...s, comfort: { minC: 22, maxC: 20 } })) });
    expect(upside).toBeInstanceOf(BacktestInputError);
    expect(upside).toMatchObject({
      field: 'comfort',
      message: expect.stringMatching(
        /comfort band at 2023-01-08T23:00:00.000Z is upside down \(22 °C to 20 °C\)/,
      ) as unknown,
    });
    const ua = await fail({ ...setup, house: { ...setup.house!, uaWPerK: 0 } });
    expect(ua).toMatchObject({
      field: 'uaWPerK',
      message: expect.stringMatching(/^UA \(the house's heat-loss coefficient\) is 0 W\/K/) as unknown,
    });
  });
});

describe('price CSV reader', () => {
  it('says which line is wrong', () => {
    expect(() => parsePriceCsv('start_utc,eur_per_kwh\n2023-01-01T00:00:00Z,abc\n', 'x.csv')).toThrow(
      /x.csv line 2: expected/,
    );
    expect(() => parsePriceCsv('time,price\n', 'x.csv')).toThrow(/first line must be/);
    expect(() => parsePriceCsv('start_utc,eur_per_kwh\n2023-01-01T01:00:00Z,1\n2023-01-01T00:00:00Z,1\n')).toThrow(
      /times must increase/,
    );
  });
});
