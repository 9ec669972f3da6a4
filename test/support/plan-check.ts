/**
 * An evaluator for plans that shares no code with the planner (native-workers/planner): it reads the
 * problem and a plan's per-slot decisions and source heat, checks every rule of the model, and
 * scores it from scratch. The planner's differential tests hold its answers against this.
 */
import type { Plan, PlanInput } from '#contract/plan';

export type Checked = {
  violations: string[];
  shortfall: number;
  late: number;
  net: number;
  objective: number;
  comfortKh: number;
};

const PENALTY = 10;

export function checkPlan(input: PlanInput, plan: Pick<Plan, 'slots'>): Checked {
  const bad: string[] = [];
  const n = input.slots.length;
  if (plan.slots.length !== n) bad.push(`plan has ${plan.slots.length} slots, problem ${n}`);
  const jobIndex = new Map(input.jobs.map((j, i) => [j.id, i]));
  const before = input.jobs.map(() => 0);
  const counted = input.jobs.map(() => 0);
  const runsIn: boolean[][] = input.jobs.map(() => []);
  // Per job and slot: which device and level ran it, and its work there (continuous jobs' rule).
  const ranOn: string[][] = input.jobs.map(() => []);
  const workIn: number[][] = input.jobs.map(() => []);
  const onIn: boolean[][] = input.devices.map(() => []);
  let money = 0;
  let outsideKh = 0;
  let belowKh = 0;
  let temp = input.thermal?.indoorC ?? 0;
  for (let t = 0; t < n; t++) {
    const slot = input.slots[t]!;
    const ps = plan.slots[t];
    if (!ps) break;
    const end = slot.start + slot.hours * 3_600_000;
    let watts = 0;
    // Heat into the home: a device with heats: false stands outside the heated space (its power is
    // billed and capped, its heat is worth nothing and warms no room).
    let heatW = 0;
    input.devices.forEach((dev, d) => {
      const dec = ps.decisions.find((x) => x.device === dev.id);
      const on = !!dec && dec.job !== null;
      onIn[d]![t] = on;
      if (!dec || dec.job === null) return;
      const lv = dev.levels[dec.level];
      const j = jobIndex.get(dec.job);
      if (!lv || j === undefined)
        return void bad.push(`slot ${t}: ${dev.id} runs unknown level ${dec.level} / job ${dec.job}`);
      const job = input.jobs[j]!;
      if (job.devices && !job.devices.includes(dev.id)) bad.push(`slot ${t}: ${job.id} may not run on ${dev.id}`);
      const rate = lv.rates[job.kind] ?? 0;
      if (!(rate > 0)) bad.push(`slot ${t}: ${dev.id} level ${dec.level} cannot run ${job.kind}`);
      if (dev.maxTempC !== undefined && lv.tempC !== undefined && lv.tempC > dev.maxTempC)
        bad.push(`slot ${t}: ${dev.id} level ${dec.level} runs too hot`);
      watts += lv.powerW;
      if (dev.heats !== false) heatW += lv.powerW;
      const work = rate * slot.hours;
      runsIn[j]![t] = true;
      if (job.mode === 'continuous' && ranOn[j]![t] !== undefined)
        bad.push(`slot ${t}: continuous ${job.id} runs on two devices`);
      ranOn[j]![t] = `${dev.id}@${dec.level}`;
      workIn[j]![t] = work;
      if (job.workNeeded === undefined) money += job.valuePerWork * work;
      else {
        const inTime = job.deadline === undefined || end <= job.deadline;
        if (inTime) before[j]! += work;
        if (inTime || job.runPastDeadline) counted[j]! += work;
      }
    });
    if (input.limits.powerCapW !== undefined && watts > input.limits.powerCapW + 1e-9)
      bad.push(`slot ${t}: ${watts} W over the cap`);
    if (slot.quiet && input.limits.quietCapW !== undefined && watts > input.limits.quietCapW + 1e-9)
      bad.push(`slot ${t}: ${watts} W over the quiet cap`);
    const kwh = (watts * slot.hours) / 1000;
    money -= kwh * slot.price;
    const th = input.thermal;
    if (th) {
      const sourceW = (ps.sourceHeatKWh * 1000) / slot.hours;
      if (sourceW < -1e-9 || sourceW > th.sourceCapW + 1e-6)
        bad.push(`slot ${t}: source ${sourceW} W outside 0…${th.sourceCapW}`);
      money -= ps.sourceHeatKWh * slot.heatCreditPerKWh;
      // dT/dt = (P − UA (T − T_out)) / C, solved exactly over the slot with constant P.
      const tau = th.capacityWhPerK / th.uaWPerK;
      const steady = (slot.outdoorC ?? 0) + (heatW + sourceW) / th.uaWPerK;
      temp = steady + (temp - steady) * Math.exp(-slot.hours / tau);
      const lo = slot.comfort ? Math.max(0, slot.comfort.minC - temp) : 0;
      const hi = slot.comfort ? Math.max(0, temp - slot.comfort.maxC) : 0;
      belowKh += lo * slot.hours;
      outsideKh += (lo + hi) * slot.hours;
    } else {
      const heatKWh = (heatW * slot.hours) / 1000;
      money += Math.min(heatKWh, (Math.max(0, slot.heatDemandW) * slot.hours) / 1000) * slot.heatCreditPerKWh;
    }
  }
  input.devices.forEach((dev, d) => {
    const on = (t: number) => t >= 0 && onIn[d]![t] === true;
    const R = dev.minRunSlots ?? 1;
    const P = dev.minPauseSlots ?? 1;
    for (let t = 0; t < n; t++) {
      if (on(t) && !on(t - 1))
        for (let k = 1; k < R && t + k < n; k++)
          if (!on(t + k)) bad.push(`${dev.id}: run from slot ${t} shorter than ${R}`);
      if (t > 0 && !on(t) && on(t - 1))
        for (let k = 1; k < P && t + k < n; k++)
          if (on(t + k)) bad.push(`${dev.id}: pause from slot ${t} shorter than ${P}`);
    }
  });
  let shortfall = 0;
  let late = 0;
  input.jobs.forEach((job, j) => {
    if (job.workNeeded === undefined) return;
    const W = job.workNeeded;
    money += job.valuePerWork * Math.min(W, counted[j]!);
    const missing = Math.max(0, W - before[j]!);
    if (missing > 1e-9 * Math.max(1, W)) {
      shortfall += missing;
      if (job.runPastDeadline) late += Math.max(0, W - counted[j]!) > 1e-9 * Math.max(1, W) ? W - counted[j]! : 0;
    }
    if (job.mode === 'continuous') {
      // One block, on one device at one level, that runs until the work is done or the horizon
      // ends: never paused, never re-threaded, and stopped by finishing.
      const slots = [...Array(n).keys()].filter((t) => runsIn[j]![t]);
      if (!slots.length) return;
      const first = slots[0]!;
      const last = slots[slots.length - 1]!;
      if (last - first + 1 !== slots.length) bad.push(`${job.id}: continuous job in more than one block`);
      if (new Set(slots.map((t) => ranOn[j]![t])).size > 1)
        bad.push(`${job.id}: continuous job changes device or level`);
      const total = slots.reduce((a, t) => a + workIn[j]![t]!, 0);
      const beforeLast = total - workIn[j]![last]!;
      if (beforeLast >= W * (1 - 1e-12)) bad.push(`${job.id}: continuous job runs on after its work is done`);
      if (last < n - 1 && total < W * (1 - 1e-12)) bad.push(`${job.id}: continuous job stops before its work is done`);
    }
  });
  const penalty = input.thermal ? (input.thermal.comfortPenaltyPerKh ?? PENALTY) * outsideKh : 0;
  return { violations: bad, shortfall, late, net: money, objective: money - penalty, comfortKh: belowKh };
}

/** a is at least as good as b within `rel` (lexicographic: shortfall, late work, objective). */
export function atLeastAsGood(a: Checked, b: Checked, rel = 1e-6): boolean {
  const workTol = (x: number) => 1e-6 * Math.max(1, Math.abs(x));
  if (a.shortfall > b.shortfall + workTol(b.shortfall)) return false;
  if (a.shortfall < b.shortfall - workTol(b.shortfall)) return true;
  if (a.late > b.late + workTol(b.late)) return false;
  if (a.late < b.late - workTol(b.late)) return true;
  return a.objective >= b.objective - rel * Math.max(1e-3, Math.abs(b.objective));
}
