import highsLoader, { type Highs } from 'highs';
import { beforeDeadline, counts, deviceOptions } from './evaluate.ts';
import type { PlanInput } from './model.ts';
import { at } from './model.ts';

let solver: Promise<Highs> | null = null;
/** HiGHS (WebAssembly) is loaded once per process; loading takes longer than most solves. */
export function loadHighs(): Promise<Highs> {
  solver ??= highsLoader();
  return solver;
}

const num = (n: number) => (Number.isFinite(n) ? n.toPrecision(17).replace(/\.?0+(e|$)/, '$1') : '0');
function linear(terms: [number, string][]): string {
  const parts = terms.filter(([c]) => c !== 0).map(([c, v]) => `${c < 0 ? '-' : '+'} ${num(Math.abs(c))} ${v}`);
  return parts.length ? parts.join(' ') : '0 z0';
}

/**
 * Which tier a solve optimises: least missing work at the deadlines, then least work missing at
 * the horizon's end on run-past-deadline jobs, then highest net; each later tier keeps the
 * earlier ones at (a hair above) their optimum.
 */
export type MipPhase = { goal: 'shortfall' } | { goal: 'late'; maxShortfall: number } | { goal: 'net'; maxShortfall: number; maxLate?: number; minNet?: number };

/**
 * The planning problem as a mixed-integer program in CPLEX LP format. x_t_d_o = 1 when device d
 * runs option o (level × job) in slot t; u_t useful heat (kWh); c_j credited work, s_j work
 * missing at the deadline; y_t_j / z_t_j: continuous job j runs / starts in slot t.
 * Returned with the names so a solution maps back to an assignment.
 */
export function buildLp(input: PlanInput, phase: MipPhase, fixed?: ReadonlySet<string>): string {
  const T = input.slots.length;
  // Options left out (fixed to off) by the caller are replaced by null: no variable is made for them.
  const all = input.devices.map((_, d) => deviceOptions(input, d));
  const optsAt = (t: number) => (fixed?.size ? all.map((os, d) => os.map((o, k) => (o && fixed.has(`${t}_${d}_${k}`) ? null : o))) : all);
  const obj: [number, string][] = [];
  const rows: string[] = [];
  const bins: string[] = [];
  const bounds: string[] = ['0 <= z0 <= 0'];
  const x = (t: number, d: number, o: number) => `x_${t}_${d}_${o}`;
  const deadlineJobs = input.jobs.map((j, i) => [j, i] as const).filter(([j]) => j.workNeeded !== undefined);
  let r = 0;
  const row = (expr: string, rhs: string) => rows.push(` r${r++}: ${expr} ${rhs}`);
  for (let t = 0; t < T; t++) {
    const s = at(input.slots, t);
    const energy: [number, string][] = [];
    const power: [number, string][] = [];
    input.devices.forEach((dev, d) => {
      const pick: [number, string][] = [];
      at(optsAt(t), d).forEach((o, k) => {
        if (!o) return;
        const v = x(t, d, k);
        bins.push(v);
        pick.push([1, v]);
        const lv = at(dev.levels, o.level);
        energy.push([(lv.powerW * s.hours) / 1000, v]);
        power.push([lv.powerW, v]);
        const job = at(input.jobs, o.job);
        const value = job.workNeeded === undefined ? job.valuePerWork * (lv.rates[job.kind] ?? 0) * s.hours : 0;
        obj.push([value - (s.price * lv.powerW * s.hours) / 1000, v]);
      });
      if (pick.length) row(linear(pick), '<= 1');
    });
    if (energy.length) {
      obj.push([s.heatCreditPerKWh, `u_${t}`]);
      row(`${linear([[1, `u_${t}`], ...energy.map(([c, v]) => [-c, v] as [number, string])])}`, '<= 0');
      bounds.push(`0 <= u_${t} <= ${num((s.heatDemandW * s.hours) / 1000)}`);
      if (input.limits.powerCapW !== undefined) row(linear(power), `<= ${num(input.limits.powerCapW)}`);
      if (s.quiet && input.limits.quietCapW !== undefined) row(linear(power), `<= ${num(input.limits.quietCapW)}`);
    }
  }
  const workOf = (j: number, t: number): [number, string][] => {
    const job = at(input.jobs, j);
    const out: [number, string][] = [];
    input.devices.forEach((dev, d) =>
      at(optsAt(t), d).forEach((o, k) => {
        if (o && o.job === j) out.push([(at(dev.levels, o.level).rates[job.kind] ?? 0) * at(input.slots, t).hours, x(t, d, k)]);
      }),
    );
    return out;
  };
  for (const [job, j] of deadlineJobs) {
    const W = job.workNeeded ?? 0;
    const before: [number, string][] = [];
    const credited: [number, string][] = [];
    for (let t = 0; t < T; t++) {
      if (beforeDeadline(input, t, j)) before.push(...workOf(j, t));
      if (counts(input, t, j)) credited.push(...workOf(j, t));
    }
    row(linear([[1, `c_${j}`], ...credited.map(([c, v]) => [-c, v] as [number, string])]), '<= 0');
    row(linear([[1, `s_${j}`], ...before]), `>= ${num(W)}`);
    bounds.push(`0 <= c_${j} <= ${num(W)}`);
    obj.push([job.valuePerWork, `c_${j}`]);
    if (job.mode === 'continuous') {
      // y_t = 1 exactly when some device runs the job in slot t; a start z_t ≥ y_t − y_{t−1}; one start at most.
      for (let t = 0; t < T; t++) {
        const runs = workOf(j, t).map(([, v]) => v);
        bins.push(`y_${t}_${j}`);
        for (const v of runs) row(`${v} - y_${t}_${j}`, '<= 0');
        row(linear([[1, `y_${t}_${j}`], ...runs.map((v) => [-1, v] as [number, string])]), '<= 0');
        row(linear([[1, `z_${t}_${j}`], [-1, `y_${t}_${j}`], ...(t > 0 ? [[1, `y_${t - 1}_${j}`] as [number, string]] : [])]), '>= 0');
        bounds.push(`0 <= z_${t}_${j} <= 1`);
      }
      row(linear(Array.from({ length: T }, (_, t) => [1, `z_${t}_${j}`] as [number, string])), '<= 1');
    }
  }
  // Minimum run and pause lengths: a start at t forces on for the next R-1 slots (truncated at the
  // horizon); a stop at t forces off for the next P-1 slots. Before slot 0 every device is off.
  input.devices.forEach((dev, d) => {
    const on = (t: number): [number, string][] => at(optsAt(t), d).flatMap((o, k) => (o ? [[1, x(t, d, k)] as [number, string]] : []));
    if (at(all, d).length < 2) return;
    const R = dev.minRunSlots ?? 1;
    const P = dev.minPauseSlots ?? 1;
    const neg = (e: [number, string][]) => e.map(([c, v]) => [-c, v] as [number, string]);
    for (let t = 0; t < T; t++) {
      for (let k = 1; k < R && t + k < T; k++) row(linear([...on(t), ...(t > 0 ? neg(on(t - 1)) : []), ...neg(on(t + k))]), '<= 0');
      if (t >= 1) for (let k = 1; k < P && t + k < T; k++) row(linear([...on(t - 1), ...neg(on(t)), ...on(t + k)]), '<= 1');
    }
  });
  const lateJobs = deadlineJobs.filter(([j]) => j.runPastDeadline);
  const lateWork = lateJobs.reduce((a, [j]) => a + (j.workNeeded ?? 0), 0);
  let objective: string;
  if (phase.goal === 'shortfall') {
    objective = `minimize\n obj: ${linear(deadlineJobs.map(([, j]) => [1, `s_${j}`]))}`;
  } else if (phase.goal === 'late') {
    // Least late work = most credited work on run-past-deadline jobs.
    objective = `maximize\n obj: ${linear(lateJobs.map(([, j]) => [1, `c_${j}`]))}`;
  } else {
    objective = `maximize\n obj: ${linear(obj)}`;
    // A known plan's net as a floor lets branch and bound drop nodes that cannot beat it.
    if (phase.minNet !== undefined) row(linear(obj), `>= ${num(phase.minNet)}`);
    if (lateJobs.length && phase.maxLate !== undefined) row(linear(lateJobs.map(([, j]) => [1, `c_${j}`])), `>= ${num(lateWork - phase.maxLate)}`);
  }
  if (phase.goal !== 'shortfall' && deadlineJobs.length) row(linear(deadlineJobs.map(([, j]) => [1, `s_${j}`])), `<= ${num(phase.maxShortfall)}`);
  return `${objective}\nsubject to\n${rows.join('\n')}\nbounds\n${bounds.map((b) => ` ${b}`).join('\n')}\nbinary\n ${bins.join(' ')}\nend\n`;
}

/**
 * What the caller already knows from a plan in hand (the fast planner's incumbent): its missing
 * work (the optimum can only be lower or equal) and its net.
 */
export type MipHint = { shortfall: number; late: number; net: number };

/**
 * Solves the planning problem exactly with HiGHS, one solve per tier (see MipPhase). The
 * reference for the fast planner (dp.ts) and its fallback. `fixedOff`: (slot, device, option)
 * choices to leave out (the fast planner's reduced-cost fixing); `hint`: a plan in hand. Returns choice[t][d] (index into deviceOptions).
 */
export async function solveMip(input: PlanInput, fixedOff: readonly [number, number, number][] = [], hint?: MipHint): Promise<number[][]> {
  const highs = await loadHighs();
  const fixed = new Set(fixedOff.map(([t, d, k]) => `${t}_${d}_${k}`));
  const opts = input.devices.map((_, d) => deviceOptions(input, d));
  const exact = { mip_rel_gap: 0, mip_abs_gap: 0, output_flag: false } as const;
  // A hair of slack so rounding in one solve cannot make the next infeasible.
  const slack = (v: number) => Math.max(0, v) * (1 + 1e-9) + 1e-9;
  let maxShortfall = 0;
  let maxLate: number | undefined;
  // A tier the hint already has at zero needs no solve: nothing can do better than zero.
  if (input.jobs.some((j) => j.workNeeded !== undefined) && !(hint && hint.shortfall === 0)) {
    const first = highs.solve(buildLp(input, { goal: 'shortfall' }, fixed), exact);
    if (first.Status !== 'Optimal') throw new Error(`planner MIP (shortfall): ${first.Status}`);
    maxShortfall = slack(first.ObjectiveValue);
  }
  const late = input.jobs.filter((j) => j.workNeeded !== undefined && j.runPastDeadline);
  if (late.length && !(hint && hint.shortfall === 0 && hint.late === 0)) {
    const second = highs.solve(buildLp(input, { goal: 'late', maxShortfall }, fixed), exact);
    if (second.Status !== 'Optimal') throw new Error(`planner MIP (late work): ${second.Status}`);
    maxLate = slack(late.reduce((a, j) => a + (j.workNeeded ?? 0), 0) - second.ObjectiveValue);
  } else if (late.length) maxLate = slack(0);
  // The floor only when the hint's plan is at the optimum of the earlier tiers (else it may not hold).
  const minNet = hint && hint.shortfall === 0 && hint.late === 0 ? hint.net - 1e-9 * Math.max(1, Math.abs(hint.net)) : undefined;
  const sol = highs.solve(buildLp(input, { goal: 'net', maxShortfall, maxLate, minNet }, fixed), exact);
  // With a floor, "infeasible" means nothing beats the hint's plan: all off is returned and the caller keeps its plan.
  if (minNet !== undefined && sol.Status === 'Infeasible') return input.slots.map(() => input.devices.map(() => 0));
  if (sol.Status !== 'Optimal') throw new Error(`planner MIP: ${sol.Status}`);
  return input.slots.map((_, t) =>
    input.devices.map((_, d) => {
      let best = 0;
      at(opts, d).forEach((o, k) => {
        if (o && (sol.Columns[`x_${t}_${d}_${k}`]?.Primal ?? 0) > 0.5) best = k;
      });
      return best;
    }),
  );
}
