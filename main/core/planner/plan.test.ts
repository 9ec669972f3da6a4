import { describe, expect, it } from 'vitest';
import { bruteForce } from './brute.ts';
import { evaluate, violations } from './evaluate.ts';
import { solveMip } from './mip.ts';
import type { PlanInput } from './model.ts';
import { plan } from './plan.ts';

/** Small deterministic PRNG (mulberry32) so every instance can be reproduced from its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const H = 3_600_000;
const T0 = Date.UTC(2026, 0, 5, 0, 0);

function randomInstance(seed: number): PlanInput {
  const r = rng(seed);
  const D = r() < 0.5 ? 1 : 2;
  const T = D === 1 ? 3 + Math.floor(r() * 4) : 3;
  const slots = Array.from({ length: T }, (_, t) => ({
    start: T0 + t * H,
    hours: 1,
    price: Math.round((r() * 0.4 - 0.05) * 1e4) / 1e4,
    heatDemandW: r() < 0.3 ? 0 : Math.round(r() * 800),
    heatCreditPerKWh: Math.round(r() * 0.15 * 1e4) / 1e4,
    quiet: r() < 0.3,
  }));
  const devices = Array.from({ length: D }, (_, d) => ({
    id: `dev${d}`,
    levels: Array.from({ length: 1 + Math.floor(r() * 2) }, (_, l) => ({
      powerW: 150 + l * 200 + Math.round(r() * 100),
      rates: { mine: 1 + l + r(), train: 1 + l * 0.5 + r() },
      tempC: 60 + l * 15,
    })),
    minRunSlots: 1 + Math.floor(r() * 3),
    minPauseSlots: 1 + Math.floor(r() * 2),
    maxTempC: r() < 0.2 ? 70 : 95,
  }));
  const jobs: PlanInput['jobs'] = [{ id: 'mining', kind: 'mine', valuePerWork: Math.round(r() * 0.05 * 1e4) / 1e4 }];
  if (r() < 0.6) {
    jobs.push({
      id: 'training',
      kind: 'train',
      valuePerWork: Math.round(r() * 0.1 * 1e4) / 1e4,
      workNeeded: Math.round(r() * 6 * 100) / 100,
      deadline: T0 + (1 + Math.floor(r() * T)) * H,
      devices: D === 2 && r() < 0.5 ? ['dev1'] : undefined,
    });
  }
  const limits = { powerCapW: r() < 0.5 ? 400 + Math.round(r() * 400) : undefined, quietCapW: r() < 0.5 ? 0 : 300 };
  return { slots, devices, jobs, limits };
}

const clock = { now: () => T0 };

describe('planner vs brute force', () => {
  it('matches the exhaustive optimum on 300 random small instances and breaks no constraint', async () => {
    for (let seed = 1; seed <= 300; seed++) {
      const input = randomInstance(seed);
      const ref = bruteForce(input);
      if (!ref) throw new Error(`seed ${seed}: brute force found nothing (all-off is always feasible)`);
      const choice = await solveMip(input);
      expect(violations(input, choice), `seed ${seed}`).toEqual([]);
      const got = await plan(input, { clock });
      const shortfall = got.shortfalls.reduce((a, s) => a + s.missingWork, 0);
      expect(shortfall, `seed ${seed} shortfall`).toBeCloseTo(ref.shortfall, 9);
      expect(Math.abs(got.totals.net - ref.net), `seed ${seed}: net ${got.totals.net} vs ${ref.net}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(ref.net)));
      expect(evaluate(input, choice).totals.net).toBeCloseTo(got.totals.net, 12);
    }
  }, 120_000);
});

describe('planner', () => {
  const device = { id: 'pc', levels: [{ powerW: 500, rates: { mine: 1, train: 1 } }] };
  const slot = (t: number, price: number, extra: Partial<PlanInput['slots'][number]> = {}) => ({
    start: T0 + t * H, hours: 1, price, heatDemandW: 0, heatCreditPerKWh: 0, quiet: false, ...extra,
  });

  it('runs a deadline job in the cheapest slots before the deadline and says so', async () => {
    const input: PlanInput = {
      slots: [slot(0, 0.3), slot(1, 0.1), slot(2, 0.2), slot(3, 0.05)],
      devices: [device],
      jobs: [{ id: 'train', kind: 'train', valuePerWork: 0, workNeeded: 2, deadline: T0 + 3 * H }],
      limits: {},
    };
    const p = await plan(input, { clock });
    expect(p.slots.map((s) => s.decisions[0]?.job)).toEqual([null, 'train', 'train', null]);
    expect(p.slots[1]?.reason).toContain('cheapest slots before the 03:00 UTC deadline');
    expect(p.shortfalls).toEqual([]);
  });

  it('reports an infeasible deadline with the work that cannot fit', async () => {
    const input: PlanInput = {
      slots: [slot(0, 0.3), slot(1, 0.1)],
      devices: [device],
      jobs: [{ id: 'train', kind: 'train', valuePerWork: 0, workNeeded: 5, deadline: T0 + 2 * H }],
      limits: {},
    };
    const p = await plan(input, { clock });
    expect(p.shortfalls).toEqual([{ job: 'train', missingWork: 3 }]);
  });

  it('heats when heat is worth more than the power, and explains idle slots', async () => {
    const input: PlanInput = {
      slots: [slot(0, 0.1, { heatDemandW: 1000, heatCreditPerKWh: 0.12 }), slot(1, 0.3, { heatDemandW: 1000, heatCreditPerKWh: 0.12 })],
      devices: [device],
      jobs: [{ id: 'mining', kind: 'mine', valuePerWork: 0.001 }],
      limits: {},
    };
    const p = await plan(input, { clock });
    expect(p.slots[0]?.decisions[0]?.job).toBe('mining');
    expect(p.slots[0]?.reason).toMatch(/^heat needed, net \+0\.0110 €$/);
    expect(p.slots[1]?.decisions[0]?.job).toBeNull();
    expect(p.slots[1]?.reason).toContain('price 0.3000 above heat value and revenue');
    expect(p.totals.net).toBeCloseTo(0.5 * 0.12 + 0.001 - 0.05, 12);
  });

  it('plans only slots that have not ended by the injected clock', async () => {
    const input: PlanInput = { slots: [slot(0, 0.1), slot(1, 0.1), slot(2, 0.1)], devices: [device], jobs: [], limits: {} };
    const p = await plan(input, { clock: { now: () => T0 + 1.5 * H } });
    expect(p.slots.map((s) => s.start)).toEqual([T0 + H, T0 + 2 * H]);
  });

  it('keeps quiet hours and the power cap', async () => {
    const input: PlanInput = {
      slots: [slot(0, -0.1, { quiet: true }), slot(1, -0.1)],
      devices: [device, { ...device, id: 'gpu' }],
      jobs: [{ id: 'mining', kind: 'mine', valuePerWork: 0 }],
      limits: { quietCapW: 0, powerCapW: 600 },
    };
    const p = await plan(input, { clock });
    expect(p.slots[0]?.decisions.every((d) => d.job === null)).toBe(true);
    expect(p.slots[0]?.reason).toBe('quiet hours');
    expect(p.slots[1]?.decisions.filter((d) => d.job).length).toBe(1);
    expect(p.slots[1]?.reason).toContain('power cap 600 W');
  });

  it('says what is wrong with bad input', async () => {
    const input: PlanInput = { slots: [slot(0, 0.1, { hours: 0 })], devices: [device], jobs: [], limits: {} };
    await expect(plan(input, { clock })).rejects.toThrow(/length 0 h; give a positive length/);
  });
});
