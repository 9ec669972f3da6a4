import type { Job, PlannedSlot, PriceSlot, RunMode } from '#contract/index';
import { fmtPricePerKWh, fmtTime } from '../../component/format.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * What "cheap" means on the Dashboard, said beside it: a slot of the next 24 hours of known prices
 * priced below those slots' median. The window is the first unbroken run of such slots, from now on.
 */
export const CHEAP_DEFINITION = 'cheap: below the median price of the next 24 h of known prices';

export type CheapWindow = { start: number; end: number; mean: number; median: number; currency: string };

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The next cheap window, or why there is none (no prices, or every slot costs the same). */
export function nextCheapWindow(
  prices: PriceSlot[],
  now: number,
): { window: CheapWindow; why: null } | { window: null; why: string } {
  const within = prices.filter((p) => p.end > now && p.start < now + DAY).sort((a, b) => a.start - b.start);
  if (within.length === 0) return { window: null, why: 'no prices are known for the next 24 h' };
  const mid = median(within.map((p) => p.price));
  const first = within.findIndex((p) => p.price < mid);
  const currency = within[0]!.currency;
  if (first < 0)
    return {
      window: null,
      why: `every known slot of the next 24 h costs the same (${fmtPricePerKWh(mid, currency)}): no time is cheaper`,
    };
  let last = first;
  while (last + 1 < within.length && within[last + 1]!.price < mid && within[last + 1]!.start === within[last]!.end)
    last++;
  const run = within.slice(first, last + 1);
  const hours = run.reduce((a, p) => a + (p.end - p.start), 0);
  const mean = run.reduce((a, p) => a + p.price * (p.end - p.start), 0) / hours;
  return { window: { start: run[0]!.start, end: run.at(-1)!.end, mean, median: mid, currency }, why: null };
}

/** "in 3 h 20 min", "in 5 min", or "now". */
export function fmtIn(at: number, now: number): string {
  const ms = at - now;
  if (ms <= 0) return 'now';
  const min = Math.round(ms / 60_000);
  if (min < 60) return `in ${min} min`;
  const h = Math.floor(min / 60);
  return min % 60 === 0 ? `in ${h} h` : `in ${h} h ${min % 60} min`;
}

/** "cheapest window starts 22:00 (in 3 h), until 01:00, 0.0500 €/kWh on average". */
export function cheapWindowText(w: CheapWindow, now: number): string {
  const avg = `${fmtPricePerKWh(w.mean, w.currency)} on average`;
  return w.start <= now
    ? `cheap window now, until ${fmtTime(w.end)} (${fmtIn(w.end, now).replace('in ', '')} left), ${avg}`
    : `cheapest window starts ${fmtTime(w.start)} (${fmtIn(w.start, now)}), until ${fmtTime(w.end)}, ${avg}`;
}

export const ACTIVE_STATES: Job['state'][] = ['queued', 'running', 'paused', 'pausing'];

export type EmptyPlanFacts = {
  /** The plan's slots (null: no plan made yet). */
  slots: PlannedSlot[] | null;
  /** End of the last known price, ms; null when none. */
  knownUntil: number | null;
  activeJobs: number;
  miningConfigured: boolean;
  /** Sum of the heat demand over the plan's horizon, W·slots (0: no heat needed anywhere). */
  heatDemand: number | null;
  now: number;
};

/** Why the plan runs nothing, in words a person can act on; null when it runs something. */
export function whyEmpty(f: EmptyPlanFacts): string | null {
  if (f.slots === null) return 'no plan yet: the scheduler plans once prices are known';
  if (f.slots.some((s) => s.decisions.some((d) => d.job !== null))) return null;
  if (f.knownUntil === null || f.knownUntil <= f.now)
    return `no prices are known${f.knownUntil ? ` past ${new Date(f.knownUntil).toLocaleString()}` : ''}: set a tariff (Schedules) or import prices`;
  if (f.activeJobs === 0)
    return f.miningConfigured
      ? 'no job in the queue: start mining or create a training job'
      : 'nothing to run: no job is queued and no mining pool is set up (Mining page, or the setup)';
  if (f.heatDemand === 0)
    return `no heat is needed while prices are known (until ${fmtTime(f.knownUntil)}), and no job earns more than its electricity costs`;
  return `in every slot until ${fmtTime(f.knownUntil)} running costs more than it earns, the heat it replaces included`;
}

/** Why a job that is not running waits, or when the plan runs it. */
export function jobStatus(job: Job, slots: PlannedSlot[] | null, mode: RunMode, now: number): string {
  if (job.state === 'running') return mode === 'now' ? 'running: mode now, whatever the price' : 'running';
  if (mode === 'off') return 'switched off: it does not run until its mode is changed';
  const id = `job:${job.id}`;
  const next = slots?.find((s) => s.start + 15 * 60_000 > now && s.decisions.some((d) => d.job === id));
  if (next) return `planned from ${fmtTime(next.start)} (${fmtIn(next.start, now)}): ${next.reason}`;
  if (slots === null) return 'waits for the first plan';
  if (job.state === 'paused' && mode === 'plan')
    return 'paused by hand: left out of the plan until started or given a mode';
  if (mode === 'heat') return 'waits for a slot where the heating needs heat and its heat is worth the electricity';
  if (job.deadline === null && job.valuePerHour === null)
    return 'waits: it has no deadline and no value per hour, so it runs only where its heat is worth more than the electricity, and no slot in the plan is';
  return 'waits: in no slot of the plan does running it earn more than the electricity costs';
}
