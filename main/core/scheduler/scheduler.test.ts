import { describe, expect, it } from 'vitest';
import { deviceId, jobId } from '#contract/id';
import type { PlanApplied, PlanInput } from '#contract/plan';
import { Scheduler, type SchedulerEvent } from './scheduler.ts';
import { TestClock } from '../../../test/support/test-clock.ts';

const Q = 900_000;
// Europe's spring-forward: 2026-03-29 01:00 UTC (02:00 CET → 03:00 CEST).
const DST = Date.UTC(2026, 2, 29, 1, 0);

function inputsFrom(start: number, count: number, priceAt: (t: number) => number): PlanInput {
  return {
    slots: Array.from({ length: count }, (_, i) => ({
      start: start + i * Q,
      hours: 0.25,
      price: priceAt(start + i * Q),
      heatDemandW: 0,
      heatCreditPerKWh: 0,
      quiet: false,
    })),
    devices: [{ id: deviceId('pc'), levels: [{ powerW: 500, rates: { mine: 1 } }] }],
    jobs: [{ id: jobId('mining'), kind: 'mine', valuePerWork: 0.05 }],
    limits: {},
  };
}

function setup(start: number, priceAt: (t: number) => number = (t) => ((t / Q) % 2 === 0 ? 0.01 : 0.5)) {
  const clock = new TestClock(start);
  const applied: { at: number; a: PlanApplied }[] = [];
  const events: SchedulerEvent[] = [];
  let price = priceAt;
  const s = new Scheduler({
    clock,
    slotMs: Q,
    debounceMs: 2_000,
    inputs: () => {
      const first = Math.floor(clock.now() / Q) * Q;
      return Promise.resolve(inputsFrom(first, 8, price));
    },
    apply: (a) => void applied.push({ at: clock.now(), a }),
    record: (e) => void events.push(e),
  });
  return { clock, s, applied, events, setPrice: (p: (t: number) => number) => (price = p) };
}

describe('scheduler', () => {
  it('fires at every slot boundary on time across a DST change and applies that slot', async () => {
    const start = DST - 2 * 3_600_000 + 7 * 60_000;
    const { clock, s, applied } = setup(start);
    await s.start();
    await clock.advanceTo(DST + 2 * 3_600_000);
    s.stop();
    const boundaries = applied.slice(1).map((x) => x.at);
    const expected = Array.from({ length: 16 }, (_, i) => Math.ceil(start / Q) * Q + i * Q);
    expect(boundaries).toEqual(expected);
    for (const { at, a } of applied) {
      expect(a.slotStart).toBe(Math.floor(at / Q) * Q);
      // Cheap (even) quarter-hours run, dear (odd) ones do not.
      expect(a.decisions[0]?.job ?? null).toBe((a.slotStart / Q) % 2 === 0 ? 'mining' : null);
    }
  }, 60_000);

  it('a restarted process applies the current slot at once, mid-slot', async () => {
    const mid = DST + 5 * Q + 123_456;
    const { s, applied } = setup(mid);
    await s.start();
    s.stop();
    expect(applied[0]?.at).toBe(mid);
    expect(applied[0]?.a.slotStart).toBe(DST + 5 * Q);
    expect(applied[0]?.a.source).toBe('plan');
  });

  it('re-plans once after a burst of changes, and the new prices take effect', async () => {
    const start = DST;
    const { clock, s, applied, events, setPrice } = setup(start, () => 0.5);
    await s.start();
    expect(applied.at(-1)?.a.decisions[0]?.job).toBeNull();
    setPrice(() => 0.001);
    s.changed();
    await clock.advanceTo(start + 1_000);
    s.changed();
    await clock.advanceTo(start + 2_500);
    expect(events.filter((e) => e.type === 'planned')).toHaveLength(1);
    await clock.advanceTo(start + 3_500);
    expect(events.filter((e) => e.type === 'planned')).toHaveLength(2);
    expect(applied.at(-1)?.a.decisions[0]?.job).toBe('mining');
    s.stop();
  });

  it('a manual override wins over the plan and expires by itself', async () => {
    const start = DST;
    const { clock, s, applied, events } = setup(start, () => 0.5);
    await s.start();
    await s.setOverride({
      kind: 'run',
      device: deviceId('pc'),
      job: jobId('mining'),
      level: 0,
      powerW: 500,
      until: start + 2 * 3_600_000,
    });
    expect(applied.at(-1)?.a).toMatchObject({ source: 'override', reason: 'run by hand until 03:00 UTC' });
    await clock.advanceTo(start + 3_600_000);
    expect(applied.at(-1)?.a.source).toBe('override');
    expect(applied.at(-1)?.a.decisions[0]?.job).toBe('mining');
    await clock.advanceTo(start + 2 * 3_600_000 + 1);
    expect(applied.at(-1)?.a.source).toBe('plan');
    expect(applied.at(-1)?.a.decisions[0]?.job).toBeNull();
    expect(
      events
        .filter((e) => e.type === 'override')
        .map((e) => (e.type === 'override' ? (e.override?.kind ?? null) : 'x')),
    ).toEqual(['run', null]);
    await s.setOverride({ kind: 'pause', until: start + 3 * 3_600_000 });
    expect(applied.at(-1)?.a.reason).toBe('paused by hand until 04:00 UTC');
    s.stop();
  }, 60_000);

  it('records a planning failure and applies nothing it does not have', async () => {
    const clock = new TestClock(DST);
    const events: SchedulerEvent[] = [];
    const applied: PlanApplied[] = [];
    const s = new Scheduler({
      clock,
      slotMs: Q,
      inputs: () => Promise.reject(new Error('no prices')),
      apply: (a) => void applied.push(a),
      record: (e) => void events.push(e),
    });
    await s.start();
    s.stop();
    expect(events[0]).toMatchObject({ type: 'error', message: 'planning failed: no prices' });
    expect(applied[0]).toMatchObject({ source: 'none', decisions: [] });
  });
});
