import { describe as suite, expect, it } from 'vitest';
import type { DeviceId, Job, JobId, PlannedSlot } from '#contract/index';
import { jobNamer } from '../job/job-name.ts';
import { next24h, nextChange } from './plan-summary.ts';

const H = 3_600_000;
const T0 = Date.UTC(2026, 11, 1, 0);

/** An hour slot: `job` on the CPU at 65 W, or off. */
function slot(i: number, job: JobId | null, price = 0.3): PlannedSlot {
  const on = job !== null;
  const energyKWh = on ? 0.065 : 0;
  return {
    start: T0 + i * H,
    price,
    decisions: [{ device: 'cpu' as DeviceId, job, level: on ? 0 : -1, powerW: on ? 65 : 0, work: 0 }],
    energyKWh,
    heatKWh: energyKWh,
    usefulHeatKWh: 0,
    heatCredit: 0,
    cost: energyKWh * price,
    revenue: on ? 0.001 : 0,
    sourceHeatKWh: 0,
    sourceCost: 0,
    net: on ? 0.001 - energyKWh * price : 0,
    reason: '',
  };
}

suite('dashboard plan summary', () => {
  // 48 hour slots: off, then mining from 03:00 to 05:00, then off again.
  const plan = Array.from({ length: 48 }, (_, i) =>
    slot(i, i >= 3 && i < 5 ? ('mining' as JobId) : null, i >= 3 && i < 5 ? -0.2 : 0.3),
  );

  it("names a queued job by the name people gave it, not the planner's job:<id>", () => {
    const queued = plan.map((s) => ({
      ...s,
      decisions: s.decisions.map((d) => ({ ...d, job: d.job && ('job:7' as JobId) })),
    }));
    const jobs = [{ id: 7, name: 'render' }] as Job[];
    expect(nextChange(queued, T0, jobNamer(jobs))?.what).toBe('render on cpu at 65 W');
    expect(nextChange(queued, T0)?.what).toBe('job:7 on cpu at 65 W');
  });

  it('names the next slot that does something else, and when', () => {
    expect(nextChange(plan, T0 + 30 * 60_000)).toEqual({ at: T0 + 3 * H, what: 'mining on cpu at 65 W' });
    expect(nextChange(plan, T0 + 3 * H + 1)).toEqual({ at: T0 + 5 * H, what: 'everything off' });
    // Nothing changes after 05:00 until the plan ends.
    expect(nextChange(plan, T0 + 6 * H)).toBeNull();
    // Before the plan starts, its first slot is the next change.
    expect(nextChange(plan, T0 - H)).toEqual({ at: T0, what: 'everything off' });
    expect(nextChange([], T0)).toBeNull();
  });

  it('sums the slots that overlap the next 24 hours, the current one included', () => {
    const at = T0 + 30 * 60_000;
    const s = next24h(plan, at);
    // Slots 00:00 … 00:00 next day (exclusive of the one starting 24 h after `at`): 25 overlap.
    expect(s.slots).toBe(25);
    expect(s.energyKWh).toBeCloseTo(0.13, 12);
    expect(s.cost).toBeCloseTo(-0.026, 12);
    expect(s.revenue).toBeCloseTo(0.002, 12);
    expect(s.net).toBeCloseTo(0.028, 12);
    // A day later the run is behind: nothing planned.
    expect(next24h(plan, T0 + 24 * H).energyKWh).toBe(0);
  });
});
