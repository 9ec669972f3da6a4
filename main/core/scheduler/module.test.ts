import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_PLAN_LIMITS, type HeatingSettings, type Plan } from '#contract/index';
import { dispatch } from '#core/handler';
import { heatingModule } from '#core/heating/module';
import { defaultHeatingSettings } from '#core/heating/setting';
import type { PlanInput } from '#contract/plan';
import { plannerThread } from '#core/planner/planner-thread';
import { easyPool } from '../../../test/support/stratum-pool.ts';
import { until } from '../../../test/support/until.ts';
import { tariffModule } from '#core/tariff/module';
import { demoModules, prepareDemo } from '../../../test/support/scheduler-demo.ts';
import { schedulerModule } from './module.ts';
import { TestClock } from '../../../test/support/test-clock.ts';
import { testCores } from '../../../test/support/core.ts';

const cores = testCores('hearth-scheduler-');

describe('scheduler module', () => {
  it('plans on start, serves the plan and takes a pause override that expires', async () => {
    const t0 = Date.UTC(2026, 2, 29, 10, 7);
    const clock = new TestClock(t0);
    const core = await cores.start({
      dataDir: cores.dir(),
      clock,
      modules: [tariffModule({ cron: false }), heatingModule({ cron: false }), schedulerModule({ cron: false })],
    });
    const applied: string[] = [];
    core.events.on('plan-applied', (a) => applied.push(a.source));
    const got = await dispatch(core.handlers, 'plan-get', {});
    expect(got.ok).toBe(true);
    if (!got.ok) return;
    const r = got.result as { plan: { slots: unknown[] } | null; applied: { slotStart: number } | null };
    expect(r.plan).not.toBeNull();
    expect(r.applied?.slotStart).toBe(Date.UTC(2026, 2, 29, 10, 0));
    const past = await dispatch(core.handlers, 'plan-override', { override: { kind: 'pause', until: t0 - 1 } });
    expect(past).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    const bad = await dispatch(core.handlers, 'plan-override', { override: { kind: 'sleep' } });
    expect(bad.ok).toBe(false);
    const ok = await dispatch(core.handlers, 'plan-override', { override: { kind: 'pause', until: t0 + 3_600_000 } });
    expect(ok.ok).toBe(true);
    expect(applied.at(-1)).toBe('override');
    await clock.advanceTo(t0 + 3_600_000 + 1);
    expect(applied.at(-1)).not.toBe('override');
  }, 30_000);
});

describe('scheduler limits', () => {
  it('quiet hours and the power cap bind the plan; bad limits are refused and the stored ones stay', async () => {
    const dir = cores.dir();
    const t0 = Date.UTC(2026, 0, 15, 10, 7);
    const clock = new TestClock(t0);
    const pool = await easyPool();
    const first = await cores.start({ dataDir: dir, clock, modules: demoModules({ cron: false }) });
    // Every other quarter-hour pays for power drawn: the CPU runs in those unless a limit stops it.
    await prepareDemo(first.handlers, { from: Date.UTC(2026, 0, 15, 9, 0), hours: 52, poolUrl: pool.url });
    await first.close();
    const core = await cores.start({ dataDir: dir, clock, modules: demoModules({ cron: false }) });
    try {
      type Slot = { start: number; decisions: { job: string | null }[]; reason: string };
      const running = (s: Slot) => s.decisions.some((d) => d.job !== null);
      // Each look after the first moves the core's clock on a second, which fires its timers (one
      // applies the slot); at most 100 s a wait keeps all three inside the 10:00 quarter-hour.
      // Carrying a slot out starts real threads: `until` leaves real time between looks.
      const waitFor = (ok: (slots: Slot[]) => boolean) => {
        const last = clock.now() + 100_000;
        let looked = false;
        return until(
          'the plan to take the new limits',
          async () => {
            if (looked && clock.now() < last) await clock.advanceTo(clock.now() + 1_000);
            looked = true;
            const got = await dispatch(core.handlers, 'plan-get', {});
            return got.ok ? ((got.result as { plan: { slots: Slot[] } | null }).plan?.slots ?? []) : [];
          },
          (slots) => slots.length > 0 && ok(slots),
        );
      };
      await waitFor((slots) => slots.some(running));

      const limits = {
        ...DEFAULT_PLAN_LIMITS,
        quiet: { enabled: true, from: '00:00', to: '23:00', capW: 0 },
        maxTempC: 85,
      };
      expect((await dispatch(core.handlers, 'plan-limits-set', limits)).ok).toBe(true);
      const hour = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', hourCycle: 'h23' });
      const quietAt = (s: Slot) => hour.format(s.start) !== '23';
      // The current slot's reason is what was carried out, so it changes once the slot is applied again.
      const slots = await waitFor((all) =>
        all.every((s) => !quietAt(s) || (!running(s) && s.reason.includes('quiet hours'))),
      );
      expect(slots.filter((s) => !quietAt(s)).some(running)).toBe(true);

      const bad = await dispatch(core.handlers, 'plan-limits-set', {
        ...limits,
        powerCapW: -5,
        quiet: { ...limits.quiet, from: '25:00' },
      });
      expect(bad.ok).toBe(false);
      if (!bad.ok) expect(bad.error.message).toMatch(/^The power cap must be at least 1 W/);
      expect(await dispatch(core.handlers, 'plan-limits-get', {})).toEqual({ ok: true, result: limits });

      // A cap below the CPU's lowest level keeps it off everywhere.
      expect(
        (
          await dispatch(core.handlers, 'plan-limits-set', {
            ...limits,
            powerCapW: 1,
            quiet: { ...limits.quiet, enabled: false },
          })
        ).ok,
      ).toBe(true);
      await waitFor((all) => !all.some(running));
    } finally {
      await pool.close();
    }
  }, 60_000);
});

describe('scheduler inputs', () => {
  afterEach(() => vi.restoreAllMocks());
  /** Every PlanInput the scheduler hands the planner worker, in order. */
  const capture = () => {
    const inputs: PlanInput[] = [];
    const real = plannerThread.plan.bind(plannerThread);
    vi.spyOn(plannerThread, 'plan').mockImplementation((input, opts) => {
      inputs.push(input);
      return real(input, opts);
    });
    return inputs;
  };

  it('in thermal mode the plan keeps the room in the comfort band and pre-heats while power is cheap', async () => {
    const dir = cores.dir();
    const t0 = Date.UTC(2026, 0, 15, 10, 7);
    const hour = Math.floor(t0 / 3_600_000) * 3_600_000;
    const dearFrom = hour + 6 * 3_600_000;
    const clock = new TestClock(t0);
    const modules = () => [
      tariffModule({ cron: false }),
      heatingModule({ cron: false }),
      schedulerModule({ cron: false }),
    ];
    const first = await cores.start({ dataDir: dir, clock, modules: modules() });
    // 0.04 EUR/kWh for six hours, then 0.40: electric heat bought early is a tenth of the price.
    const rows = [
      'start,price',
      ...Array.from(
        { length: 52 },
        (_, i) =>
          `${new Date(hour + i * 3_600_000).toISOString()},${hour + i * 3_600_000 < dearFrom ? '0.04' : '0.40'}`,
      ),
    ];
    await first.handlers['tariff-import-csv']({ csv: rows.join('\n'), unit: 'per-kwh', currency: 'EUR' });
    const ts = await first.handlers['tariff-settings']({});
    await first.handlers['tariff-configure']({ ...ts, tariff: { kind: 'csv', currency: 'EUR' }, skipCheck: true });
    const thermal: HeatingSettings = {
      ...defaultHeatingSettings(),
      mode: 'thermal',
      timeZone: 'UTC',
      season: { kind: 'always' },
      schedule: Array.from({ length: 7 }, () => [{ at: '00:00', c: 20, maxC: 23 }]),
      room: { heatLossWPerK: 200, capacityWhPerK: 10_000 },
      heatSource: { kind: 'resistive', capacityW: 12_000 },
      fallbackOutdoorC: 0,
    };
    await first.handlers['heating-configure'](thermal);
    await first.close();

    const inputs = capture();
    const core = await cores.start({ dataDir: dir, clock, modules: modules() });
    const input = inputs.at(-1)!;
    // No reading: the room starts at the lower bound.
    expect(input.thermal).toEqual({ uaWPerK: 200, capacityWhPerK: 10_000, indoorC: 20, sourceCapW: 12_000 });
    expect(input.slots[0]).toMatchObject({ outdoorC: 0, comfort: { minC: 20, maxC: 23 } });
    const got = await dispatch(core.handlers, 'plan-get', {});
    expect(got.ok).toBe(true);
    const plan = (got as { result: { plan: Plan } }).result.plan;
    expect(plan.status).toEqual({ kind: 'optimal' });
    for (const s of plan.slots) {
      expect(s.comfort).toEqual({ minC: 20, maxC: 23 });
      expect(s.indoorC!).toBeGreaterThan(20 - 1e-6);
      expect(s.indoorC!).toBeLessThan(23 + 1e-6);
    }
    // Warmed above the lower bound by the time the dear hours begin, on cheap heat bought before them.
    const lastCheap = plan.slots.filter((s) => s.start < dearFrom).at(-1)!;
    expect(lastCheap.indoorC!).toBeGreaterThan(21);
    expect(
      plan.slots.some(
        (s) => s.start < dearFrom && s.reason.startsWith('pre-heating: 0.0400 EUR/kWh now vs 0.4000 EUR/kWh'),
      ),
    ).toBe(true);
    expect(plan.totals.sourceHeatKWh).toBeGreaterThan(0);
    expect(plan.totals.comfortKh).toBeLessThan(1e-6);
  }, 30_000);

  it("gives detected devices the user's minimum run and pause", async () => {
    const dir = cores.dir();
    const clock = new TestClock(Date.UTC(2026, 0, 15, 10, 7));
    const first = await cores.start({ dataDir: dir, clock, modules: demoModules({ cron: false }) });
    await prepareDemo(first.handlers, { from: Date.UTC(2026, 0, 15, 9, 0), hours: 52, poolUrl: null });
    const limits = { ...DEFAULT_PLAN_LIMITS, minRunMin: 40, minPauseMin: 30, maxTempC: 85 };
    expect((await dispatch(first.handlers, 'plan-limits-set', limits)).ok).toBe(true);
    await first.close();

    const inputs = capture();
    await cores.start({ dataDir: dir, clock, modules: demoModules({ cron: false }) });
    const cpu = inputs.at(-1)!.devices.find((d) => d.id === 'cpu');
    expect(cpu).toBeDefined();
    // 15-minute slots: 40 min is three slots (rounded up), 30 min two.
    expect(cpu).toMatchObject({ minRunSlots: Math.ceil(40 / 15), minPauseSlots: 2, maxTempC: 85 });
  }, 30_000);
});
