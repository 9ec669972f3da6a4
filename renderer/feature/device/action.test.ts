import { describe, expect, it } from 'vitest';
import type { DeviceId, JobId, PlannedSlot } from '#contract/index';
import { fmtClock, fmtSlot } from '../../component/format.ts';
import { plannedSlot } from '../../../test/support/planned-slot.ts';
import { deviceActions } from './action.ts';

const Q = 15 * 60_000;
const T0 = Date.UTC(2026, 11, 1, 12);

/** A quarter-hour slot with `lan:a` at `level` (null: off) and the CPU off. */
function slot(i: number, level: number | null): PlannedSlot {
  return plannedSlot({
    start: T0 + i * Q,
    price: 0.3,
    decisions: [
      {
        device: 'lan:a' as DeviceId,
        job: level === null ? null : ('mining' as JobId),
        level: level ?? -1,
        powerW: level === null ? 0 : [10, 15][level]!,
        work: 0,
      },
      { device: 'cpu' as DeviceId, job: null, level: -1, powerW: 0, work: 0 },
    ],
  });
}

// 10:00 … level 1 (15 W) for an hour, off for an hour, level 0 (10 W) to the end (2 days).
const plan = Array.from({ length: 192 }, (_, i) => slot(i, i < 4 ? 1 : i < 8 ? null : 0));

describe('what a device does now and next, from the plan', () => {
  it('names the level, its power and when it changes, then what comes next and from when', () => {
    const a = deviceActions(plan, null, 'lan:a', T0 + 5 * 60_000);
    expect(a.now).toBe(`mining · level 2 · 15.0 W until ${fmtClock(T0 + 4 * Q)}`);
    expect(a.next).toBe(`off from ${fmtClock(T0 + 4 * Q)}`);
    const off = deviceActions(plan, null, 'lan:a', T0 + 4 * Q);
    expect(off).toEqual({
      now: `off until ${fmtClock(T0 + 8 * Q)}`,
      next: `mining · level 1 · 10.0 W from ${fmtClock(T0 + 8 * Q)}`,
    });
    // A device's own step names win over "level N"; the job by its people's name.
    const named = deviceActions(plan, null, 'lan:a', T0, { level: (l) => ['Eco', 'Turbo'][l], job: () => 'Bitcoin' });
    expect(named.now).toBe(`Bitcoin · Turbo · 15.0 W until ${fmtClock(T0 + 4 * Q)}`);
  });

  it('says when nothing changes for the rest of the plan, or when there is no plan to say anything', () => {
    expect(deviceActions(plan, null, 'cpu', T0)).toEqual({ now: 'off', next: 'no change in the plan' });
    expect(deviceActions(plan, null, 'lan:a', T0 + 10 * Q).next).toBe('no change in the plan');
    expect(deviceActions(null, null, 'cpu', T0)).toEqual({ now: 'no plan', next: 'no plan' });
    expect(deviceActions(plan, null, 'cpu', T0 - Q).now).toBe('no plan');
    expect(deviceActions(plan, null, 'lan:zz', T0).now).toBe('not in the plan');
  });

  it('shows a change a day or more away with its weekday', () => {
    const late = plan.map((s, i) => (i < 100 ? slot(i, 1) : s));
    expect(deviceActions(late, null, 'lan:a', T0).now).toBe(`mining · level 2 · 15.0 W until ${fmtSlot(T0 + 100 * Q)}`);
  });

  it('puts a manual pause or run before the plan while it lasts', () => {
    const until = T0 + 2 * 3_600_000;
    expect(deviceActions(plan, { kind: 'pause', until }, 'lan:a', T0).now).toBe(
      `paused by hand until ${fmtClock(until)}`,
    );
    const run = {
      kind: 'run' as const,
      device: 'cpu' as DeviceId,
      job: 'mining' as JobId,
      level: 0,
      powerW: 40,
      until,
    };
    expect(deviceActions(plan, run, 'cpu', T0).now).toBe(
      `mining · level 1 · 40.0 W (by hand) until ${fmtClock(until)}`,
    );
    expect(deviceActions(plan, run, 'lan:a', T0).now).toMatch(/^mining · level 2/);
    expect(deviceActions(plan, { kind: 'pause', until: T0 - 1 }, 'lan:a', T0).now).toMatch(/^mining/);
  });
});
