import { afterAll, describe, expect, it } from 'vitest';
import { benchInstance } from './bench-instance.ts';
import { evaluate, score } from './evaluate.ts';
import type { PlanInput } from './model.ts';
import { plan } from './plan.ts';
import { PlannerThread } from './planner-thread.ts';

describe('the planner worker thread', () => {
  const thread = new PlannerThread();
  afterAll(() => thread.close());
  const full = benchInstance();
  const now = full.slots[0]!.start;

  it('plans the 48 h bench instance off this thread (the event loop keeps turning) and equals plan() here', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const t0 = performance.now();
    const there = await thread.plan(full, { now });
    const ms = performance.now() - t0;
    clearInterval(timer);
    // Planning this instance takes ~1 s (the MIP fallback); in this thread the timer would not fire at all.
    expect(ticks).toBeGreaterThan(Math.min(20, ms / 5 / 4));
    const here = await plan(full, { clock: { now: () => now }, fallbackIn: 'thread' });
    expect(there.solver).toBe(here.solver);
    expect(there.shortfalls).toEqual(here.shortfalls);
    expect(Math.abs(there.totals.net - here.totals.net)).toBeLessThanOrEqual(1e-9 * Math.abs(here.totals.net));
  }, 60_000);

  it('keeps one worker for many plans, and the MIP alone is served by it too', async () => {
    const small: PlanInput = { ...full, slots: full.slots.slice(0, 16), jobs: full.jobs.filter((j) => j.id === 'mining' || j.id === 'train-a') };
    const before = thread.started;
    const plans = await Promise.all([1, 2, 3].map(() => thread.plan(small, { now })));
    const choice = await thread.mip(small);
    expect(thread.started).toBe(Math.max(before, 1));
    for (const p of plans) expect(p.totals.net).toBeCloseTo(plans[0]!.totals.net, 12);
    expect(score(evaluate(small, choice)).net).toBeCloseTo(plans[0]!.totals.net, 9);
  }, 60_000);

  it('bad input is refused with the planner\'s message, and the worker goes on serving', async () => {
    const bad: PlanInput = { ...full, devices: [full.devices[0]!, full.devices[0]!] };
    await expect(thread.plan(bad, { now })).rejects.toThrow(/device "cpu" listed twice/);
    const started = thread.started;
    const ok = await thread.plan({ ...full, slots: full.slots.slice(0, 8), jobs: [full.jobs[0]!] }, { now });
    expect(ok.slots).toHaveLength(8);
    expect(thread.started).toBe(started);
  });

  it('a worker that goes away fails what it had pending, and the next request starts a new one', async () => {
    const pending = thread.plan(full, { now });
    await new Promise((r) => setTimeout(r, 50));
    const started = thread.started;
    await thread.close();
    await expect(pending).rejects.toThrow(/planner worker exited/);
    const ok = await thread.plan({ ...full, slots: full.slots.slice(0, 8), jobs: [full.jobs[0]!] }, { now });
    expect(ok.solver).toBe('dp');
    expect(thread.started).toBe(started + 1);
  }, 60_000);
});
