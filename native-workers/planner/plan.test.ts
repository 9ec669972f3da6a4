import { describe, expect, it } from 'vitest';
import { deviceId, jobId } from '#contract/id';
import type { PlanInput } from '#contract/plan';
import { atLeastAsGood, checkPlan } from '../../test/support/plan-check.ts';
import { bruteForce } from '../../test/support/plan-brute.ts';
import { T0, tiny } from '../../test/support/plan-tiny.ts';
import { deviceOptions, violations } from './evaluate.ts';
import { plan } from './plan.ts';

const at = (input: PlanInput) => ({ now: input.slots[0]?.start ?? T0 });

describe('plan() on tiny problems, against trying every plan', () => {
  it('equals the exhaustive optimum on 160 tiny problems, and says so', async () => {
    let thermal = 0;
    let deadlines = 0;
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
    }
    // The generator covers both models and deadline work.
    expect(thermal).toBeGreaterThan(50);
    expect(deadlines).toBeGreaterThan(50);
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
