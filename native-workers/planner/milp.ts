import highsLoader, { type Highs } from 'highs';
import type { PlanInput, PlanStatus } from '#contract/plan';
import { at } from './at.ts';
import {
  beforeDeadline,
  completes,
  counts,
  DEFAULT_COMFORT_PENALTY,
  deviceOptions,
  heatPower,
  heatsHome,
  holdingSource,
  sourceStep,
  type Option,
} from './evaluate.ts';

let loaded: Promise<Highs> | null = null;
/** HiGHS (WebAssembly) is loaded once per process; loading takes longer than most solves. */
export function loadHighs(): Promise<Highs> {
  loaded ??= highsLoader();
  return loaded;
}

/** HiGHS stops when the optimum is proven to within this (relative); `optimal` means this. */
export const MIP_REL_GAP = 1e-6;
/** HiGHS's presolve_rule_off bit for probing (its log names rule 15 "Probing"). */
const PRESOLVE_NO_PROBING = 1 << 15;
/** Missing work below this counts as none (as the evaluator counts it). */
const LEXI_TOL = 1e-6;

/**
 * Which tier a solve optimises: least missing work at the deadlines, then least work missing at
 * the horizon's end on run-past-deadline jobs, then highest net; each later tier keeps the
 * earlier ones at (a hair above) their optimum.
 */
export type Tier =
  | { goal: 'shortfall' }
  | { goal: 'late'; maxShortfall: number }
  | { goal: 'net'; maxShortfall: number; maxLate?: number };

type Row = { idx: number[]; val: number[]; lo: number; up: number };

/**
 * The planning problem as a mixed-integer program, built column by column for HiGHS (planner.md,
 * "The MILP"). `cols` says where each decision lives so a solution maps back to a plan and a plan
 * to a start vector.
 */
export type Milp = ReturnType<typeof buildMilp>;

export function buildMilp(input: PlanInput, tier: Tier) {
  const T = input.slots.length;
  const opts = input.devices.map((_, d) => deviceOptions(input, d));
  const cost: number[] = [];
  const lower: number[] = [];
  const upper: number[] = [];
  const integer: number[] = [];
  const rows: Row[] = [];
  const col = (c: number, lo: number, up: number, int = false) => {
    cost.push(c);
    lower.push(lo);
    upper.push(up);
    integer.push(int ? 1 : 0);
    return cost.length - 1;
  };
  const row = (idx: number[], val: number[], lo: number, up: number) => rows.push({ idx, val, lo, up });
  const net = tier.goal === 'net';
  const th = input.thermal;

  // x[t][d][k]: device d runs option k (k ≥ 1; 0 is off) in slot t.
  const x: number[][][] = input.slots.map((s) =>
    opts.map((os, d) =>
      os.map((o) => {
        if (!o) return -1;
        const lv = at(at(input.devices, d).levels, o.level);
        const job = at(input.jobs, o.job);
        const value = job.workNeeded === undefined ? job.valuePerWork * (lv.rates[job.kind] ?? 0) * s.hours : 0;
        return col(net ? value - (s.price * lv.powerW * s.hours) / 1000 : 0, 0, 1, true);
      }),
    ),
  );
  // Slot t's electrical power (every device, for the caps) or, with `heatOnly`, the heat it puts
  // into the home (the devices that heat it: a device outside the heated space adds none).
  const powerTerms = (t: number, heatOnly = false) => {
    const idx: number[] = [];
    const val: number[] = [];
    opts.forEach((os, d) => {
      if (heatOnly && !heatsHome(at(input.devices, d))) return;
      os.forEach((o, k) => {
        if (!o) return;
        idx.push(at(at(at(x, t), d), k));
        val.push(at(at(input.devices, d).levels, o.level).powerW);
      });
    });
    return { idx, val };
  };
  const heat: number[] = [];
  const source: number[] = [];
  const temp: number[] = [];
  const below: number[] = [];
  const above: number[] = [];
  for (let t = 0; t < T; t++) {
    const s = at(input.slots, t);
    const p = powerTerms(t);
    const h = powerTerms(t, true);
    opts.forEach((os, d) => {
      const idx = os.flatMap((o, k) => (o ? [at(at(at(x, t), d), k)] : []));
      if (idx.length > 1)
        row(
          idx,
          idx.map(() => 1),
          -Infinity,
          1,
        );
    });
    if (p.idx.length && input.limits.powerCapW !== undefined) row(p.idx, p.val, -Infinity, input.limits.powerCapW);
    if (p.idx.length && s.quiet && input.limits.quietCapW !== undefined)
      row(p.idx, p.val, -Infinity, input.limits.quietCapW);
    if (!th) {
      // Useful heat u ≤ heat into the home and ≤ demand, worth the heat credit.
      if (!h.idx.length) continue;
      const u = col(net ? s.heatCreditPerKWh : 0, 0, (Math.max(0, s.heatDemandW) * s.hours) / 1000);
      heat[t] = u;
      row([u, ...h.idx], [1, ...h.val.map((w) => (-w * s.hours) / 1000)], -Infinity, 0);
      continue;
    }
    // T_end = a·T_start + (1 − a)·(T_out + (compute W + source W)/UA): the exact step of one node
    // under constant inputs, linear in the powers (planner.md); compute W from heating devices only.
    const { a, b } = sourceStep(th, s.hours);
    // The source's output in kW (not W): coefficients near 1 keep HiGHS's LPs well scaled.
    const q = col(net ? -s.heatCreditPerKWh * s.hours : 0, 0, th.sourceCapW / 1000);
    const te = col(0, -Infinity, Infinity);
    const prev = t === 0 ? null : at(temp, t - 1);
    const rhs = (1 - a) * (s.outdoorC ?? 0) + (prev === null ? a * th.indoorC : 0);
    row(
      [te, q, ...(prev === null ? [] : [prev]), ...h.idx],
      [1, -b * 1000, ...(prev === null ? [] : [-a]), ...h.val.map((w) => -b * w)],
      rhs,
      rhs,
    );
    const penalty = (th.comfortPenaltyPerKh ?? DEFAULT_COMFORT_PENALTY) * s.hours;
    const lo = col(net ? -penalty : 0, 0, Infinity);
    const hi = col(net ? -penalty : 0, 0, Infinity);
    const band = s.comfort ?? { minC: -Infinity, maxC: Infinity };
    if (Number.isFinite(band.minC)) row([te, lo], [1, 1], band.minC, Infinity);
    if (Number.isFinite(band.maxC)) row([te, hi], [1, -1], -Infinity, band.maxC);
    source.push(q);
    temp.push(te);
    below.push(lo);
    above.push(hi);
  }

  // Minimum run and pause (the tight start/stop form): su_t ≥ on_t − on_{t−1}, sd_t ≥ on_{t−1} −
  // on_t; a start in the last R slots keeps it on, a stop in the last P slots keeps it off. Every
  // device is off before slot 0. su and sd need not be integral: they only appear where larger is
  // tighter, so the optimum sets them to the 0/1 difference.
  const switches: { d: number; su: number[]; sd: number[] }[] = [];
  input.devices.forEach((dev, d) => {
    const R = dev.minRunSlots ?? 1;
    const P = dev.minPauseSlots ?? 1;
    if (at(opts, d).length < 2 || (R <= 1 && P <= 1)) return;
    const on = (t: number) => at(at(x, t), d).filter((c) => c >= 0);
    const su: number[] = [];
    const sd: number[] = [];
    for (let t = 0; t < T; t++) {
      const now = on(t);
      const before = t > 0 ? on(t - 1) : [];
      const u = col(0, 0, 1);
      row([u, ...now, ...before], [1, ...now.map(() => -1), ...before.map(() => 1)], 0, Infinity);
      su.push(u);
      if (t > 0) {
        const v = col(0, 0, 1);
        row([v, ...before, ...now], [1, ...before.map(() => -1), ...now.map(() => 1)], 0, Infinity);
        sd.push(v);
      } else sd.push(-1);
      if (R > 1) {
        const starts = su.slice(Math.max(0, t - R + 1), t + 1);
        row([...starts, ...now], [...starts.map(() => 1), ...now.map(() => -1)], -Infinity, 0);
      }
      if (P > 1) {
        const stops = sd.slice(Math.max(0, t - P + 1), t + 1).filter((c) => c >= 0);
        if (stops.length) row([...stops, ...now], [...stops.map(() => 1), ...now.map(() => 1)], -Infinity, 1);
      }
    }
    switches.push({ d, su, sd });
  });

  // Deadline jobs: credited work c ≤ work in the slots that count, ≤ W; shortfall s ≥ W − work before the deadline.
  const workOf = (j: number, t: number, keep: (t: number) => boolean) => {
    const idx: number[] = [];
    const val: number[] = [];
    if (!keep(t)) return { idx, val };
    const job = at(input.jobs, j);
    opts.forEach((os, d) =>
      os.forEach((o, k) => {
        if (o?.job !== j) return;
        idx.push(at(at(at(x, t), d), k));
        val.push((at(at(input.devices, d).levels, o.level).rates[job.kind] ?? 0) * at(input.slots, t).hours);
      }),
    );
    return { idx, val };
  };
  const shortfall: { s: number; W: number }[] = [];
  const lateCredit: { c: number; W: number }[] = [];
  const deadline: { j: number; c: number; s: number }[] = [];
  // Work on a deadline job is counted as a share of its need (0…1), again for scaling: raw
  // amounts run to 10^5 steps against values of 10^-6 per step.
  input.jobs.forEach((job, j) => {
    if (job.workNeeded === undefined || !(job.workNeeded > 0)) return;
    const W = job.workNeeded;
    const credited = { idx: [] as number[], val: [] as number[] };
    const before = { idx: [] as number[], val: [] as number[] };
    for (let t = 0; t < T; t++) {
      const c = workOf(j, t, (u) => counts(input, u, j));
      credited.idx.push(...c.idx);
      credited.val.push(...c.val);
      const b = workOf(j, t, (u) => beforeDeadline(input, u, j));
      before.idx.push(...b.idx);
      before.val.push(...b.val);
    }
    const c = col(net ? job.valuePerWork * W : 0, 0, 1);
    row([c, ...credited.idx], [1, ...credited.val.map((v) => -v / W)], -Infinity, 0);
    const s = col(0, 0, Infinity);
    row([s, ...before.idx], [1, ...before.val.map((v) => v / W)], 1, Infinity);
    shortfall.push({ s, W });
    if (job.runPastDeadline) lateCredit.push({ c, W });
    deadline.push({ j, c, s });
  });
  // A continuous job runs as one block, on one device at one level, from its start until its work
  // is done (or the horizon ends): the executor neither pauses it nor changes its threads while it
  // runs, and a finished job stops. So it is a choice of block, b[d,k,start] ∈ {0,1}, at most one,
  // and its option's x is the sum of the blocks covering the slot, chained: x_t − x_{t−1} = blocks
  // starting at t − blocks ending at t. Much tighter than per-slot choices with a one-start row
  // (planner.md). The x stay binary although the blocks make them so: with them continuous,
  // HiGHS 1.15.1's presolve declared a 4-slot problem optimal at a worse value than a plan it had
  // been given (plan.test.ts, the tiny problems, seed 10).
  const blocks: { j: number; d: number; k: number; from: number; to: number; b: number }[] = [];
  input.jobs.forEach((job, j) => {
    if (job.mode !== 'continuous') return;
    const W = job.workNeeded ?? 0;
    const mine: number[] = [];
    opts.forEach((os, d) =>
      os.forEach((o, k) => {
        if (o?.job !== j) return;
        const rate = at(at(input.devices, d).levels, o.level).rates[job.kind] ?? 0;
        const xs = input.slots.map((_, t) => at(at(at(x, t), d), k));
        if (!(W > 0)) {
          xs.forEach((c) => (upper[c] = 0));
          return;
        }
        const startsAt: number[] = [];
        const endsAt: number[][] = input.slots.map(() => []);
        for (let from = 0; from < T; from++) {
          let to = from;
          for (let work = 0; to < T && !completes(work, W); to++) work += rate * at(input.slots, to).hours;
          const b = col(0, 0, 1, true);
          blocks.push({ j, d, k, from, to, b });
          startsAt.push(b);
          mine.push(b);
          if (to < T) at(endsAt, to).push(b);
        }
        input.slots.forEach((_, t) => {
          const ends = at(endsAt, t);
          const idx = [at(xs, t), ...(t > 0 ? [at(xs, t - 1)] : []), at(startsAt, t), ...ends];
          row(idx, [1, ...(t > 0 ? [-1] : []), -1, ...ends.map(() => 1)], 0, 0);
        });
      }),
    );
    if (mine.length)
      row(
        mine,
        mine.map(() => 1),
        -Infinity,
        1,
      );
  });

  let sense: 'minimize' | 'maximize' = 'maximize';
  // Tiers in work units (share × need), as the lexicographic objective counts them.
  if (tier.goal === 'shortfall') {
    sense = 'minimize';
    for (const { s, W } of shortfall) cost[s] = W;
  } else if (tier.goal === 'late') {
    for (const { c, W } of lateCredit) cost[c] = W;
  } else if (lateCredit.length && tier.maxLate !== undefined) {
    // No late work left: every such job is done by the end (a bound, not a row with a 1e-9 side).
    if (tier.maxLate <= LEXI_TOL) for (const { c } of lateCredit) lower[c] = 1;
    else {
      const total = lateCredit.reduce((a, l) => a + l.W, 0);
      const top = Math.max(...lateCredit.map((l) => l.W));
      row(
        lateCredit.map((l) => l.c),
        lateCredit.map((l) => l.W / top),
        (total - tier.maxLate) / top,
        Infinity,
      );
    }
  }
  if (tier.goal !== 'shortfall' && shortfall.length) {
    if (tier.maxShortfall <= LEXI_TOL) for (const { s } of shortfall) upper[s] = 0;
    else {
      const top = Math.max(...shortfall.map((x) => x.W));
      row(
        shortfall.map((x) => x.s),
        shortfall.map((x) => x.W / top),
        -Infinity,
        tier.maxShortfall / top,
      );
    }
  }

  return {
    cost,
    lower,
    upper,
    integer,
    rows,
    sense,
    x,
    heat,
    source,
    temp,
    below,
    above,
    shortfall,
    lateCredit,
    opts,
    switches,
    deadline,
    blocks,
  };
}

/**
 * The start vector for a plan in hand: its choices, the heat source's output (`sourceW`, thermal
 * model), and every auxiliary column at the value the plan implies. HiGHS checks it and keeps it
 * as its first incumbent when it is feasible for this tier.
 */
export function startVector(input: PlanInput, m: Milp, choice: number[][], sourceW: number[]): Float64Array {
  const v = new Float64Array(m.cost.length);
  const T = input.slots.length;
  const opt = (t: number, d: number): Option => at(at(m.opts, d), at(at(choice, t), d));
  // Heat into the home (the heating devices' power), as the heat and temperature rows count it.
  const watts = heatPower(input, m.opts, choice);
  const powerW = (t: number) => at(watts, t);
  for (let t = 0; t < T; t++) {
    m.opts.forEach((_, d) => {
      const k = at(at(choice, t), d);
      if (k > 0) v[at(at(at(m.x, t), d), k)] = 1;
    });
    const s = at(input.slots, t);
    const u = m.heat[t];
    if (u !== undefined) v[u] = Math.min((powerW(t) * s.hours) / 1000, (Math.max(0, s.heatDemandW) * s.hours) / 1000);
  }
  const th = input.thermal;
  if (th) {
    let temp = th.indoorC;
    for (let t = 0; t < T; t++) {
      const s = at(input.slots, t);
      const { a, b } = sourceStep(th, s.hours);
      const q = Math.min(th.sourceCapW, Math.max(0, sourceW[t] ?? 0));
      temp = a * temp + (1 - a) * (s.outdoorC ?? 0) + b * (powerW(t) + q);
      v[at(m.source, t)] = q / 1000;
      v[at(m.temp, t)] = temp;
      v[at(m.below, t)] = Math.max(0, (s.comfort?.minC ?? -Infinity) - temp);
      v[at(m.above, t)] = Math.max(0, temp - (s.comfort?.maxC ?? Infinity));
    }
  }
  for (const { d, su, sd } of m.switches) {
    for (let t = 0; t < T; t++) {
      const on = at(at(choice, t), d) > 0 ? 1 : 0;
      const was = t > 0 && at(at(choice, t - 1), d) > 0 ? 1 : 0;
      v[at(su, t)] = Math.max(0, on - was);
      const stop = at(sd, t);
      if (stop >= 0) v[stop] = Math.max(0, was - on);
    }
  }
  for (const dl of m.deadline) {
    const job = at(input.jobs, dl.j);
    const W = job.workNeeded ?? 0;
    let credited = 0;
    let before = 0;
    for (let t = 0; t < T; t++) {
      let work = 0;
      m.opts.forEach((_, d) => {
        const o = opt(t, d);
        if (o?.job !== dl.j) return;
        work += (at(at(input.devices, d).levels, o.level).rates[job.kind] ?? 0) * at(input.slots, t).hours;
      });
      if (counts(input, t, dl.j)) credited += work;
      if (beforeDeadline(input, t, dl.j)) before += work;
    }
    v[dl.c] = Math.min(1, credited / W);
    v[dl.s] = Math.max(0, 1 - before / W);
  }
  // A continuous job's block: the one starting where its option first runs (a start whose
  // slots differ from the plan's leaves the start infeasible, and HiGHS sets it aside).
  for (const b of m.blocks) {
    const runs = (t: number) => t >= 0 && t < T && at(at(choice, t), b.d) === b.k;
    if (runs(b.from) && !runs(b.from - 1)) v[b.b] = 1;
  }
  return v;
}

export type MilpResult = { choice: number[][]; sourceW: number[]; status: PlanStatus };

/**
 * Solves the plan with HiGHS, one solve per tier (see Tier), the net tier warm started from `start`
 * (the fast plan) or from what the earlier tiers chose, all of them within `timeLimitMs`. Returns
 * the best plan found and how right it is.
 */
export async function solveMilp(
  input: PlanInput,
  start: { choice: number[][]; sourceW: number[]; score?: { shortfall: number } },
  timeLimitMs: number,
  warm = true,
): Promise<MilpResult> {
  const highs = await loadHighs();
  const t0 = performance.now();
  // Earlier tiers may use a share of what is left, so the one that decides the net keeps time.
  const left = (share: number) => Math.max(0.05, ((timeLimitMs - (performance.now() - t0)) * share) / 1000);
  const slack = (v: number) => (v <= LEXI_TOL ? 0 : v * (1 + 1e-9) + 1e-9);
  let maxShortfall = 0;
  let maxLate: number | undefined;
  let status: PlanStatus = { kind: 'optimal' };
  const hasDeadlines = input.jobs.some((j) => j.workNeeded !== undefined && j.workNeeded > 0);
  const late = input.jobs.filter((j) => j.workNeeded !== undefined && j.workNeeded > 0 && j.runPastDeadline);
  // A tier the start already has at zero needs no solve: nothing does better than zero. (No
  // missing work at the deadlines means none late either.)
  const startShort = warm && start.score ? start.score.shortfall <= 0 : false;
  // The net tier starts from the last tier's compute plan (feasible for it by construction), its
  // heat source and other columns made afresh: what an earlier tier left there is arbitrary in
  // money. The fast plan itself where it already meets the earlier tiers.
  let previous: number[][] | null = null;
  const run = (tier: Tier, share: number) => {
    const m = buildMilp(input, tier);
    let from = start;
    if (previous && !(tier.goal === 'net' && startShort)) {
      const compute = heatPower(input, m.opts, previous);
      from = { choice: previous, sourceW: holdingSource(input, compute) };
    }
    // Only the net tier gets the start. Given one in the shortfall tier, HiGHS 1.15.1's presolve
    // (without probing) twice declared the start optimal when a plan with less missing work
    // existed (tiny problems 135 and 314 of plan.test.ts's generator; cold, it found them). Those
    // tiers are small feasibility problems that HiGHS solves quickly from nothing.
    const r = solveOne(
      highs,
      m,
      warm && tier.goal === 'net' ? startVector(input, m, from.choice, from.sourceW) : null,
      left(share),
    );
    // The first tier not proven is the one the gap speaks of: the later ones are optimal only given it.
    if (status.kind === 'optimal' && r.status.kind !== 'optimal')
      status = r.status.kind === 'feasible' && tier.goal !== 'net' ? { ...r.status, on: tier.goal } : r.status;
    if (r.values) previous = choiceOf(input, m, r.values);
    return { m, r };
  };
  if (hasDeadlines && !startShort) {
    const { r } = run({ goal: 'shortfall' }, 0.4);
    if (!r.values) return { ...start, status: { kind: 'heuristic', reason: r.why } };
    maxShortfall = slack(r.objective);
  }
  if (late.length && !startShort) {
    const { r } = run({ goal: 'late', maxShortfall }, 0.5);
    if (!r.values) return { ...start, status: { kind: 'heuristic', reason: r.why } };
    maxLate = slack(late.reduce((a, j) => a + (j.workNeeded ?? 0), 0) - r.objective);
  } else if (late.length) maxLate = 0;
  const { m, r } = run({ goal: 'net', maxShortfall, ...(maxLate !== undefined ? { maxLate } : {}) }, 1);
  if (!r.values) return { ...start, status: { kind: 'heuristic', reason: r.why } };
  const values = r.values;
  return {
    choice: choiceOf(input, m, values),
    sourceW: m.source.map((c) => Math.max(0, (values[c] ?? 0) * 1000)),
    status,
  };
}

/** Which option each device runs in each slot, from a solution's values. */
function choiceOf(input: PlanInput, m: Milp, values: Float64Array): number[][] {
  return input.slots.map((_, t) =>
    m.opts.map((os, d) => {
      let best = 0;
      os.forEach((o, k) => {
        if (o && (values[at(at(at(m.x, t), d), k)] ?? 0) > 0.5) best = k;
      });
      return best;
    }),
  );
}

type One = { values: Float64Array | null; objective: number; status: PlanStatus; why: string };

function solveOne(highs: Highs, m: Milp, start: Float64Array | null, timeLimitS: number): One {
  const n = m.cost.length;
  // Row-wise (CSR), as the rows were made.
  const starts = new Int32Array(m.rows.length + 1);
  let nz = 0;
  m.rows.forEach((r, i) => {
    nz += r.idx.length;
    starts[i + 1] = nz;
  });
  const index = new Int32Array(nz);
  const value = new Float64Array(nz);
  let k = 0;
  for (const r of m.rows) {
    for (let i = 0; i < r.idx.length; i++) {
      index[k] = at(r.idx, i);
      value[k++] = at(r.val, i);
    }
  }
  const inf = highs.infinity;
  const fin = (v: number) => (v === Infinity ? inf : v === -Infinity ? -inf : v);
  const model = highs.createModel({
    numCols: n,
    numRows: m.rows.length,
    sense: m.sense === 'maximize' ? highs.constants.objectiveSense.maximize : highs.constants.objectiveSense.minimize,
    colCost: m.cost,
    colLower: m.lower.map(fin),
    colUpper: m.upper.map(fin),
    rowLower: m.rows.map((r) => fin(r.lo)),
    rowUpper: m.rows.map((r) => fin(r.up)),
    matrix: { format: 'csr', numRows: m.rows.length, numCols: n, starts, indices: index, values: value },
    integrality: Int32Array.from(m.integer),
  });
  try {
    // A smaller cut pool than HiGHS's default (10,000): on these models the root's cut rounds
    // were most of the time (bench: 192-slot homes about 40 % faster, same optima). No probing in
    // presolve (rule 15): on homes with long continuous blocks it took seconds and found little.
    model.options.set({
      output_flag: false,
      mip_rel_gap: MIP_REL_GAP,
      mip_abs_gap: 1e-9,
      time_limit: timeLimitS,
      mip_pool_soft_limit: 500,
      presolve_rule_off: PRESOLVE_NO_PROBING,
    });
    if (start) {
      try {
        model.setSolution({ colValue: start });
      } catch {
        // A start HiGHS cannot use is no reason not to solve.
      }
    }
    model.run();
    const code = model.getModelStatus();
    const c = highs.constants.modelStatus;
    const sol = model.getSolution();
    const hasPrimal = Number(model.info.get('primal_solution_status')) === 2;
    if (code === c.optimal)
      return { values: sol.colValue, objective: model.getObjectiveValue(), status: { kind: 'optimal' }, why: '' };
    if (
      hasPrimal &&
      (code === c.timeLimit || code === c.interrupted || code === c.iterationLimit || code === c.solutionLimit)
    ) {
      const gap = Number(model.info.get('mip_gap'));
      return {
        values: sol.colValue,
        objective: model.getObjectiveValue(),
        status: { kind: 'feasible', gap: Number.isFinite(gap) ? gap : 1 },
        why: '',
      };
    }
    const why =
      code === c.timeLimit
        ? `HiGHS found no plan within the ${timeLimitS.toFixed(1)} s time limit`
        : `HiGHS: model status ${code}`;
    return { values: null, objective: 0, status: { kind: 'heuristic', reason: why }, why };
  } finally {
    model.dispose();
  }
}
