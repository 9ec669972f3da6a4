import { describe, expect, it } from 'vitest';
import { benchInstance } from './bench-instance.ts';
import { bruteForce } from './brute.ts';
import { solveDp } from './dp.ts';
import { deviceOptions, evaluate, score, violations } from './evaluate.ts';
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
      mode: r() < 0.35 ? 'continuous' : 'cheapest',
      runPastDeadline: r() < 0.35,
    });
    // A second deadline job competing for the same device (kept to short horizons: brute force is exponential).
    if (D === 1 && T <= 4 && r() < 0.5) {
      jobs.push({
        id: 'render',
        kind: 'train',
        valuePerWork: Math.round(r() * 0.1 * 1e4) / 1e4,
        workNeeded: Math.round(r() * 3 * 100) / 100,
        deadline: T0 + (1 + Math.floor(r() * T)) * H,
        mode: r() < 0.4 ? 'continuous' : 'cheapest',
        runPastDeadline: r() < 0.4,
      });
    }
  }
  const limits = { powerCapW: r() < 0.5 ? 400 + Math.round(r() * 400) : undefined, quietCapW: r() < 0.5 ? 0 : 300 };
  return { slots, devices, jobs, limits };
}

const clock = { now: () => T0 };

/** The option index (into deviceOptions) of a planned decision, to check a returned plan's constraints. */
function choiceIndex(input: PlanInput, d: number, dec: { job: string | null; level: number }): number {
  if (dec.job === null) return 0;
  const j = input.jobs.findIndex((x) => x.id === dec.job);
  return deviceOptions(input, d).findIndex((o) => o !== null && o.job === j && o.level === dec.level);
}

const relClose = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));

describe('planner vs brute force and the MIP', () => {
  it('the fast planner, the MIP and brute force agree on 400 random small instances (continuous, run-past-deadline jobs included); no constraint broken', async () => {
    const routes = new Map<string, number>();
    let continuous = 0;
    let runPast = 0;
    let infeasible = 0;
    for (let seed = 1; seed <= 400; seed++) {
      const input = randomInstance(seed);
      continuous += input.jobs.filter((j) => j.mode === 'continuous').length;
      runPast += input.jobs.filter((j) => j.runPastDeadline).length;
      const ref = bruteForce(input);
      if (!ref) throw new Error(`seed ${seed}: brute force found nothing (all-off is always feasible)`);
      if (ref.shortfall > 0) infeasible++;
      const mip = await solveMip(input);
      expect(violations(input, mip), `seed ${seed} MIP`).toEqual([]);
      const m = score(evaluate(input, mip));
      const got = await plan(input, { clock });
      routes.set(got.solver, (routes.get(got.solver) ?? 0) + 1);
      const fast = solveDp(input);
      if (!fast) throw new Error(`seed ${seed}: the fast planner gave up on a tiny instance`);
      expect(violations(input, fast.choice), `seed ${seed} fast`).toEqual([]);
      const f = score(evaluate(input, fast.choice));
      // The fallback: the MIP without the choices the search ruled out, against the search's best plan.
      const seeded = await plan(input, { clock, maxLabels: 0, fallbackIn: 'thread' });
      if (input.jobs.some((j) => j.workNeeded !== undefined)) expect(seeded.solver).toBe('mip');
      expect(violations(input, seeded.slots.map((sl) => sl.decisions.map((dec, d) => choiceIndex(input, d, dec)))), `seed ${seed} seeded`).toEqual([]);
      for (const [name, s] of [['fast', f], ['mip', m], ['plan', score(got)], ['seeded mip', score(seeded)]] as const) {
        expect(s.shortfall, `seed ${seed} ${name} shortfall`).toBeCloseTo(ref.shortfall, 9);
        expect(s.late, `seed ${seed} ${name} late work`).toBeCloseTo(ref.late, 9);
        expect(relClose(s.net, ref.net), `seed ${seed} ${name}: net ${s.net} vs brute force ${ref.net}`).toBe(true);
      }
    }
    // The sample really covers what it claims to.
    expect(continuous).toBeGreaterThan(40);
    expect(runPast).toBeGreaterThan(40);
    expect(infeasible).toBeGreaterThan(20);
    expect(routes.get('dp')).toBeGreaterThan(50);
    expect(routes.get('dp+bnb')).toBeGreaterThan(50);
    // Tiny instances never need the fallback (it is exercised above with maxLabels: 0).
    expect(routes.get('mip') ?? 0).toBe(0);
  }, 300_000);

  it('equals the MIP on medium instances (the bench instance cut to 48–96 quarter-hours: 3 devices, mining and one or two deadline jobs: cheapest slots / continuous / may run past the deadline / cannot be met)', async () => {
    const full = benchInstance();
    const variants = [
      ['cheapest', 48, ['mining', 'train-a'], {}],
      ['continuous', 48, ['mining', 'train-a'], { mode: 'continuous' }],
      ['run past', 96, ['mining', 'train-a'], { runPastDeadline: true }],
      ['two deadline jobs', 48, ['mining', 'train-a', 'train-c'], {}],
      ['infeasible deadline', 96, ['mining', 'train-a'], { workNeeded: 16 }],
    ] as const;
    for (const [variant, n, ids, extra] of variants) {
      const input: PlanInput = {
        ...full,
        slots: full.slots.slice(0, n),
        jobs: full.jobs.filter((j) => (ids as readonly string[]).includes(j.id)).map((j) => (j.workNeeded === undefined ? j : { ...j, ...extra })),
      };
      const fast = await plan(input, { clock: { now: () => 0 } });
      const mip = score(evaluate(input, await solveMip(input)));
      expect(fast.solver, variant).toBe('dp+bnb');
      const f = score(fast);
      expect(f.shortfall, variant).toBeCloseTo(mip.shortfall, 9);
      expect(f.late, variant).toBeCloseTo(mip.late, 9);
      expect(relClose(f.net, mip.net), `${variant}: fast ${f.net} vs MIP ${mip.net}`).toBe(true);
      if (variant === 'infeasible deadline') expect(fast.shortfalls).toEqual([{ job: 'train-a', missingWork: expect.closeTo(3.95, 9) as number }]);
    }
  }, 120_000);

  it('keeps a job whose work comes in whole slot units exactly in the bound: the 48 h two-job instance is proven without label search and equals the MIP', async () => {
    const full = benchInstance();
    // train-c runs only on gpu1 at one level (0.3 work a quarter-hour; 4 needed = 13⅓ slots),
    // the fraction the plain Lagrangian bound counts and no plan can use.
    const input: PlanInput = { ...full, jobs: full.jobs.filter((j) => ['mining', 'train-a', 'train-c'].includes(j.id)) };
    const fast = solveDp(input);
    if (!fast) throw new Error('the fast planner gave up on the two-job instance');
    expect(fast.route).toBe('dp+bnb');
    // Only DP passes counted against the budget: no label was searched.
    expect(fast.labels).toBe(fast.dualIterations * input.slots.length);
    const f = score(evaluate(input, fast.choice));
    const mip = score(evaluate(input, await solveMip(input)));
    expect(f.shortfall).toBeCloseTo(mip.shortfall, 9);
    expect(relClose(f.net, mip.net), `fast ${f.net} vs MIP ${mip.net}`).toBe(true);
    expect(violations(input, fast.choice)).toEqual([]);
  }, 60_000);

  it('proves the 48 h bench instance (mining and four deadline jobs sharing devices) without the MIP: kept tables, assigned ties, and the certificate with two jobs kept at once', async () => {
    const input = benchInstance();
    const fast = solveDp(input);
    if (!fast) throw new Error('the fast planner gave up on the bench instance');
    expect(fast.route).toBe('dp+bnb');
    const f = score(evaluate(input, fast.choice));
    const mip = score(evaluate(input, await solveMip(input)));
    expect(f.shortfall).toBe(0);
    expect(mip.shortfall).toBeCloseTo(0, 9);
    expect(relClose(f.net, mip.net), `fast ${f.net} vs MIP ${mip.net}`).toBe(true);
    expect(violations(input, fast.choice)).toEqual([]);
  }, 60_000);
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

  it('falls back to the MIP in a worker thread when the search passes its budget, without blocking this thread', async () => {
    const full = benchInstance();
    const input: PlanInput = { ...full, slots: full.slots.slice(0, 32), jobs: full.jobs.filter((j) => j.id === 'mining' || j.id === 'train-a') };
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const fellBack = await plan(input, { clock, maxLabels: 0 });
    clearInterval(timer);
    expect(fellBack.solver).toBe('mip');
    // The event loop kept turning while HiGHS solved (an in-thread solve would leave ticks at 0 or 1).
    expect(ticks).toBeGreaterThan(3);
    const fast = await plan(input, { clock });
    expect(fast.solver).toBe('dp+bnb');
    expect(relClose(fast.totals.net, fellBack.totals.net)).toBe(true);
    expect(fast.shortfalls).toEqual(fellBack.shortfalls);
  });

  it('runs a continuous job in one block and a run-past-deadline job until done, reporting the miss', async () => {
    const slots = [slot(0, 0.1), slot(1, 0.3), slot(2, 0.1), slot(3, 0.2), slot(4, 0.25)];
    const train = { id: 'train', kind: 'train', valuePerWork: 0.01, workNeeded: 2, deadline: T0 + 4 * H };
    const cheapest = await plan({ slots, devices: [device], jobs: [train], limits: {} }, { clock });
    expect(cheapest.slots.map((s) => s.decisions[0]?.job ?? null)).toEqual(['train', null, 'train', null, null]);
    const block = await plan({ slots, devices: [device], jobs: [{ ...train, mode: 'continuous' }], limits: {} }, { clock });
    expect(block.slots.map((s) => s.decisions[0]?.job ?? null)).toEqual([null, null, 'train', 'train', null]);
    expect(block.slots[2]?.reason).toContain('train: one continuous block before the 04:00 UTC deadline');
    const late = await plan({ slots, devices: [device], jobs: [{ ...train, workNeeded: 5, runPastDeadline: true }], limits: {} }, { clock });
    expect(late.slots.map((s) => s.decisions[0]?.job ?? null)).toEqual(['train', 'train', 'train', 'train', 'train']);
    expect(late.shortfalls).toEqual([{ job: 'train', missingWork: 1, missingAtEnd: 0 }]);
    expect(late.slots[4]?.reason).toContain('train: running past the missed 04:00 UTC deadline until done');
    const notPast = await plan({ slots, devices: [device], jobs: [{ ...train, workNeeded: 5 }], limits: {} }, { clock });
    expect(notPast.slots[4]?.decisions[0]?.job).toBeNull();
    expect(notPast.shortfalls).toEqual([{ job: 'train', missingWork: 1 }]);
  });

  it('says what is wrong with bad input', async () => {
    const input: PlanInput = { slots: [slot(0, 0.1, { hours: 0 })], devices: [device], jobs: [], limits: {} };
    await expect(plan(input, { clock })).rejects.toThrow(/length 0 h; give a positive length/);
    const ok: PlanInput = { slots: [slot(0, 0.1)], devices: [device], jobs: [{ id: 'mining', kind: 'mine', valuePerWork: 0, mode: 'continuous' }], limits: {} };
    await expect(plan(ok, { clock })).rejects.toThrow(/job "mining" is continuous but open-ended; give workNeeded/);
  });
});
