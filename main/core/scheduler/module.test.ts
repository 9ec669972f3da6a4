import { describe, expect, it } from 'vitest';
import { dispatch } from '#core/handler';
import { heatingModule } from '#core/heating/module';
import { TestPool } from '../../../test/support/stratum-pool.ts';
import { tariffModule } from '#core/tariff/module';
import { demoModules, prepareDemo } from './demo.ts';
import { schedulerModule } from './module.ts';
import { TestClock } from './test-clock.ts';
import { testCores } from '../../../test/headless/core.ts';

const cores = testCores('hearth-scheduler-');

describe('scheduler module', () => {
  it('plans on start, serves the plan and takes a pause override that expires', async () => {
    const t0 = Date.UTC(2026, 2, 29, 10, 7);
    const clock = new TestClock(t0);
    const core = await cores.start({ dataDir: cores.dir(), clock, modules: [tariffModule({ cron: false }), heatingModule({ cron: false }), schedulerModule({ cron: false })] });
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
    const pool = new TestPool({ difficulty: 2 ** -14 });
    await pool.listen();
    pool.notify(true);
    const first = await cores.start({ dataDir: dir, clock, modules: demoModules({ cron: false }) });
    // Every other quarter-hour pays for power drawn: the CPU runs in those unless a limit stops it.
    await prepareDemo(first.handlers, { from: Date.UTC(2026, 0, 15, 9, 0), hours: 52, poolUrl: pool.url });
    await first.close();
    const core = await cores.start({ dataDir: dir, clock, modules: demoModules({ cron: false }) });
    try {
      type Slot = { start: number; decisions: { job: string | null }[]; reason: string };
      const running = (s: Slot) => s.decisions.some((d) => d.job !== null);
      const waitFor = async (ok: (slots: Slot[]) => boolean) => {
        for (let i = 0; i < 100; i++) {
          const got = await dispatch(core.handlers, 'plan-get', {});
          const slots = got.ok ? ((got.result as { plan: { slots: Slot[] } | null }).plan?.slots ?? []) : [];
          if (slots.length && ok(slots)) return slots;
          await clock.advanceTo(clock.now() + 1_000);
          await new Promise((r) => setTimeout(r, 25)); // the slot is carried out on real threads
        }
        throw new Error('the plan never took the new limits');
      };
      await waitFor((slots) => slots.some(running));

      const limits = { powerCapW: null, quiet: { enabled: true, from: '00:00', to: '23:00', capW: 0 }, minRunMin: 15, minPauseMin: 15, maxTempC: 85 };
      expect((await dispatch(core.handlers, 'plan-limits-set', limits)).ok).toBe(true);
      const hour = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', hourCycle: 'h23' });
      const quietAt = (s: Slot) => hour.format(s.start) !== '23';
      // The current slot's reason is what was carried out, so it changes once the slot is applied again.
      const slots = await waitFor((all) => all.every((s) => !quietAt(s) || (!running(s) && s.reason.includes('quiet hours'))));
      expect(slots.filter((s) => !quietAt(s)).some(running)).toBe(true);

      const bad = await dispatch(core.handlers, 'plan-limits-set', { ...limits, powerCapW: -5, quiet: { ...limits.quiet, from: '25:00' } });
      expect(bad.ok).toBe(false);
      if (!bad.ok) expect(bad.error.message).toMatch(/powerCapW must be at least 1 W/);
      expect(await dispatch(core.handlers, 'plan-limits-get', {})).toEqual({ ok: true, result: limits });

      // A cap below the CPU's lowest level keeps it off everywhere.
      expect((await dispatch(core.handlers, 'plan-limits-set', { ...limits, powerCapW: 1, quiet: { ...limits.quiet, enabled: false } })).ok).toBe(true);
      await waitFor((all) => !all.some(running));
    } finally {
      await pool.close();
    }
  }, 60_000);
});
