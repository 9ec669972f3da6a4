import type {
  Plan,
  PlanDecision,
  PlanDevice,
  PlanInput,
  PlannedSlot,
  PlanTotals,
  Shortfall,
  ThermalModel,
} from '#contract/plan';
import { at } from './at.ts';

/** Per (slot, device) choice: index into the options list, 0 = off. */
export type Option = { level: number; job: number } | null;

/**
 * Whether a device's heat goes into the heated space (`heats` absent or true). One that does not
 * (a miner in a garage) still draws power under the caps and at the price, but its heat earns no
 * credit and does not warm the room.
 */
export const heatsHome = (dev: Pick<PlanDevice, 'heats'>): boolean => dev.heats !== false;

/** Money per kelvin-hour outside the comfort band when the input names none (see ThermalModel). */
export const DEFAULT_COMFORT_PENALTY = 10;

/**
 * One slot of the room as one thermal node under constant heat input P (W): T_end = a·T_start +
 * (1 − a)·T_out + b·P, with a = exp(−UA·h/C) and b = (1 − a)/UA. Exact for any slot length
 * (no Euler step to go unstable).
 */
export function sourceStep(
  th: Pick<ThermalModel, 'uaWPerK' | 'capacityWhPerK'>,
  hours: number,
): { a: number; b: number } {
  const a = Math.exp((-th.uaWPerK * hours) / th.capacityWhPerK);
  return { a, b: (1 - a) / th.uaWPerK };
}

/**
 * The heat source's output per slot that keeps the room at the band's lower edge with the given
 * compute heat (W per slot, from the devices that heat the home: `heatPower`), as a good
 * thermostat would: each slot the least heat (up to the source's capacity) that ends it at the
 * temperature it must reach, where a later rise of the band that the source cannot make in time
 * is started early (a backward pass: the warmest each slot must end so that every later lower
 * bound can still be reached at full power). Used where no solver chose the source's output (the
 * fast plan, and policies that follow a thermostat).
 */
export function holdingSource(input: PlanInput, computeW: number[]): number[] {
  const th = input.thermal;
  if (!th) return input.slots.map(() => 0);
  const n = input.slots.length;
  const need = new Array<number>(n).fill(-Infinity);
  let after = -Infinity;
  for (let t = n - 1; t >= 0; t--) {
    const s = at(input.slots, t);
    need[t] = Math.max(s.comfort?.minC ?? -Infinity, after);
    // The lowest start of slot t from which full power still ends it at need[t].
    const { a, b } = sourceStep(th, s.hours);
    after = (at(need, t) - (1 - a) * (s.outdoorC ?? 0) - b * ((computeW[t] ?? 0) + th.sourceCapW)) / a;
  }
  let temp = th.indoorC;
  return input.slots.map((s, t) => {
    const { a, b } = sourceStep(th, s.hours);
    const free = a * temp + (1 - a) * (s.outdoorC ?? 0) + b * (computeW[t] ?? 0);
    const goal = at(need, t);
    const q = free >= goal ? 0 : Math.min(th.sourceCapW, (goal - free) / b);
    temp = free + b * q;
    return q;
  });
}

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

/** Whether `work` completes a need of `W` (a hair of rounding below it counts as done). */
export const completes = (work: number, W: number): boolean => work >= W * (1 - 1e-12);

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
    if (at(input.slots, t).quiet && q !== undefined && p > q + 1e-9)
      out.push(`slot ${t}: ${p} W over quiet cap ${q} W`);
  }
  input.devices.forEach((dev, d) => {
    const on = (t: number) => (t < 0 ? false : at(at(choice, t), d) !== 0);
    const R = dev.minRunSlots ?? 1;
    const P = dev.minPauseSlots ?? 1;
    for (let t = 0; t < T; t++) {
      if (on(t) && !on(t - 1)) {
        for (let k = 1; k < R && t + k < T; k++)
          if (!on(t + k)) out.push(`${dev.id}: run from slot ${t} shorter than ${R}`);
      }
      if (t >= 1 && !on(t) && on(t - 1)) {
        for (let k = 1; k < P && t + k < T; k++)
          if (on(t + k)) out.push(`${dev.id}: pause from slot ${t} shorter than ${P}`);
      }
    }
  });
  // A continuous job: one block on one device at one level, from its start until its work is done
  // (or the horizon ends). The executor neither pauses it nor changes its threads while it runs,
  // and a finished job stops.
  input.jobs.forEach((job, j) => {
    if (job.mode !== 'continuous') return;
    const W = job.workNeeded ?? 0;
    const ran: { t: number; d: number; k: number; work: number }[] = [];
    for (let t = 0; t < T; t++) {
      input.devices.forEach((dev, d) => {
        const k = at(at(choice, t), d);
        const o = at(at(opts, d), k);
        if (o?.job === j)
          ran.push({ t, d, k, work: (at(dev.levels, o.level).rates[job.kind] ?? 0) * at(input.slots, t).hours });
      });
    }
    const first = ran[0];
    const last = ran[ran.length - 1];
    if (!first || !last) return;
    if (last.t - first.t + 1 !== ran.length) out.push(`${job.id}: continuous job runs in separate blocks`);
    if (ran.some((r) => r.d !== first.d || r.k !== first.k))
      out.push(`${job.id}: continuous job changes device or level`);
    const total = ran.reduce((a, r) => a + r.work, 0);
    if (completes(total - last.work, W)) out.push(`${job.id}: continuous job runs on after its work is done`);
    if (last.t < T - 1 && !completes(total, W)) out.push(`${job.id}: continuous job stops before its work is done`);
  });
  return out;
}

/**
 * The figures of an assignment. Heat meets demand up to the slot's demand; work on a deadline job
 * is worth its value up to `workNeeded` and only in slots that end by the deadline. `heatKWh` is
 * the heat delivered into the home: the energy of the devices that heat it, so a device outside
 * the heated space (`heats: false`) counts in `energyKWh` and `cost` only.
 */
export function evaluate(input: PlanInput, choice: number[][], sourceW?: number[]): Evaluated {
  const opts = input.devices.map((_, d) => deviceOptions(input, d));
  const th = input.thermal;
  let indoor = th?.indoorC ?? 0;
  let outsideKh = 0;
  const done = input.jobs.map(() => 0);
  const total = input.jobs.map(() => 0);
  let comfortKh = 0;
  // Without the source's output given, the source holds the band's lower edge (holdingSource).
  const sources = th && !sourceW ? holdingSource(input, heatPower(input, opts, choice)) : (sourceW ?? []);
  const slots = input.slots.map((s, t) => {
    const decisions: PlanDecision[] = input.devices.map((dev, d) => {
      const o = at(at(opts, d), at(at(choice, t), d));
      if (!o) return { device: dev.id, job: null, level: -1, powerW: 0, work: 0 };
      const lv = at(dev.levels, o.level);
      const job = at(input.jobs, o.job);
      return {
        device: dev.id,
        job: job.id,
        level: o.level,
        powerW: lv.powerW,
        work: (lv.rates[job.kind] ?? 0) * s.hours,
      };
    });
    let energyKWh = 0;
    // Heat into the home: the energy of the devices that heat it (all of their power becomes heat).
    let heatKWh = 0;
    let revenue = 0;
    decisions.forEach((dec, d) => {
      const o = at(at(opts, d), at(at(choice, t), d));
      energyKWh += (dec.powerW * s.hours) / 1000;
      if (heatsHome(at(input.devices, d))) heatKWh += (dec.powerW * s.hours) / 1000;
      if (!o) return;
      const job = at(input.jobs, o.job);
      if (job.workNeeded === undefined) revenue += job.valuePerWork * dec.work;
      else {
        if (beforeDeadline(input, t, o.job)) done[o.job] = at(done, o.job) + dec.work;
        total[o.job] = at(total, o.job) + dec.work;
      }
    });
    const cost = energyKWh * s.price;
    // Demand mode credits the heat that meets demand; in the room model the heating devices' heat
    // is all useful and the home's source makes up the rest at its price. A device outside the
    // heated space (heats: false) adds energy and cost, never heat.
    let heat: { usefulHeatKWh: number; heatCredit: number; sourceHeatKWh: number; sourceCost: number };
    let room = {};
    if (th) {
      // The room: compute heat and the source's heat through one step of the node; the source's heat costs heatCreditPerKWh.
      const q = Math.min(th.sourceCapW, Math.max(0, sources[t] ?? 0));
      const { a, b } = sourceStep(th, s.hours);
      indoor = a * indoor + (1 - a) * (s.outdoorC ?? 0) + b * ((heatKWh * 1000) / s.hours + q);
      const band = s.comfort ?? { minC: -Infinity, maxC: Infinity };
      const below = Math.max(0, band.minC - indoor) * s.hours;
      comfortKh += below;
      outsideKh += below + Math.max(0, indoor - band.maxC) * s.hours;
      const sourceHeatKWh = (q * s.hours) / 1000;
      heat = { usefulHeatKWh: heatKWh, heatCredit: 0, sourceHeatKWh, sourceCost: sourceHeatKWh * s.heatCreditPerKWh };
      room = { indoorC: indoor, ...(s.comfort ? { comfort: s.comfort } : {}) };
    } else {
      const usefulHeatKWh = Math.min(heatKWh, (s.heatDemandW * s.hours) / 1000);
      heat = { usefulHeatKWh, heatCredit: usefulHeatKWh * s.heatCreditPerKWh, sourceHeatKWh: 0, sourceCost: 0 };
    }
    return {
      start: s.start,
      price: s.price,
      decisions,
      energyKWh,
      heatKWh,
      usefulHeatKWh: heat.usefulHeatKWh,
      heatCredit: heat.heatCredit,
      cost,
      revenue,
      sourceHeatKWh: heat.sourceHeatKWh,
      sourceCost: heat.sourceCost,
      ...room,
      // One of the credit and the source's cost is always 0, so this is each mode's net exactly.
      net: heat.heatCredit + revenue - cost - heat.sourceCost,
    };
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
  const totals = zeroTotals(comfortKh);
  for (const s of slots) {
    totals.energyKWh += s.energyKWh;
    totals.heatKWh += s.heatKWh;
    totals.heatCredit += s.heatCredit;
    totals.cost += s.cost;
    totals.revenue += s.revenue;
    totals.sourceHeatKWh += s.sourceHeatKWh;
    totals.sourceCost += s.sourceCost;
  }
  totals.net = totals.heatCredit + totals.revenue - totals.cost - totals.sourceCost;
  const penalty = th ? (th.comfortPenaltyPerKh ?? DEFAULT_COMFORT_PENALTY) * outsideKh : 0;
  return { slots, totals, shortfalls, sourceW: sources, objective: totals.net - penalty };
}

/** Totals of a plan that does nothing (before the slots are added up). */
export function zeroTotals(comfortKh = 0): PlanTotals {
  return {
    energyKWh: 0,
    heatKWh: 0,
    heatCredit: 0,
    cost: 0,
    revenue: 0,
    sourceHeatKWh: 0,
    sourceCost: 0,
    comfortKh,
    net: 0,
  };
}

export type Evaluated = Omit<Plan, 'slots' | 'solver' | 'planMs' | 'status'> & {
  slots: Omit<PlannedSlot, 'reason'>[];
  /** The heat source's output per slot, W (thermal model). */
  sourceW: number[];
  /** What the planner maximises: net less the comfort penalty for time outside the band. */
  objective: number;
};

/**
 * Heat the computers put into the home per slot, W: the electrical power of the devices that heat
 * it (`heatsHome`); a device outside the heated space draws power but adds none.
 */
export function heatPower(input: PlanInput, opts: Option[][], choice: number[][]): number[] {
  return input.slots.map((_, t) =>
    input.devices.reduce((acc, dev, d) => {
      const o = at(at(opts, d), at(at(choice, t), d));
      return acc + (o && heatsHome(dev) ? at(dev.levels, o.level).powerW : 0);
    }, 0),
  );
}

/**
 * The lexicographic objective of an evaluated plan: least total missing work at the deadlines,
 * then least work still missing at the horizon's end on run-past-deadline jobs, then highest net.
 */
export type Score = { shortfall: number; late: number; value: number };

export function score(ev: Pick<Evaluated, 'shortfalls' | 'objective'>): Score {
  return {
    shortfall: ev.shortfalls.reduce((a, s) => a + s.missingWork, 0),
    late: ev.shortfalls.reduce((a, s) => a + (s.missingAtEnd ?? 0), 0),
    value: ev.objective,
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
  return a.value > b.value;
}
