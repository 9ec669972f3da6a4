import { describe, expect, it } from 'vitest';
import { deviceId, jobId } from '#contract/id';
import type { Plan, PlanInput, RunModes } from '#contract/index';
import { plan } from '#workers/planner/plan';
import { dispatch } from '#core/handler';
import { testCores } from '../../../test/support/core.ts';
import { demoModules, prepareDemo } from '../../../test/support/scheduler-demo.ts';
import { easyPool } from '../../../test/support/stratum-pool.ts';
import { TestClock } from '../../../test/support/test-clock.ts';
import { until } from '../../../test/support/until.ts';
import { applyModes, modeInput } from './modes.ts';

const H = 3_600_000;
const T0 = Date.UTC(2026, 0, 14, 0);
const CPU = deviceId('cpu');
const JOB = jobId('job:1');

/**
 * Four hours: a negative price with no heat needed, a cheap hour, a dear hour with heat needed, a
 * cheap hour with heat needed. The job earns 0.02 EUR an hour on the CPU's one 100 W level: under
 * `plan` it runs where that beats the electricity (hours 0, 1 and 3).
 */
function home(): PlanInput {
  const prices = [-0.1, 0.05, 0.5, 0.05];
  const demand = [0, 0, 500, 500];
  return {
    slots: prices.map((price, t) => ({
      start: T0 + t * H,
      hours: 1,
      price,
      heatDemandW: demand[t]!,
      heatCreditPerKWh: 0.1,
      quiet: false,
    })),
    devices: [{ id: CPU, levels: [{ powerW: 100, rates: { mine: 1000 } }] }],
    jobs: [{ id: JOB, kind: 'mine', valuePerWork: 0.02 / 1000 }],
    limits: {},
  };
}

async function planned(modes: RunModes): Promise<Plan> {
  const input = modeInput(home(), modes);
  return applyModes(input, await plan(input, { now: T0 }), modes, 'EUR', new Set([1]));
}
const runs = (p: Plan) => p.slots.map((s) => s.decisions.some((d) => d.job === JOB));

describe('run modes', () => {
  it('plan: the planner decides alone, and its plan is passed on unchanged', async () => {
    const input = home();
    const made = await plan(input, { now: T0 });
    expect(runs(made)).toEqual([true, true, false, true]);
    expect(applyModes(input, made, { devices: {}, jobs: {} })).toBe(made);
  });

  it('now: runs in every slot whatever the price, says so in the reason, and the figures are worked out again', async () => {
    const p = await planned({ devices: {}, jobs: { '1': 'now' } });
    expect(runs(p)).toEqual([true, true, true, true]);
    expect(p.slots[2]!.reason).toMatch(/^mode now: job:1 on cpu at 100 W whatever the price \(0\.5000 EUR\/kWh\)/);
    // Hour 2 costs 0.1 kWh × 0.50 = 0.05 EUR; heat 0.1 kWh of the 0.5 kWh needed is credited at 0.10.
    expect(p.slots[2]!.cost).toBeCloseTo(0.05, 12);
    expect(p.slots[2]!.heatCredit).toBeCloseTo(0.01, 12);
    expect(p.totals.cost).toBeCloseTo(0.1 * (-0.1 + 0.05 + 0.5 + 0.05), 12);
    expect(p.status).toMatchObject({ kind: 'heuristic' });
    // Not past the user's limits: a quiet hour with a 0 W cap stays off, and says why.
    const quiet = home();
    quiet.slots[2]!.quiet = true;
    quiet.limits = { quietCapW: 0 };
    const m = { devices: {}, jobs: { '1': 'now' as const } };
    const q = applyModes(modeInput(quiet, m), await plan(modeInput(quiet, m), { now: T0 }), m, 'EUR');
    expect(runs(q)).toEqual([true, true, false, true]);
    expect(q.slots[2]!.reason).toContain('mode now: job:1 cannot run within the quiet-hours cap (0 W)');
    // A device in `now` does the same with the job it can run.
    const dev = await planned({ devices: { cpu: 'now' }, jobs: {} });
    expect(runs(dev)).toEqual([true, true, true, true]);
    expect(dev.slots[2]!.reason).toMatch(/^mode now: cpu runs job:1/);
  });

  it("heat only: runs only where heat is needed, not in the hour that pays for power, nor for the job's earnings", async () => {
    const p = await planned({ devices: {}, jobs: { '1': 'heat' } });
    // Hour 0 pays 0.01 EUR for drawing power but needs no heat; hour 1 would earn but needs no heat;
    // hour 2 needs heat but its credit (0.01) is less than its cost (0.05); hour 3's credit beats its cost.
    expect(runs(p)).toEqual([false, false, false, true]);
    expect(p.slots[0]!.reason).toMatch(/^heat only: job:1 on cpu waits, no heat is needed in this slot/);
    expect(p.totals.revenue).toBe(0);
    const dev = await planned({ devices: { cpu: 'heat' }, jobs: {} });
    expect(runs(dev)).toEqual([false, false, false, true]);
  });

  it('off: a job or a device switched off never runs, and each slot says so', async () => {
    const job = await planned({ devices: {}, jobs: { '1': 'off' } });
    expect(runs(job)).toEqual([false, false, false, false]);
    expect(job.slots.every((s) => s.reason.includes('job:1 switched off'))).toBe(true);
    const dev = await planned({ devices: { cpu: 'off' }, jobs: { '1': 'now' } });
    // Device off wins over the job's now: nothing can run it.
    expect(runs(dev)).toEqual([false, false, false, false]);
    expect(dev.slots[0]!.reason).toContain('cpu switched off');
  });
});

describe('run modes in the scheduler (test clock, real core)', () => {
  const cores = testCores('hearth-modes-');

  it('a mode is stored, survives a restart, goes through the plan as its reason, and an unknown target is refused', async () => {
    const dir = cores.dir();
    const t0 = Date.UTC(2026, 0, 15, 10, 7);
    const clock = new TestClock(t0);
    const pool = await easyPool();
    try {
      const first = await cores.start({ dataDir: dir, clock, modules: demoModules({ cron: false }) });
      // Every other quarter-hour pays for power drawn: under `plan` mining runs in those only.
      await prepareDemo(first.handlers, { from: Date.UTC(2026, 0, 15, 9, 0), hours: 52, poolUrl: pool.url });
      type Slot = { decisions: { job: string | null }[]; reason: string };
      const slotsOf = async (core: typeof first) => {
        const got = await dispatch(core.handlers, 'plan-get', {});
        return got.ok ? ((got.result as { plan: { slots: Slot[] } | null }).plan?.slots ?? []) : [];
      };
      const running = (s: Slot) => s.decisions.some((d) => d.job !== null);
      // Each look moves the core's clock on a second (the re-plan after a change is debounced on it).
      const waitFor = (core: typeof first, ok: (slots: Slot[]) => boolean) =>
        until(
          'the plan to take the mode',
          async () => {
            await clock.advanceTo(clock.now() + 1_000);
            return slotsOf(core);
          },
          (slots) => slots.length > 0 && ok(slots),
        );
      await waitFor(first, (slots) => slots.some(running) && !slots.every(running));
      const jobs = await dispatch(first.handlers, 'job-list', {});
      const mining = jobs.ok
        ? (jobs.result as { id: number; kind: string }[]).find((j) => j.kind === 'mining')
        : undefined;
      expect(mining).toBeDefined();
      const off = await dispatch(first.handlers, 'run-mode-set', { target: { job: mining!.id }, mode: 'off' });
      expect(off).toEqual({ ok: true, result: { devices: {}, jobs: { [String(mining!.id)]: 'off' } } });
      await waitFor(
        first,
        (slots) => !slots.some(running) && slots.every((s) => s.reason.includes(`job:${mining!.id} switched off`)),
      );
      const unknown = await dispatch(first.handlers, 'run-mode-set', { target: { device: 'gpu:7' }, mode: 'now' });
      expect(unknown).toMatchObject({ ok: false, error: { message: 'there is no device "gpu:7"' } });
      const wrong = await dispatch(first.handlers, 'run-mode-set', { target: { job: mining!.id }, mode: 'always' });
      expect(wrong.ok).toBe(false);
      await first.close();

      const again = await cores.start({ dataDir: dir, clock, modules: demoModules({ cron: false }) });
      expect(await dispatch(again.handlers, 'run-modes-get', {})).toEqual({
        ok: true,
        result: { devices: {}, jobs: { [String(mining!.id)]: 'off' } },
      });
      await waitFor(again, (slots) => !slots.some(running));
      expect((await dispatch(again.handlers, 'run-mode-set', { target: { job: mining!.id }, mode: 'now' })).ok).toBe(
        true,
      );
      // Now: every slot mines, the dear ones (50 EUR/kWh) saying why.
      const slots = await waitFor(again, (all) => all.every(running));
      expect(
        slots.filter((s) => s.reason.includes('mode now:') && s.reason.includes('whatever the price (50.0000 EUR/kWh)'))
          .length,
      ).toBeGreaterThan(0);
    } finally {
      await pool.close();
    }
  }, 60_000);
});
