import { afterAll, describe, expect, it } from 'vitest';
import type { PlanInput } from '#contract/plan';
import { plan } from '#workers/planner/plan';
import { realSeries } from '../../../test/support/plan-data.ts';
import { generate } from './generate.ts';
import { PlannerThread } from './planner-thread.ts';

describe('the planner worker thread', () => {
  const thread = new PlannerThread();
  afterAll(() => thread.close());
  const full = generate({ seed: 3, slots: 192, ...realSeries() });
  const now = full.slots[0]!.start;

  it('plans a 48 h home off this thread (the event loop keeps turning) and equals plan() here', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const t0 = performance.now();
    const there = await thread.plan(full, { now });
    const ms = performance.now() - t0;
    clearInterval(timer);
    // Planning this home takes HiGHS most of a second; in this thread the timer would not fire at all.
    expect(ticks).toBeGreaterThan(Math.min(20, ms / 5 / 4));
    const here = await plan(full, { now });
    expect(there.status).toEqual({ kind: 'optimal' });
    expect(there.solver).toBe(here.solver);
    expect(there.shortfalls).toEqual(here.shortfalls);
    expect(Math.abs(there.totals.net - here.totals.net)).toBeLessThanOrEqual(1e-9 * Math.abs(here.totals.net));
  }, 60_000);

  it('keeps one worker for many plans, and passes the options on (HiGHS alone, cold)', async () => {
    const small: PlanInput = { ...full, slots: full.slots.slice(0, 16) };
    const before = thread.started;
    const plans = await Promise.all([1, 2, 3].map(() => thread.plan(small, { now })));
    const cold = await thread.plan(small, { now, solver: 'milp' });
    expect(thread.started).toBe(Math.max(before, 1));
    for (const p of plans) expect(p.totals.net).toBeCloseTo(plans[0]!.totals.net, 12);
    expect(cold.solver).toBe('milp');
    expect(cold.totals.net).toBeCloseTo(plans[0]!.totals.net, 6);
  }, 60_000);

  it("bad input is refused with the planner's message, and the worker goes on serving", async () => {
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
    const ok = await thread.plan(
      { ...full, thermal: undefined, slots: full.slots.slice(0, 8), jobs: [full.jobs[0]!] },
      { now },
    );
    expect(ok.solver).toBe('dp');
    expect(thread.started).toBe(started + 1);
  }, 60_000);
});
