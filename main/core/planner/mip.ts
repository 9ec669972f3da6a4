import highsLoader, { type Highs } from 'highs';
import { beforeDeadline, deviceOptions } from './evaluate.ts';
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
 * The planning problem as a mixed-integer program in CPLEX LP format. x_t_d_o = 1 when device d
 * runs option o (level × job) in slot t; u_t useful heat (kWh); c_j credited and s_j missing work.
 * Returned with the names so a solution maps back to an assignment.
 */
export function buildLp(input: PlanInput, phase: 'shortfall' | { maxShortfall: number }): string {
  const T = input.slots.length;
  const opts = input.devices.map((_, d) => deviceOptions(input, d));
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
      at(opts, d).forEach((o, k) => {
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
  for (const [job, j] of deadlineJobs) {
    const work: [number, string][] = [];
    for (let t = 0; t < T; t++) {
      if (!beforeDeadline(input, t, j)) continue;
      input.devices.forEach((dev, d) =>
        at(opts, d).forEach((o, k) => {
          if (o && o.job === j) work.push([(at(dev.levels, o.level).rates[job.kind] ?? 0) *  at(input.slots, t).hours, x(t, d, k)]);
        }),
      );
    }
    row(linear([[1, `c_${j}`], ...work.map(([c, v]) => [-c, v] as [number, string])]), '<= 0');
    row(linear([[1, `c_${j}`], [1, `s_${j}`]]), `= ${num(job.workNeeded ?? 0)}`);
    obj.push([job.valuePerWork, `c_${j}`]);
  }
  // Minimum run and pause lengths: a start at t forces on for the next R-1 slots (truncated at the
  // horizon); a stop at t forces off for the next P-1 slots. Before slot 0 every device is off.
  input.devices.forEach((dev, d) => {
    const on = (t: number): [number, string][] => at(opts, d).flatMap((o, k) => (o ? [[1, x(t, d, k)] as [number, string]] : []));
    if (at(opts, d).length < 2) return;
    const R = dev.minRunSlots ?? 1;
    const P = dev.minPauseSlots ?? 1;
    const neg = (e: [number, string][]) => e.map(([c, v]) => [-c, v] as [number, string]);
    for (let t = 0; t < T; t++) {
      for (let k = 1; k < R && t + k < T; k++) row(linear([...on(t), ...(t > 0 ? neg(on(t - 1)) : []), ...neg(on(t + k))]), '<= 0');
      if (t >= 1) for (let k = 1; k < P && t + k < T; k++) row(linear([...on(t - 1), ...neg(on(t)), ...on(t + k)]), '<= 1');
    }
  });
  let objective: string;
  if (phase === 'shortfall') {
    objective = `minimize\n obj: ${linear(deadlineJobs.map(([, j]) => [1, `s_${j}`]))}`;
  } else {
    objective = `maximize\n obj: ${linear(obj)}`;
    if (deadlineJobs.length) row(linear(deadlineJobs.map(([, j]) => [1, `s_${j}`])), `<= ${num(phase.maxShortfall)}`);
  }
  return `${objective}\nsubject to\n${rows.join('\n')}\nbounds\n${bounds.map((b) => ` ${b}`).join('\n')}\nbinary\n ${bins.join(' ')}\nend\n`;
}

/**
 * Solves the planning problem exactly with HiGHS: first the least total missing deadline work,
 * then the highest net value at that shortfall. Returns choice[t][d] (index into deviceOptions).
 */
export async function solveMip(input: PlanInput): Promise<number[][]> {
  const highs = await loadHighs();
  const opts = input.devices.map((_, d) => deviceOptions(input, d));
  const exact = { mip_rel_gap: 0, mip_abs_gap: 0, output_flag: false } as const;
  let maxShortfall = 0;
  if (input.jobs.some((j) => j.workNeeded !== undefined)) {
    const first = highs.solve(buildLp(input, 'shortfall'), exact);
    if (first.Status !== 'Optimal') throw new Error(`planner MIP (shortfall): ${first.Status}`);
    // A hair of slack so rounding in the first solve cannot make the second infeasible.
    maxShortfall = Math.max(0, first.ObjectiveValue) * (1 + 1e-9) + 1e-9;
  }
  const sol = highs.solve(buildLp(input, { maxShortfall }), exact);
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
