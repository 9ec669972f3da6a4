/**
 * A reference mixed-integer model of the planner's problem, written from the rules in
 * plan-check.ts and planner.md's "Model" and "Thermal model" alone (not from the planner's MILP),
 * so that the planner's optimality can be checked at sizes too large for plan-brute.ts.
 *
 * Columns:
 * - x[t,d,o] ∈ {0,1}: device d runs option o (a level and a job it may run) in slot t.
 * - Deadline job j (need W > 0), in raw work units: miss_j ≥ W − work by the deadline;
 *   late_j ≥ W − counted work (run-past-deadline jobs); paid_j = min(W, counted work).
 * - Demand model: useful_t = min(kWh_t, demand_t) kWh. Thermal model: source_t kW, end
 *   temperature T_t °C, below_t / above_t K outside the band. In both, kWh_t and the compute heat
 *   are those of the devices inside the heated space (`heats` not false); every device's power is
 *   billed and counts under the caps.
 * - Continuous jobs: start[t,d,o] ∈ [0,1] (integral through x), one start per job.
 *
 * Rows: one option per device and slot; power and quiet caps; minimum run and pause as pairwise
 * implications between slots; the exact thermal step per slot; for continuous jobs, a block may
 * only end (or reach the horizon's end) in the slot where the block that started it finishes its
 * work, which, given one start, fixes its length.
 *
 * The lexicographic objective is three cold solves: least missing work, then least late work,
 * then most money less comfort penalty, each later solve holding the earlier optimum.
 */
import highsLoader, { type Highs } from 'highs';
import type { Plan, PlanDecision, PlanInput, PlannedSlot } from '#contract/plan';

export type ReferencePlan = Pick<Plan, 'slots'> & { status: 'optimal' | 'not-optimal' };

const PENALTY = 10;
/** Relative slack when a tier holds the earlier tiers' optimum: far below checkPlan's 1e-6. */
const HOLD = 1e-9;
const OPTIONS = {
  output_flag: false,
  time_limit: 60,
  mip_rel_gap: 1e-8,
  mip_abs_gap: 1e-9,
  // Work rows run to 10^5 units; the default tolerances would let a plan miss a little of a need.
  primal_feasibility_tolerance: 1e-9,
  mip_feasibility_tolerance: 1e-9,
  // With presolve, HiGHS 1.15 left seed 328 of generate() 0.7 % from proven after 60 s; without, it
  // proves it in a second (60 homes: at most 7 s). It also keeps the reference off the solver path
  // the planner takes.
  presolve: 'off',
};

type Term = [col: number, coef: number];

/** A growing model: columns with bounds and integrality, rows over sparse terms. */
class Lp {
  readonly lower: number[] = [];
  readonly upper: number[] = [];
  readonly integer: boolean[] = [];
  readonly rows: { lower: number; upper: number; terms: Map<number, number> }[] = [];

  col(lower: number, upper: number, integer = false): number {
    this.lower.push(lower);
    this.upper.push(upper);
    this.integer.push(integer);
    return this.lower.length - 1;
  }

  row(terms: Term[], lower: number, upper: number): void {
    const merged = new Map<number, number>();
    for (const [c, v] of terms) merged.set(c, (merged.get(c) ?? 0) + v);
    for (const [c, v] of merged) if (v === 0) merged.delete(c);
    this.rows.push({ lower, upper, terms: merged });
  }
}

/** heatW: the heat this option puts into the home, W (its power, or 0 outside the heated space). */
type Opt = { level: number; job: number; powerW: number; heatW: number; rate: number };

/** One WebAssembly instance for all calls; every solve gets its own model. */
let runtime: Promise<Highs> | undefined;

export async function referencePlan(input: PlanInput): Promise<ReferencePlan> {
  const highs = await (runtime ??= highsLoader());
  const n = input.slots.length;
  const lp = new Lp();
  const th = input.thermal;
  const ends = input.slots.map((s) => s.start + s.hours * 3_600_000);

  const options: Opt[][] = input.devices.map((dev) => {
    const out: Opt[] = [];
    dev.levels.forEach((lv, level) => {
      if (dev.maxTempC !== undefined && lv.tempC !== undefined && lv.tempC > dev.maxTempC) return;
      input.jobs.forEach((job, j) => {
        const rate = lv.rates[job.kind] ?? 0;
        if ((!job.devices || job.devices.includes(dev.id)) && rate > 0)
          out.push({ level, job: j, powerW: lv.powerW, heatW: dev.heats === false ? 0 : lv.powerW, rate });
      });
    });
    return out;
  });
  // x[t][d][k] for options[d][k].
  const x = input.slots.map(() => options.map((opts) => opts.map(() => lp.col(0, 1, true))));
  const on = (t: number, d: number, sign = 1): Term[] => (t < 0 ? [] : x[t]![d]!.map((c) => [c, sign]));
  const money: Term[] = [];

  input.slots.forEach((slot, t) => {
    input.devices.forEach((_, d) => lp.row(on(t, d), -Infinity, 1));
    const watts: Term[] = input.devices.flatMap((_, d) => options[d]!.map((o, k): Term => [x[t]![d]![k]!, o.powerW]));
    if (input.limits.powerCapW !== undefined) lp.row(watts, -Infinity, input.limits.powerCapW);
    if (slot.quiet && input.limits.quietCapW !== undefined) lp.row(watts, -Infinity, input.limits.quietCapW);
    for (const [c, w] of watts) money.push([c, (-slot.price * w * slot.hours) / 1000]);
  });

  // A start at t (on now, off before; everything is off before slot 0) keeps the device on for
  // R − 1 more slots; a stop at t keeps it off for P − 1 more; both may be cut by the horizon.
  input.devices.forEach((dev, d) => {
    const R = dev.minRunSlots ?? 1;
    const P = dev.minPauseSlots ?? 1;
    for (let t = 0; t < n; t++) {
      for (let k = 1; k < R && t + k < n; k++) lp.row([...on(t + k, d), ...on(t, d, -1), ...on(t - 1, d)], 0, Infinity);
      if (t > 0)
        for (let k = 1; k < P && t + k < n; k++)
          lp.row([...on(t + k, d), ...on(t - 1, d), ...on(t, d, -1)], -Infinity, 1);
    }
  });

  /** Work terms of job j over the slots `keep` accepts. */
  const workOf = (j: number, keep: (t: number) => boolean): Term[] =>
    input.slots.flatMap((slot, t) =>
      keep(t)
        ? input.devices.flatMap((_, d) =>
            options[d]!.flatMap((o, k): Term[] => (o.job === j ? [[x[t]![d]![k]!, o.rate * slot.hours]] : [])),
          )
        : [],
    );

  /**
   * A column worth `value` each that equals min(expr, cap) for expr ≥ 0 bounded by `most`: with a
   * value ≥ 0 the objective pushes it up to the smaller; a negative value needs a binary to say which.
   */
  const minOf = (expr: Term[], cap: number, most: number, value: number): void => {
    const v = lp.col(0, Math.max(0, cap));
    lp.row([[v, 1], ...expr.map(([c, a]): Term => [c, -a])], -Infinity, 0);
    if (value < 0) {
      const which = lp.col(0, 1, true);
      lp.row(
        [
          [v, 1],
          [which, -cap],
        ],
        0,
        Infinity,
      );
      lp.row([[v, 1], ...expr.map(([c, a]): Term => [c, -a]), [which, most]], 0, Infinity);
    }
    money.push([v, value]);
  };
  const most = (expr: Term[]) => expr.reduce((a, [, v]) => a + Math.max(0, v), 0);

  const missing: Term[] = [];
  const late: Term[] = [];
  input.jobs.forEach((job, j) => {
    const W = job.workNeeded;
    if (W === undefined) {
      for (const [c, w] of workOf(j, () => true)) money.push([c, job.valuePerWork * w]);
      return;
    }
    if (!(W > 0)) return; // nothing missing, min(W, work) = W = 0 earned whatever runs
    const inTime = (t: number) => job.deadline === undefined || ends[t]! <= job.deadline;
    const before = workOf(j, inTime);
    const counted = job.runPastDeadline ? workOf(j, () => true) : before;
    const miss = lp.col(0, Infinity);
    lp.row([[miss, 1], ...before], W, Infinity);
    missing.push([miss, 1]);
    if (job.runPastDeadline) {
      const l = lp.col(0, Infinity);
      lp.row([[l, 1], ...counted], W, Infinity);
      late.push([l, 1]);
    }
    minOf(counted, W, most(counted), job.valuePerWork);
  });

  continuousJobs(input, options, x, lp);

  const sources: number[] = [];
  if (th) {
    const pen = th.comfortPenaltyPerKh ?? PENALTY;
    let prev: number | null = null;
    input.slots.forEach((slot, t) => {
      const a = Math.exp((-slot.hours * th.uaWPerK) / th.capacityWhPerK);
      const b = (1 - a) / th.uaWPerK; // K per W held over the slot
      const source = lp.col(0, th.sourceCapW / 1000); // kW, for scale
      const temp = lp.col(-Infinity, Infinity);
      sources.push(source);
      money.push([source, -slot.heatCreditPerKWh * slot.hours]);
      const outside = (1 - a) * (slot.outdoorC ?? 0) + (prev === null ? a * th.indoorC : 0);
      const compute = input.devices.flatMap((_, d) => options[d]!.map((o, k): Term => [x[t]![d]![k]!, -b * o.heatW]));
      const earlier: Term[] = prev === null ? [] : [[prev, -a]];
      lp.row([[temp, 1], ...earlier, ...compute, [source, -b * 1000]], outside, outside);
      if (slot.comfort) {
        const below = lp.col(0, Infinity);
        const above = lp.col(0, Infinity);
        lp.row(
          [
            [temp, 1],
            [below, 1],
          ],
          slot.comfort.minC,
          Infinity,
        );
        lp.row(
          [
            [temp, 1],
            [above, -1],
          ],
          -Infinity,
          slot.comfort.maxC,
        );
        money.push([below, -pen * slot.hours], [above, -pen * slot.hours]);
      }
      prev = temp;
    });
  } else {
    input.slots.forEach((slot, t) => {
      const kwh = input.devices.flatMap((_, d) =>
        options[d]!.map((o, k): Term => [x[t]![d]![k]!, (o.heatW * slot.hours) / 1000]),
      );
      minOf(kwh, (Math.max(0, slot.heatDemandW) * slot.hours) / 1000, most(kwh), slot.heatCreditPerKWh);
    });
  }

  // Tiers: each minimises its terms and then holds them at the optimum found.
  let optimal = true;
  let solution: Float64Array | null = null;
  const tiers: Term[][] = [missing, late, money.map(([c, v]): Term => [c, -v])];
  for (const [i, terms] of tiers.entries()) {
    if (terms.length === 0) continue;
    const r = solve(highs, lp, terms);
    if (!r) break;
    optimal &&= r.optimal;
    solution = r.values;
    if (i < tiers.length - 1) {
      const best = terms.reduce((a, [c, v]) => a + v * r.values[c]!, 0);
      lp.row(terms, -Infinity, best + HOLD * Math.max(1, Math.abs(best)));
    }
  }
  if (!solution) throw new Error('reference: HiGHS found no plan (all off is always one)');
  return { slots: toSlots(input, options, x, sources, solution), status: optimal ? 'optimal' : 'not-optimal' };
}

/**
 * A continuous job runs one block, on one device at one level, from its start until the slot in
 * which its work is done, or to the horizon's end. Given the start slot and option that slot is
 * fixed, so: at most one start per job (which also rules out two devices or a change of level),
 * and an option may stop after slot t, or be on in the last slot, only if the start it ran from
 * finishes there.
 */
function continuousJobs(input: PlanInput, options: Opt[][], x: number[][][], lp: Lp): void {
  const n = input.slots.length;
  input.jobs.forEach((job, j) => {
    const W = job.workNeeded;
    if (job.mode !== 'continuous' || W === undefined) return;
    const starts: Term[] = [];
    input.devices.forEach((_, d) => {
      options[d]!.forEach((o, k) => {
        if (o.job !== j) return;
        const col = (t: number) => x[t]![d]![k]!;
        if (!(W > 0)) {
          // Done before it starts: any slot it ran would be a slot after its work was done.
          for (let t = 0; t < n; t++) lp.upper[col(t)] = 0;
          return;
        }
        const start = input.slots.map((_, s) => lp.col(0, finish(input, o, W, s) === null ? 0 : 1));
        starts.push(...start.map((c): Term => [c, 1]));
        const finishingAt = (t: number): Term[] =>
          start.flatMap((c, s): Term[] => (finish(input, o, W, s) === t ? [[c, -1]] : []));
        for (let t = 0; t < n; t++) {
          const before: Term[] = t > 0 ? [[col(t - 1), 1]] : [];
          lp.row([[start[t]!, 1], [col(t), -1], ...before], 0, Infinity);
          if (t < n - 1) lp.row([[col(t), 1], [col(t + 1), -1], ...finishingAt(t)], -Infinity, 0);
        }
        lp.row([[col(n - 1), 1], ...finishingAt(n - 1)], -Infinity, 0);
      });
    });
    if (starts.length) lp.row(starts, -Infinity, 1);
  });
}

/**
 * The last slot of a block of option `o` started in slot s: the first whose cumulative work
 * reaches W·(1 − 1e-12), or the horizon's last. Summed in the order plan-check sums it; null when
 * rounding would make that block break its rule.
 */
function finish(input: PlanInput, o: Opt, W: number, s: number): number | null {
  const n = input.slots.length;
  let total = 0;
  for (let t = s; t < n; t++) {
    const w = o.rate * input.slots[t]!.hours;
    total += w;
    if (total >= W * (1 - 1e-12)) return total - w >= W * (1 - 1e-12) ? null : t;
  }
  return n - 1;
}

function solve(highs: Highs, lp: Lp, objective: Term[]): { values: Float64Array; optimal: boolean } | null {
  const cost = lp.lower.map(() => 0);
  for (const [c, v] of objective) cost[c]! += v;
  const starts = [0];
  const indices: number[] = [];
  const values: number[] = [];
  for (const r of lp.rows) {
    for (const [c, v] of r.terms) {
      indices.push(c);
      values.push(v);
    }
    starts.push(indices.length);
  }
  const model = highs.createModel({
    numCols: lp.lower.length,
    numRows: lp.rows.length,
    colCost: cost,
    colLower: lp.lower,
    colUpper: lp.upper,
    rowLower: lp.rows.map((r) => r.lower),
    rowUpper: lp.rows.map((r) => r.upper),
    matrix: { format: 'csr', numRows: lp.rows.length, numCols: lp.lower.length, starts, indices, values },
    integrality: lp.integer.map((i) =>
      i ? highs.constants.variableType.integer : highs.constants.variableType.continuous,
    ),
  });
  try {
    model.options.set(OPTIONS);
    model.run();
    const status = model.getModelStatus();
    const feasible = model.info.get('primal_solution_status') === highs.constants.solutionStatus.feasible;
    if (!feasible) return null;
    return { values: model.getSolution().colValue, optimal: status === highs.constants.modelStatus.optimal };
  } finally {
    model.dispose();
  }
}

/** The plan in the shape checkPlan reads: decisions and source heat (the money fields stay 0). */
function toSlots(
  input: PlanInput,
  options: Opt[][],
  x: number[][][],
  sources: number[],
  v: Float64Array,
): PlannedSlot[] {
  let temp = input.thermal?.indoorC ?? 0;
  return input.slots.map((slot, t) => {
    let watts = 0;
    let heatW = 0;
    const decisions = input.devices.map((dev, d): PlanDecision => {
      const k = x[t]![d]!.findIndex((c) => v[c]! > 0.5);
      const o = options[d]![k];
      if (!o) return { device: dev.id, job: null, level: -1, powerW: 0, work: 0 };
      watts += o.powerW;
      heatW += o.heatW;
      return {
        device: dev.id,
        job: input.jobs[o.job]!.id,
        level: o.level,
        powerW: o.powerW,
        work: o.rate * slot.hours,
      };
    });
    // The source's heat as the solver chose it; the temperature only for the reader.
    const th = input.thermal;
    let sourceHeatKWh = 0;
    let indoorC: number | undefined;
    if (th) {
      const sourceW = Math.max(0, Math.min(th.sourceCapW, v[sources[t]!]! * 1000));
      sourceHeatKWh = (sourceW * slot.hours) / 1000;
      const a = Math.exp((-slot.hours * th.uaWPerK) / th.capacityWhPerK);
      temp = a * temp + (1 - a) * ((slot.outdoorC ?? 0) + (heatW + sourceW) / th.uaWPerK);
      indoorC = temp;
    }
    const energyKWh = (watts * slot.hours) / 1000;
    return {
      start: slot.start,
      price: slot.price,
      decisions,
      energyKWh,
      heatKWh: (heatW * slot.hours) / 1000,
      usefulHeatKWh: 0,
      heatCredit: 0,
      cost: energyKWh * slot.price,
      revenue: 0,
      sourceHeatKWh,
      sourceCost: sourceHeatKWh * slot.heatCreditPerKWh,
      ...(indoorC !== undefined ? { indoorC } : {}),
      ...(slot.comfort ? { comfort: slot.comfort } : {}),
      net: 0,
      reason: 'reference',
    };
  });
}
