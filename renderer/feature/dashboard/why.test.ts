import { describe, expect, it } from 'vitest';
import type { DeviceId, JobId, PlannedSlot, PriceSlot } from '#contract/index';
import { fmtIn, jobStatus, median, nextCheapWindow, whyEmpty } from './why.ts';
import type { Job } from '#contract/index';

const H = 3_600_000;
const T0 = Date.UTC(2026, 11, 7, 12);
const price = (i: number, p: number): PriceSlot =>
  ({ start: T0 + i * H, end: T0 + (i + 1) * H, price: p, spot: p, currency: 'EUR' }) as PriceSlot;
const slot = (i: number, job: string | null): PlannedSlot =>
  ({
    start: T0 + i * H,
    price: 0.3,
    decisions: [
      { device: 'cpu' as DeviceId, job: job as JobId | null, level: job ? 0 : -1, powerW: job ? 65 : 0, work: 0 },
    ],
    reason: 'x',
  }) as PlannedSlot;

describe('the next cheap window', () => {
  it('is the first unbroken run of slots below the 24 h median, with its mean price', () => {
    // 0.30 for 10 h, 0.05 and 0.07 for 2 h, 0.30 again, then a cheaper hour later that is not first.
    const prices = [...Array.from({ length: 10 }, (_, i) => price(i, 0.3)), price(10, 0.05), price(11, 0.07)];
    prices.push(...Array.from({ length: 11 }, (_, i) => price(12 + i, 0.3)), price(23, 0.01));
    const r = nextCheapWindow(prices, T0 + 30 * 60_000);
    expect(r.window).toEqual({ start: T0 + 10 * H, end: T0 + 12 * H, mean: 0.06, median: 0.3, currency: 'EUR' });
    expect(fmtIn(r.window!.start, T0 + 30 * 60_000)).toBe('in 9 h 30 min');
  });

  it('says why there is none: no prices, or the same price in every slot', () => {
    expect(nextCheapWindow([], T0)).toEqual({ window: null, why: 'no prices are known for the next 24 h' });
    const flat = nextCheapWindow(
      Array.from({ length: 24 }, (_, i) => price(i, 0.3)),
      T0,
    );
    expect(flat.window).toBeNull();
    expect(flat.why).toMatch(/^every known slot of the next 24 h costs the same/);
    expect(median([3, 1, 2, 10])).toBe(2.5);
  });
});

describe('why the plan is empty', () => {
  const base = { knownUntil: T0 + 48 * H, activeJobs: 1, miningConfigured: false, heatDemand: 100, now: T0 };
  it('names the first missing thing: a plan, prices, jobs, heat, then money', () => {
    expect(whyEmpty({ ...base, slots: null })).toMatch(/^no plan yet/);
    expect(whyEmpty({ ...base, slots: [slot(0, 'job:1')] })).toBeNull();
    const off = [slot(0, null), slot(1, null)];
    expect(whyEmpty({ ...base, slots: off, knownUntil: T0 - H })).toMatch(/^no prices are known past /);
    expect(whyEmpty({ ...base, slots: off, activeJobs: 0 })).toMatch(
      /^nothing to run: no job is queued and no mining pool/,
    );
    expect(whyEmpty({ ...base, slots: off, heatDemand: 0 })).toMatch(/^no heat is needed/);
    expect(whyEmpty({ ...base, slots: off })).toMatch(
      /running costs more than it earns, the heat it replaces included$/,
    );
  });
});

describe('why a job waits', () => {
  const job = { id: 1, state: 'queued', deadline: null, valuePerHour: null } as Job;
  it('says when the plan runs it, or why it does not', () => {
    expect(jobStatus(job, [slot(0, null), slot(3, 'job:1')], 'plan', T0)).toMatch(/^planned from .+ \(in 3 h\): x$/);
    expect(jobStatus(job, [slot(0, null)], 'plan', T0)).toBe(
      'waits: it has no deadline and no value per hour, so it runs only where its heat is worth more than the electricity, and no slot in the plan is',
    );
    expect(jobStatus(job, [slot(0, null)], 'off', T0)).toMatch(/^switched off/);
    expect(jobStatus(job, [slot(0, null)], 'heat', T0)).toMatch(/^waits for a slot where the heating needs heat/);
    expect(jobStatus({ ...job, valuePerHour: 0.01 }, [slot(0, null)], 'plan', T0)).toMatch(/^waits: in no slot/);
  });
});
