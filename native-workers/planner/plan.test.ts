import { describe, expect, it } from 'vitest';
import { deviceId, jobId } from '#contract/id';
import type { PlanInput } from '#contract/plan';
import { atLeastAsGood, checkPlan } from '../../test/support/plan-check.ts';
import { bruteForce } from '../../test/support/plan-brute.ts';
import { referencePlan } from '../../test/support/plan-reference.ts';
import { T0, tiny } from '../../test/support/plan-tiny.ts';
import { deviceOptions, violations } from './evaluate.ts';
import { plan } from './plan.ts';

const at = (input: PlanInput) => ({ now: input.slots[0]?.start ?? T0 });

describe('plan() on tiny problems, against trying every plan', () => {
  it('equals the exhaustive optimum on 160 tiny problems, and says so', async () => {
    let thermal = 0;
    let deadlines = 0;
    let outside = 0;
    let mixed = 0;
    for (let seed = 1; seed <= 160; seed++) {
      const input = tiny(seed);
      const p = await plan(input, at(input));
      const mine = checkPlan(input, p);
      const best = bruteForce(input);
      expect(best, `seed ${seed}`).not.toBeNull();
      expect(mine.violations, `seed ${seed}`).toEqual([]);
      expect(p.status, `seed ${seed}`).toEqual({ kind: 'optimal' });
      expect(
        atLeastAsGood(mine, best!, 1e-6) && atLeastAsGood(best!, mine, 1e-6),
        `seed ${seed}: ${JSON.stringify(mine)} vs ${JSON.stringify(best)}`,
      ).toBe(true);
      expect(Math.abs(p.totals.net - mine.net)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(mine.net)));
      if (input.thermal) thermal++;
      if (input.jobs.some((j) => j.workNeeded !== undefined)) deadlines++;
      if (input.devices.some((d) => d.heats === false)) outside++;
      if (input.devices.some((d) => d.heats === false) && input.devices.some((d) => d.heats !== false)) mixed++;
    }
    // The generator covers both models, deadline work, and devices outside the heated space,
    // alone and beside one that heats.
    expect(thermal).toBeGreaterThan(50);
    expect(deadlines).toBeGreaterThan(50);
    expect(outside).toBeGreaterThan(30);
    expect(mixed).toBeGreaterThan(10);
  }, 120_000);
});

describe('a continuous job', () => {
  // One device: 100 W doing 1 unit/h, or 200 W doing 2 units/h; the job needs 3 units by hour 6.
  // Running fast then slow (3 units in 2 h for 300 W·h) would be cheapest, but the executor keeps
  // a continuous job at the threads it started with and stops it when it is done.
  const input: PlanInput = {
    slots: Array.from({ length: 6 }, (_, t) => ({
      start: T0 + t * 3_600_000,
      hours: 1,
      price: [0.3, 0.05, 0.05, 0.3, 0.3, 0.3][t]!,
      heatDemandW: 0,
      heatCreditPerKWh: 0,
      quiet: false,
    })),
    devices: [
      {
        id: deviceId('cpu'),
        levels: [
          { powerW: 100, rates: { train: 1 } },
          { powerW: 200, rates: { train: 2 } },
        ],
      },
    ],
    jobs: [
      {
        id: jobId('job'),
        kind: 'train',
        valuePerWork: 0.01,
        workNeeded: 3,
        deadline: T0 + 6 * 3_600_000,
        mode: 'continuous',
      },
    ],
    limits: {},
  };
  const options = deviceOptions(input, 0);
  const slow = options.findIndex((o) => o?.level === 0);
  const fast = options.findIndex((o) => o?.level === 1);

  it('runs as one block at one level until its work is done, and no longer', async () => {
    const p = await plan(input, at(input));
    const levels = p.slots.map((s) => s.decisions[0]!.level);
    // Fast in the two cheap hours: 4 units, done in the second hour.
    expect(levels).toEqual([-1, 1, 1, -1, -1, -1]);
    expect(p.status).toEqual({ kind: 'optimal' });
    expect(checkPlan(input, p).violations).toEqual([]);
  });

  it('is refused switching level, pausing, or running on after it is done', () => {
    const choice = (row: number[]) => row.map((k) => [k]);
    expect(violations(input, choice([0, fast, slow, 0, 0, 0]))).toEqual([
      'job: continuous job changes device or level',
    ]);
    expect(violations(input, choice([0, fast, 0, fast, 0, 0]))).toEqual([
      'job: continuous job runs in separate blocks',
    ]);
    expect(violations(input, choice([0, fast, fast, fast, 0, 0]))).toEqual([
      'job: continuous job runs on after its work is done',
    ]);
    expect(violations(input, choice([0, slow, slow, 0, 0, 0]))).toEqual([
      'job: continuous job stops before its work is done',
    ]);
    // Cut off by the horizon's end it may stop short (it goes on in the next plan).
    expect(violations(input, choice([0, 0, 0, 0, slow, slow]))).toEqual([]);
  });
});

describe('the room as a thermal battery', () => {
  /** A cheap morning, then dear hours: a heat pump's house with a 1 kW heater-miner. */
  function morning(): PlanInput {
    const slots = Array.from({ length: 24 }, (_, t) => ({
      start: T0 + t * 3_600_000,
      hours: 1,
      price: t < 6 ? 0.04 : 0.4,
      heatDemandW: 0,
      heatCreditPerKWh: t < 6 ? 0.04 / 3 : 0.4 / 3,
      quiet: false,
      outdoorC: 0,
      comfort: { minC: 20, maxC: 23 },
    }));
    return {
      slots,
      devices: [{ id: deviceId('pc'), levels: [{ powerW: 1000, rates: { mine: 1 } }] }],
      jobs: [{ id: jobId('mining'), kind: 'mine', valuePerWork: 0 }],
      limits: {},
      thermal: { uaWPerK: 200, capacityWhPerK: 10_000, indoorC: 20, sourceCapW: 8000 },
    };
  }

  it('pre-heats in the cheap hours and coasts through the dear ones, and says why', async () => {
    const input = morning();
    const p = await plan(input, at(input));
    expect(p.status).toEqual({ kind: 'optimal' });
    // Warmer than the band's lower edge when the dear hours begin, never below it.
    expect(p.slots[5]!.indoorC!).toBeGreaterThan(21);
    for (const s of p.slots) expect(s.indoorC!).toBeGreaterThanOrEqual(20 - 1e-6);
    expect(
      p.slots.slice(0, 6).some((s) => /^pre-heating: 0\.0400 €\/kWh now vs 0\.4000 €\/kWh at 06:00 UTC/.test(s.reason)),
    ).toBe(true);
    expect(p.totals.comfortKh).toBeLessThan(1e-6);
    expect(p.warnings).toBeUndefined();
    // Cheaper than holding the lower edge all day (what a thermostat would do).
    const hold = await plan(input, { ...at(input), solver: 'heuristic' });
    expect(p.totals.net).toBeGreaterThan(hold.totals.net + 0.05);
  });

  it('refuses a band upside down, a UA of zero and a missing outdoor temperature, naming the field', async () => {
    const base = morning();
    const upside = {
      ...base,
      slots: base.slots.map((s, i) => (i === 3 ? { ...s, comfort: { minC: 22, maxC: 20 } } : s)),
    };
    await expect(plan(upside, at(base))).rejects.toThrow(
      /comfort band upside down \(22 °C to 20 °C\); give the lower bound first/,
    );
    await expect(plan({ ...base, thermal: { ...base.thermal!, uaWPerK: 0 } }, at(base))).rejects.toThrow(
      /thermal.uaWPerK is 0 W\/K/,
    );
    const gap = { ...base, slots: base.slots.map((s, i) => (i === 2 ? { ...s, outdoorC: undefined } : s)) };
    await expect(plan(gap, at(base))).rejects.toThrow(
      /has no outdoor temperature; the thermal model needs one per slot/,
    );
  });

  it('a band the heat source cannot hold still gets a plan, with the shortfall counted and said', async () => {
    const base = morning();
    const input = {
      ...base,
      slots: base.slots.map((s) => ({ ...s, outdoorC: -25 })),
      thermal: { ...base.thermal!, sourceCapW: 2000 },
    };
    const p = await plan(input, at(input));
    expect(p.totals.comfortKh).toBeGreaterThan(1);
    expect(p.slots.some((s) => /K below the comfort band: the heat source cannot keep up/.test(s.reason))).toBe(true);
    expect(p.warnings?.[0]).toMatch(
      /the comfort band cannot be held: .* the house loses 9000 W at 20 °C with -25.0 °C outside \(room.heatLossWPerK 200 W\/K\) and the heat source gives at most 2000 W \(heatSource.capacityW\): raise the capacity/,
    );
    expect(checkPlan(input, p).violations).toEqual([]);
  });
});

describe('a device outside the heated space (heats: false)', () => {
  /** Four hours at 0.25 €/kWh with 400 W of heat demand worth 0.2 €/kWh; a 300 W miner earning `perKWh` €/kWh of its power. */
  function demand(heats: boolean, perKWh: number): PlanInput {
    return {
      slots: Array.from({ length: 4 }, (_, t) => ({
        start: T0 + t * 3_600_000,
        hours: 1,
        price: 0.25,
        heatDemandW: 400,
        heatCreditPerKWh: 0.2,
        quiet: false,
      })),
      devices: [{ id: deviceId('miner'), levels: [{ powerW: 300, rates: { mine: 1 } }], heats }],
      // Value per unit of work, one unit per hour at 300 W: perKWh × 0.3 kWh.
      jobs: [{ id: jobId('mining'), kind: 'mine', valuePerWork: perKWh * 0.3 }],
      limits: {},
    };
  }

  it('demand model: heat credit makes a 0.10 €/kWh miner pay in the home, not in the garage', async () => {
    for (const solver of ['auto', 'milp'] as const) {
      // In the home: 0.10 mining + 0.20 heat credit > 0.25 price, so it runs every hour.
      const home = await plan(demand(true, 0.1), { ...at(demand(true, 0.1)), solver });
      expect(home.slots.map((s) => s.decisions[0]!.job)).toEqual(['mining', 'mining', 'mining', 'mining']);
      expect(home.totals.heatKWh).toBeCloseTo(1.2, 9);
      expect(home.totals.heatCredit).toBeCloseTo(1.2 * 0.2, 9);
      // In the garage: 0.10 mining < 0.25 price and no credit, so it stays off, and the plan says why.
      const garage = await plan(demand(false, 0.1), { ...at(demand(false, 0.1)), solver });
      expect(garage.status).toEqual({ kind: 'optimal' });
      // Mining only, demand model: the exact DP route, which must know where the heat goes too.
      expect([home.solver, garage.solver]).toEqual(solver === 'auto' ? ['dp', 'dp'] : ['milp', 'milp']);
      expect(garage.slots.map((s) => s.decisions[0]!.job)).toEqual([null, null, null, null]);
      expect(garage.totals.net).toBe(0);
      expect(garage.slots[0]!.reason).toBe('price 0.2500 above revenue 0.1000 €/kWh');
    }
  });

  it('demand model: mining that pays on its own runs in the garage, billed, with no heat and no credit', async () => {
    const input = demand(false, 0.3);
    for (const solver of ['auto', 'milp'] as const) {
      const p = await plan(input, { ...at(input), solver });
      expect(p.slots.every((s) => s.decisions[0]!.job === 'mining')).toBe(true);
      expect(p.totals.energyKWh).toBeCloseTo(1.2, 9);
      expect(p.totals.cost).toBeCloseTo(1.2 * 0.25, 9);
      expect(p.totals.heatKWh).toBe(0);
      expect(p.totals.heatCredit).toBe(0);
      expect(p.slots.every((s) => s.usefulHeatKWh === 0)).toBe(true);
      expect(p.totals.net).toBeCloseTo(1.2 * (0.3 - 0.25), 9);
      expect(Math.abs(p.totals.net - checkPlan(input, p).net)).toBeLessThanOrEqual(1e-12);
    }
  });

  /** Six hours at 0 °C outside, band 20–23 °C, a heat pump's heat at 0.1/3 €/kWh; a 1 kW miner that pays on its own. */
  function room(heats: boolean, jobs = true): PlanInput {
    return {
      slots: Array.from({ length: 6 }, (_, t) => ({
        start: T0 + t * 3_600_000,
        hours: 1,
        price: 0.1,
        heatDemandW: 0,
        heatCreditPerKWh: 0.1 / 3,
        quiet: false,
        outdoorC: 0,
        comfort: { minC: 20, maxC: 23 },
      })),
      devices: [{ id: deviceId('miner'), levels: [{ powerW: 1000, rates: { mine: 1 } }], heats }],
      jobs: jobs ? [{ id: jobId('mining'), kind: 'mine', valuePerWork: 0.2 }] : [],
      limits: {},
      thermal: { uaWPerK: 200, capacityWhPerK: 10_000, indoorC: 20, sourceCapW: 8000 },
    };
  }

  it('thermal model: a miner in the garage does not warm the room; the heat source does it all', async () => {
    const garage = await plan(room(false), at(room(false)));
    const none = await plan(room(false, false), at(room(false)));
    const home = await plan(room(true), at(room(true)));
    expect(garage.status).toEqual({ kind: 'optimal' });
    expect(garage.slots.every((s) => s.decisions[0]!.job === 'mining')).toBe(true);
    // The room goes exactly as it would with the miner off: the source holds 20 °C against
    // 200 W/K × 20 K = 4 kW of losses, 24 kWh over the six hours.
    expect(garage.totals.sourceHeatKWh).toBeCloseTo(24, 6);
    expect(garage.totals.sourceHeatKWh).toBeCloseTo(none.totals.sourceHeatKWh, 9);
    garage.slots.forEach((s, t) => expect(s.indoorC!).toBeCloseTo(none.slots[t]!.indoorC!, 9));
    expect(garage.totals.heatKWh).toBe(0);
    expect(garage.totals.energyKWh).toBeCloseTo(6, 9);
    expect(garage.totals.comfortKh).toBeLessThan(1e-6);
    // In the home the miner's 6 kWh displace as much of the source's heat.
    expect(home.totals.heatKWh).toBeCloseTo(6, 9);
    expect(home.totals.sourceHeatKWh).toBeCloseTo(18, 6);
    const a = checkPlan(room(false), garage);
    expect(a.violations).toEqual([]);
    expect(Math.abs(garage.totals.net - a.net)).toBeLessThanOrEqual(1e-9);
  });

  /**
   * A garage miner (efficient, heats: false) and a PC in the home under one 600 W cap: three hours
   * whose price, heat demand and credit make the choice between them turn on where the heat goes.
   */
  function mixed(thermal: boolean, heats = false): PlanInput {
    const prices = [0.08, 0.3, 0.18];
    return {
      slots: prices.map((price, t) => ({
        start: T0 + t * 900_000,
        hours: 0.25,
        price,
        heatDemandW: [500, 200, 350][t]!,
        heatCreditPerKWh: thermal ? 0.1 : 0.16,
        quiet: false,
        ...(thermal ? { outdoorC: [2, -3, 5][t]!, comfort: { minC: 20, maxC: 22 } } : {}),
      })),
      devices: [
        {
          id: deviceId('garage'),
          levels: [
            { powerW: 250, rates: { mine: 1 } },
            { powerW: 450, rates: { mine: 1.7 } },
          ],
          minRunSlots: 2,
          heats,
        },
        { id: deviceId('pc'), levels: [{ powerW: 300, rates: { mine: 0.5 } }] },
      ],
      jobs: [{ id: jobId('mining'), kind: 'mine', valuePerWork: 0.03 }],
      limits: { powerCapW: 600 },
      ...(thermal ? { thermal: { uaWPerK: 120, capacityWhPerK: 1500, indoorC: 20.2, sourceCapW: 100_000 } } : {}),
    };
  }

  for (const thermal of [false, true]) {
    it(`a mixed home agrees with trying every plan and with the reference model (${thermal ? 'thermal' : 'demand'} model)`, async () => {
      const input = mixed(thermal);
      for (const solver of ['auto', 'milp'] as const) {
        const p = await plan(input, { ...at(input), solver });
        const mine = checkPlan(input, p);
        const best = bruteForce(input)!;
        expect(mine.violations).toEqual([]);
        expect(p.status).toEqual({ kind: 'optimal' });
        expect(
          atLeastAsGood(mine, best, 1e-6) && atLeastAsGood(best, mine, 1e-6),
          `${solver}: ${JSON.stringify(mine)} vs ${JSON.stringify(best)}`,
        ).toBe(true);
        expect(Math.abs(p.totals.net - mine.net)).toBeLessThanOrEqual(1e-9);
        // Heat into the home: the PC's energy alone.
        const pcKWh = p.slots.reduce((a, s) => a + (s.decisions[1]!.powerW * 0.25) / 1000, 0);
        expect(p.totals.heatKWh).toBeCloseTo(pcKWh, 12);
      }
      const ref = await referencePlan(input);
      const r = checkPlan(input, ref);
      const best = bruteForce(input)!;
      expect(ref.status).toBe('optimal');
      expect(atLeastAsGood(r, best, 1e-6) && atLeastAsGood(best, r, 1e-6)).toBe(true);
      // Where the garage's heat goes decides the optimum: counted as heat, it is a different one.
      const warm = checkPlan(mixed(thermal, true), await plan(mixed(thermal, true), at(input)));
      expect(Math.abs(warm.objective - best.objective)).toBeGreaterThan(1e-3);
    });
  }

  it('refuses heats that is not a boolean, naming the device', async () => {
    const input = demand(true, 0.1);
    const bad = { ...input, devices: [{ ...input.devices[0]!, heats: 'no' as unknown as boolean }] };
    await expect(plan(bad, at(input))).rejects.toThrow(
      /device "miner" has heats "no"; give true \(its heat warms the home\) or false \(it stands outside the heated space\)/,
    );
  });
});
