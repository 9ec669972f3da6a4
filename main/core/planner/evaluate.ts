import type { Option, Plan, PlanInput, DeviceDecision, SlotPlan, Shortfall } from './model.ts';
import { at } from './model.ts';

/** The running choices open to one device: every usable level × every job it may run there. */
export function deviceOptions(input: PlanInput, d: number): Option[] {
  const dev = at(input.devices, d);
  const opts: Option[] = [null];
  dev.levels.forEach((lv, level) => {
    if (dev.maxTempC !== undefined && lv.tempC !== undefined && lv.tempC > dev.maxTempC) return;
    input.jobs.forEach((job, j) => {
      if (job.devices && !job.devices.includes(dev.id)) return;
      if (!((lv.rates[job.kind] ?? 0) > 0)) return;
      opts.push({ level, job: j });
    });
  });
  return opts;
}

/** Whether slot t counts towards job j's deadline (it must end by then). */
export function beforeDeadline(input: PlanInput, t: number, j: number): boolean {
  const job = at(input.jobs, j);
  if (job.deadline === undefined) return true;
  const s = at(input.slots, t);
  return s.start + s.hours * 3_600_000 <= job.deadline;
}

/** Whether work on job j in slot t is worth its value: before the deadline, or at any time when it may run past it. */
export function counts(input: PlanInput, t: number, j: number): boolean {
  return at(input.jobs, j).runPastDeadline === true || beforeDeadline(input, t, j);
}

/** Constraint violations of an assignment (choice[t][d] indexes deviceOptions(d)); empty = feasible. */
export function violations(input: PlanInput, choice: number[][]): string[] {
  const out: string[] = [];
  const T = input.slots.length;
  const opts = input.devices.map((_, d) => deviceOptions(input, d));
  for (let t = 0; t < T; t++) {
    let p = 0;
    input.devices.forEach((_, d) => {
      const o = at(at(opts, d), at(at(choice, t), d));
      if (o) p += at(at(input.devices, d).levels, o.level).powerW;
    });
    const cap = input.limits.powerCapW;
    if (cap !== undefined && p > cap + 1e-9) out.push(`slot ${t}: ${p} W over cap ${cap} W`);
    const q = input.limits.quietCapW;
    if (at(input.slots, t).quiet && q !== undefined && p > q + 1e-9) out.push(`slot ${t}: ${p} W over quiet cap ${q} W`);
  }
  input.devices.forEach((dev, d) => {
    const on = (t: number) => (t < 0 ? false : at(at(choice, t), d) !== 0);
    const R = dev.minRunSlots ?? 1;
    const P = dev.minPauseSlots ?? 1;
    for (let t = 0; t < T; t++) {
      if (on(t) && !on(t - 1)) {
        for (let k = 1; k < R && t + k < T; k++) if (!on(t + k)) out.push(`${dev.id}: run from slot ${t} shorter than ${R}`);
      }
      if (t >= 1 && !on(t) && on(t - 1)) {
        for (let k = 1; k < P && t + k < T; k++) if (on(t + k)) out.push(`${dev.id}: pause from slot ${t} shorter than ${P}`);
      }
    }
  });
  input.jobs.forEach((job, j) => {
    if (job.mode !== 'continuous') return;
    const runs = (t: number) => input.devices.some((_, d) => at(at(opts, d), at(at(choice, t), d))?.job === j);
    let blocks = 0;
    for (let t = 0; t < T; t++) if (runs(t) && (t === 0 || !runs(t - 1))) blocks++;
    if (blocks > 1) out.push(`${job.id}: continuous job runs in ${blocks} separate blocks`);
  });
  return out;
}

/**
 * The figures of an assignment. Heat meets demand up to the slot's demand; work on a deadline job
 * is worth its value up to `workNeeded` and only in slots that end by the deadline.
 */
export function evaluate(input: PlanInput, choice: number[][]): Omit<Plan, 'slots' | 'solver' | 'planMs'> & { slots: Omit<SlotPlan, 'reason'>[] } {
  const opts = input.devices.map((_, d) => deviceOptions(input, d));
  const done = input.jobs.map(() => 0);
  const total = input.jobs.map(() => 0);
  const slots = input.slots.map((s, t) => {
    const decisions: DeviceDecision[] = input.devices.map((dev, d) => {
      const o = at(at(opts, d), at(at(choice, t), d));
      if (!o) return { device: dev.id, job: null, level: -1, powerW: 0, work: 0 };
      const lv = at(dev.levels, o.level);
      const job = at(input.jobs, o.job);
      return { device: dev.id, job: job.id, level: o.level, powerW: lv.powerW, work: (lv.rates[job.kind] ?? 0) * s.hours };
    });
    let energyKWh = 0;
    let revenue = 0;
    decisions.forEach((dec, d) => {
      const o = at(at(opts, d), at(at(choice, t), d));
      energyKWh += (dec.powerW * s.hours) / 1000;
      if (!o) return;
      const job = at(input.jobs, o.job);
      if (job.workNeeded === undefined) revenue += job.valuePerWork * dec.work;
      else {
        if (beforeDeadline(input, t, o.job)) done[o.job] = at(done, o.job) + dec.work;
        total[o.job] = at(total, o.job) + dec.work;
      }
    });
    const usefulHeatKWh = Math.min(energyKWh, (s.heatDemandW * s.hours) / 1000);
    const heatCredit = usefulHeatKWh * s.heatCreditPerKWh;
    const cost = energyKWh * s.price;
    return { start: s.start, price: s.price, decisions, energyKWh, heatKWh: energyKWh, usefulHeatKWh, heatCredit, cost, revenue, net: heatCredit + revenue - cost };
  });
  // Deadline work is credited up to workNeeded (the job pays per unit of work done in time, or at
  // any time when it may run past its deadline), booked in the slot that completes it so per-slot
  // nets still add up to the total.
  const shortfalls: Shortfall[] = [];
  input.jobs.forEach((job, j) => {
    const W = job.workNeeded;
    if (W === undefined) return;
    const counted = job.runPastDeadline ? at(total, j) : at(done, j);
    const credited = Math.min(counted, W);
    const missed = (w: number) => w < W - 1e-9 * Math.max(1, W);
    if (missed(at(done, j))) {
      const s: Shortfall = { job: job.id, missingWork: W - at(done, j) };
      if (job.runPastDeadline) s.missingAtEnd = missed(at(total, j)) ? W - at(total, j) : 0;
      shortfalls.push(s);
    }
    let acc = 0;
    let booked = false;
    for (let t = 0; t < slots.length && !booked; t++) {
      for (const dec of at(slots, t).decisions) if (dec.job === job.id && counts(input, t, j)) acc += dec.work;
      if (acc >= credited - 1e-12 && credited > 0) {
        at(slots, t).revenue += credited * job.valuePerWork;
        at(slots, t).net += credited * job.valuePerWork;
        booked = true;
      }
    }
  });
  const totals = { energyKWh: 0, heatKWh: 0, heatCredit: 0, cost: 0, revenue: 0, net: 0 };
  for (const s of slots) {
    totals.energyKWh += s.energyKWh;
    totals.heatKWh += s.heatKWh;
    totals.heatCredit += s.heatCredit;
    totals.cost += s.cost;
    totals.revenue += s.revenue;
  }
  totals.net = totals.heatCredit + totals.revenue - totals.cost;
  return { slots, totals, shortfalls };
}

/**
 * The lexicographic objective of an evaluated plan: least total missing work at the deadlines,
 * then least work still missing at the horizon's end on run-past-deadline jobs, then highest net.
 */
export type Score = { shortfall: number; late: number; net: number };

export function score(ev: Pick<Plan, 'shortfalls' | 'totals'>): Score {
  return {
    shortfall: ev.shortfalls.reduce((a, s) => a + s.missingWork, 0),
    late: ev.shortfalls.reduce((a, s) => a + (s.missingAtEnd ?? 0), 0),
    net: ev.totals.net,
  };
}

/** Work amounts closer than this count as equal when comparing scores (as the MIP's tolerance does). */
export const WORK_TOL = 1e-9;

/** Whether a is strictly better than b. */
export function better(a: Score, b: Score): boolean {
  if (a.shortfall < b.shortfall - WORK_TOL) return true;
  if (a.shortfall > b.shortfall + WORK_TOL) return false;
  if (a.late < b.late - WORK_TOL) return true;
  if (a.late > b.late + WORK_TOL) return false;
  return a.net > b.net;
}
