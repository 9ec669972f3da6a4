import { beforeDeadline, deviceOptions } from './evaluate.ts';
import { type Exact, type Flat, type Kept, type Pass, assignLayers, backward as backwardPass, band as bandOf, build as buildTable, certifyLabels, forward as forwardPass, grown, keptPath as keptPathIds, newPass, trace as tracePass, weigh as weighAll } from './flat.ts';
import { kelleyMaster } from './kelley.ts';
import type { Option, PlanInput } from './model.ts';

/**
 * The fast exact planner (see planner.md). Slots are stages; the state is every device's run or
 * pause length (capped at its minimum) and, per continuous job, whether its block has not begun,
 * is running or is over. Within a slot the devices' options are combined exhaustively (caps,
 * heat credit capped by demand) and grouped by which devices run and which continuous jobs run;
 * within a group only combinations not dominated in (value, work per deadline job) are kept.
 *
 * Without deadline jobs a backward DP is the whole answer. With them, work amounts couple the
 * slots: a Lagrangian DP (a price per unit of deadline work) bounds the net; jobs whose work
 * comes in whole units are kept exactly in the state (per job a banded table, and all of them
 * at once in a certificate); plans from those tables, with the ties the prices leave between
 * jobs assigned exactly, are the incumbents; and where that does not prove the optimum, a beam
 * search and an exact label search (labels = partial plans: state, work done per job, value;
 * dominated labels dropped, labels whose bound cannot beat the incumbent pruned) do. Past
 * `maxLabels` it gives up (null, with a seed for the MIP: its best plan and the choices no
 * better plan can use) and the caller uses the MIP. The loops that take the time are in flat.ts.
 */

/** id: its number among all slots' combinations; group: its group's, likewise. */
type Combo = { id: number; group: number; opts: number[]; value: number; wb: Float64Array; wa: Float64Array };
type Group = { pattern: number; mask: number; combos: Combo[]; next: Int32Array };

export type DpRoute = 'dp' | 'dp+bnb';
export type DpResult = { choice: number[][]; route: DpRoute; labels: number; dualIterations: number };
/**
 * What the search leaves the MIP when it gives up: its best plan (choice per slot and device) and
 * the (slot, device, option) choices that no plan better than that one can use (their Lagrangian
 * bound is no better), which the MIP may leave out.
 */
export type DpSeed = { incumbent: number[][]; fixed: [number, number, number][] };
export type DpOptions = {
  maxLabels?: number;
  /** Joint device × continuous-job states (× run patterns) past which the DP is not tried. */
  maxStates?: number;
  /** Option combinations per slot past which the DP is not tried. */
  maxCombos?: number;
  /** Filled when solveDp gives up. */
  seed?: { value?: DpSeed };
};

/** Scores compare with this tolerance on work (as the MIP and brute force do). */
const TOL = 1e-9;

type Tiers = { t1: number; t2: number; net: number };
/** t1: credited work at the deadlines (max), t2: credited work on run-past jobs by the end (max), net (max). */
function betterTiers(a: Tiers, b: Tiers): boolean {
  if (a.t1 > b.t1 + TOL) return true;
  if (a.t1 < b.t1 - TOL) return false;
  if (a.t2 > b.t2 + TOL) return true;
  if (a.t2 < b.t2 - TOL) return false;
  return a.net > b.net;
}

export function solveDp(input: PlanInput, options: DpOptions = {}): DpResult | null {
  const maxLabels = options.maxLabels ?? 80_000;
  const T = input.slots.length;
  const opts = input.devices.map((_, d) => deviceOptions(input, d));
  const dj = input.jobs.flatMap((j, i) => (j.workNeeded !== undefined ? [i] : []));
  const K = dj.length;
  const kOf = new Map(dj.map((j, k) => [j, k]));
  const W = dj.map((j) => ix(input.jobs, j).workNeeded ?? 0);
  const V = dj.map((j) => ix(input.jobs, j).valuePerWork);
  const RP = dj.map((j) => ix(input.jobs, j).runPastDeadline === true);
  const cj = dj.flatMap((j, k) => (ix(input.jobs, j).mode === 'continuous' ? [k] : []));
  const cBit = new Map(cj.map((k, i) => [k, i]));

  const made = problem(input, opts, dj, kOf, cBit, RP, options);
  if (!made) return null;
  const { S, s0, groups, combos, groupList, NC, comboWork, flat } = made;
  const weigh = (alpha: number, beta: ArrayLike<number>, betaAfter: ArrayLike<number>, out?: Float64Array) => weighAll(flat, alpha, beta, betaAfter, out);
  const scratchScores = new Float64Array(NC);
  /** Slot t's row of a flat (T + 1) × S table. */
  const row = (table: Float64Array, t: number) => table.subarray(t * S, (t + 1) * S);
  const backward = (alpha: number, beta: ArrayLike<number>, betaAfter: ArrayLike<number>, into: Pass = newPass(flat)): Pass => backwardPass(flat, weigh(alpha, beta, betaAfter, scratchScores), into);
  const comboScore = (c: Combo, alpha: number, beta: ArrayLike<number>, betaAfter: ArrayLike<number>): number => {
    let v = alpha * c.value;
    for (let k = 0; k < K; k++) v += beta[k]! * c.wb[k]! + betaAfter[k]! * c.wa[k]!;
    return v;
  };
  const comboPath = (ids: Int32Array): Combo[] => {
    const path = new Array<Combo>(ids.length);
    for (let t = 0; t < ids.length; t++) path[t] = combos[ids[t]!]!;
    return path;
  };
  const trace = (pass: Pass): Combo[] => comboPath(tracePass(flat, pass));
  // Copies: combinations share their option arrays between slots.
  const choiceOf = (path: Combo[]) => path.map((c) => [...c.opts]);
  const zeros = new Array<number>(K).fill(0);

  if (K === 0) {
    const B = backward(1, zeros, zeros);
    return { choice: choiceOf(trace(B)), route: 'dp', labels: 0, dualIterations: 0 };
  }

  const tiersOf = (path: Combo[]): Tiers => {
    const b = new Float64Array(K);
    const a = new Float64Array(K);
    let value = 0;
    for (const c of path) {
      value += c.value;
      for (let k = 0; k < K; k++) {
        b[k] = Math.min(W[k]!, b[k]! + c.wb[k]!);
        a[k] = Math.min(W[k]!, a[k]! + c.wb[k]! + c.wa[k]!);
      }
    }
    return finalTiers(value, b, a);
  };
  const finalTiers = (value: number, b: Float64Array, a: Float64Array): Tiers => {
    let t1 = 0;
    let t2 = 0;
    let net = value;
    for (let k = 0; k < K; k++) {
      t1 += ix(b, k);
      if (ix(RP, k)) t2 += ix(a, k);
      net += ix(V, k) * (ix(RP, k) ? ix(a, k) : ix(b, k));
    }
    return { t1, t2, net };
  };
  const plain = trace(backward(1, zeros, zeros));
  let incumbent: { tiers: Tiers; choice: number[][] } = { tiers: tiersOf(plain), choice: choiceOf(plain) };
  /**
   * Local improvement of a plan that meets every deadline: swap a slot's combination for another
   * with the same devices and continuous jobs running (so run/pause and block rules still hold)
   * when that gains value and every deadline stays met; best swap first, until none gains.
   */
  const polish = (path: Combo[]): Combo[] => {
    const p = [...path];
    const surplus = zeros.map((_, k) => p.reduce((a, c) => a + c.wb[k]!, 0) - Wt[k]!);
    if (surplus.some((x) => x < -TOL)) return p;
    const fits = (cur: Combo, c: Combo) => {
      for (let k = 0; k < K; k++) if (surplus[k]! + c.wb[k]! - cur.wb[k]! < -TOL || c.wa[k]! < cur.wa[k]! - TOL) return false;
      return true;
    };
    // Rounds: collect every slot's best feasible swap, apply them best gain first while each
    // still keeps every deadline met; stop when a round changes nothing.
    for (let round = 0; round < 50; round++) {
      const swaps: { t: number; c: Combo; gain: number }[] = [];
      p.forEach((cur, t) => {
        let best: { t: number; c: Combo; gain: number } | null = null;
        for (const c of ix(groupList, cur.group).combos) {
          const gain = c.value - cur.value;
          if (gain <= 1e-15 || (best && gain <= best.gain) || !fits(cur, c)) continue;
          best = { t, c, gain };
        }
        if (best) swaps.push(best);
      });
      let changed = false;
      for (const { t, c } of swaps.sort((x, y) => y.gain - x.gain)) {
        const cur = ix(p, t);
        if (!fits(cur, c)) continue;
        for (let k = 0; k < K; k++) surplus[k] = ix(surplus, k) + ix(c.wb, k) - ix(cur.wb, k);
        p[t] = c;
        changed = true;
      }
      if (!changed) break;
    }
    return p;
  };
  const offer = (path: Combo[]) => {
    const polished = polish(path);
    for (const p of polished === path ? [path] : [path, polished]) {
      const tiers = tiersOf(p);
      if (betterTiers(tiers, incumbent.tiers)) incumbent = { tiers, choice: choiceOf(p) };
    }
  };

  // Bounds on each job's remaining work from (t, s): before its deadline, and in all (run-past jobs).
  const unit = (k: number) => zeros.map((_, i) => (i === k ? 1 : 0));
  const MB = dj.map((_, k) => backward(0, unit(k), zeros).B);
  const MA = dj.map((_, k) => (ix(RP, k) ? backward(0, unit(k), unit(k)).B : null));
  // Targets: the work each job can get before its deadline at most (its need when it fits). A plan
  // that reaches every target is optimal in tier 1, and any plan that ties it reaches them too, so
  // the "meets every target" bound below applies (infeasible deadlines included). Run-past jobs
  // must fit (their late work would need its own bound).
  const Wt = Float64Array.from(W, (w, k) => Math.min(w, ix(ix(MB, k), s0)));
  const sumWt = Wt.reduce((a, b) => a + b, 0);
  const sumWRP = W.reduce((a, w, k) => a + (ix(RP, k) ? w : 0), 0);
  // Generic bound: deadline work valued at its price, uncapped (valid for every completion).
  const vAfter = V.map((v, k) => (ix(RP, k) ? v : 0));
  const generic = backward(1, V, vAfter);
  const Bg = generic.B;
  offer(trace(generic));

  // Full bound (only for completions that reach every target): minimise over λ ≥ 0 the
  // Lagrangian of "work before the deadline ≥ target".
  const vw = V.reduce((a, v, k) => a + v * ix(Wt, k), 0);
  // Multipliers, work and cuts in typed arrays: plain arrays of numbers change element kind
  // (whole or fractional values) from one plan to the next, which deoptimised this code.
  const dual: { best: { phi: number; lambda: Float64Array; work: Float64Array; B: Float64Array; pass: Pass } | null } = { best: null };
  // The pass buffer a new dual point is computed in (the best point's is kept).
  let spare: Pass | undefined;
  let dualIterations = 0;
  const mayMeetAll = dj.every((_, k) => !ix(RP, k) || ix(Wt, k) >= ix(W, k) - TOL);
  const meetsAll = () => incumbent.tiers.t1 >= sumWt - TOL;
  /** The incumbent's net, with the tolerance a bound must clear to beat it. */
  const bar = () => incumbent.tiers.net + 1e-11 * Math.max(1, Math.abs(incumbent.tiers.net));
  const atTolerance = (v: number) => v <= bar();
  const closed = () => dual.best !== null && meetsAll() && atTolerance(dual.best.phi);
  const cuts: { phi: number; l: Float64Array; g: Float64Array }[] = [];
  const evalDual = (l: Float64Array) => {
    dualIterations++;
    const pass = backward(1, l, zeros, spare);
    spare = undefined;
    const phi = ix(pass.B, s0) + vw - l.reduce((a, x, k) => a + x * ix(Wt, k), 0);
    const path = trace(pass);
    offer(path);
    const work = new Float64Array(K);
    for (const c of path) for (let k = 0; k < K; k++) work[k] = work[k]! + c.wb[k]!;
    if (!dual.best || phi < dual.best.phi) {
      spare = dual.best?.pass;
      dual.best = { phi, lambda: l.slice(), work, B: pass.B, pass };
    } else spare = pass;
    cuts.push({ phi, l: l.slice(), g: work.map((w, k) => w - Wt[k]!) });
    return { phi, work };
  };
  if (mayMeetAll) {
    // Repair: raise the price of work on jobs the Lagrangian plan leaves short until a plan meets
    // every deadline (an incumbent for the bound to beat). It starts where each job's work first
    // pays on some device at some level as well as that level's best open-ended job (mining, say):
    // the dual's optimum usually sits at such ties, and Kelley's first cuts are then near it.
    const l0 = Float64Array.from(V, (v, k) => {
      let tie = Infinity;
      input.devices.forEach((dev, d) => {
        for (const o of ix(opts, d)) {
          if (!o || o.job !== ix(dj, k)) continue;
          const lv = ix(dev.levels, o.level);
          const rate = lv.rates[ix(input.jobs, o.job).kind] ?? 0;
          let open = 0;
          for (const p of ix(opts, d)) {
            const job = p && p.level === o.level && !kOf.has(p.job) ? ix(input.jobs, p.job) : undefined;
            if (job) open = Math.max(open, job.valuePerWork * (lv.rates[job.kind] ?? 0));
          }
          if (rate > 0) tie = Math.min(tie, Math.max(v, open / rate));
        }
      });
      return Number.isFinite(tie) ? tie : v;
    });
    const scale = Math.max(1e-6, ...V) / 8;
    for (let it = 0, l = l0; it < 40 && !meetsAll(); it++) {
      const { work } = evalDual(l);
      l = l.map((x, k) => (work[k]! < Wt[k]! - TOL ? x * 1.15 + scale : x));
    }
    // Kelley's cutting planes: each DP pass is a cut z ≥ φ(λᵢ) + gᵢ·(λ − λᵢ) of the convex,
    // piecewise-linear dual; the next λ minimises the cuts' maximum (a tiny LP, kelley.ts), until
    // the LP's bound meets the best φ (the exact dual) or the incumbent.
    if (!cuts.length) evalDual(l0);
    const U = 100 * Math.max(1e-3, ...V);
    for (let it = 0; it < 40 && !closed(); it++) {
      const sol = kelleyMaster(
        cuts.map((c) => ({ a: c.phi - c.g.reduce((a, g, k) => a + g * ix(c.l, k), 0), g: c.g })),
        K,
        U,
      );
      if (!sol) break;
      const bestPhi = dual.best?.phi ?? Infinity;
      if (bestPhi - sol.z <= 1e-10 * Math.max(1, Math.abs(bestPhi))) break;
      evalDual(Float64Array.from(sol.lambda));
    }
    // Repair near the best multipliers: small raises on short jobs give plans that meet every
    // deadline with little overshoot (good incumbents), where the first repair overshoots.
    if (dual.best) {
      let l = dual.best.lambda.slice();
      let work = dual.best.work;
      const bump = Math.max(1e-6, ...V) / 200;
      for (let it = 0; it < 30; it++) {
        const short = work.map((w, k) => (w < Wt[k]! - TOL ? 1 : 0));
        if (!short.includes(1)) break;
        l = l.map((x, k) => (short[k] ? x * 1.03 + bump : x));
        work = evalDual(l).work;
      }
    }
  }
  const full = dual.best;
  // Bounds of a partial plan whose work is w: w[k] before job k's deadline, w[K + k] in all (capped).
  // Hot loops: plain indexing (every index is in range by construction).
  const lambdaF = full?.lambda ?? zeros;
  const fullBound = (t: number, s: number, value: number, w: Float64Array): number => {
    if (!full) return Infinity;
    let v = value + vw + full.B[t * S + s]!;
    for (let k = 0; k < K; k++) v -= (lambdaF[k] as number) * ((Wt[k] as number) - (w[k] as number));
    return v;
  };
  const genericBound = (t: number, s: number, value: number, w: Float64Array): number => {
    let v = value + Bg[t * S + s]!;
    for (let k = 0; k < K; k++) v += (V[k] as number) * (w[RP[k] ? K + k : k] as number);
    return v;
  };
  /**
   * A tighter bound for a job whose work comes in whole units: when every amount of its work a
   * slot can add (before its deadline) is a multiple of one δ (a job only one device at one level
   * can run, say) and its target needs few units, its deadline can be kept exactly, in the state
   * (units done, capped at the target's), while the other jobs stay priced at λ (λ_k = 0). The
   * Lagrangian bound then no longer counts fractions of a slot's work, which is where most of
   * its gap to the optimum comes from. Valid, like the full bound, for plans that reach every
   * target. Kept tables are built (flat.ts) banded: see build there.
   */
  const band = (x: Exact, table: Float64Array, t: number, s: number, d: number): number => bandOf(flat, x, table, t, s, d);
  const keptJobs: Kept[] = [];
  const exact: Exact[] = [];
  const needUnits = (x: { delta: number; M: number }, need: number) => Math.min(x.M, Math.max(0, Math.ceil((need - TOL) / x.delta - 1e-6)));
  /**
   * The unit δ of job k's work (see unitOf) over every amount a slot can add to it before its
   * deadline; 1 when it can get none, null when the amounts have no unit.
   */
  const jobUnits = new Map<number, number | null>();
  const jobUnit = (k: number): number | null => {
    if (!jobUnits.has(k)) {
      const amounts = new Set<number>();
      for (let c = 0; c < NC; c++) if (comboWork[c * 2 * K + k]! > TOL) amounts.add(comboWork[c * 2 * K + k]!);
      jobUnits.set(k, amounts.size ? unitOf([...amounts]) : 1);
    }
    return jobUnits.get(k)!;
  };
  /** Job x.k's kept table for plans above `threshold`, the other jobs priced at `lambda`. */
  const build = (lambda: ArrayLike<number>, x: Kept, threshold: number): Exact => {
    const lam = Array.from(lambda, (l, k) => (k === x.k ? 0 : l));
    const constant = vw - lam.reduce((a, l, j) => a + l * ix(Wt, j), 0);
    return buildTable(flat, x, lam, constant, weigh(1, lam, zeros), ix(lambda, x.k), ix(Wt, x.k), full!.B, threshold);
  };
  const incThreshold = () => (meetsAll() ? bar() : -Infinity);
  /**
   * The jobs that can be kept exactly, fewest units first. keptRoute builds their tables one by
   * one, each at the incumbent the previous one's plan left: a table's bands are narrower the
   * better the plan it has to beat.
   */
  const findKept = () => {
    if (!full) return;
    for (let k = 0; k < K; k++) {
      const delta = jobUnit(k);
      if (delta === null) continue;
      const M = needUnits({ delta, M: Infinity }, ix(Wt, k));
      if (M < 1 || M > MAX_UNITS) continue;
      // Its values take (T+1)·S·(M+1) numbers at most (the bands are far smaller); keep that to ~48 MB.
      if ((T + 1) * S * (M + 1) > 6_000_000) continue;
      const units = new Int32Array(NC);
      for (let c = 0; c < NC; c++) units[c] = Math.round(comboWork[c * 2 * K + k]! / delta);
      keptJobs.push({ k, delta, M, units });
    }
    keptJobs.sort((a, b) => a.M - b.M);
  };
  /** The bound with job x.k's deadline kept exactly, for a partial plan at (t, s); −∞: it cannot reach x.k's target. */
  const exactBound = (x: Exact, t: number, s: number, value: number, w: Float64Array): number => {
    const best = band(x, x.B, t, s, x.M - needUnits(x, ix(Wt, x.k) - w[x.k]!));
    if (best === -Infinity) return -Infinity;
    let v = value + x.constant + best;
    for (let j = 0; j < K; j++) v += x.lam[j]! * w[j]!;
    return v;
  };
  /**
   * −∞ when a partial plan cannot beat the incumbent; otherwise a rank for the beam (the
   * Lagrangian estimate, which charges missing deadline work at its price λ).
   */
  const bound = (t: number, s: number, value: number, w: Float64Array): number => {
    const rank = full ? fullBound(t, s, value, w) : genericBound(t, s, value, w);
    let ub1 = 0;
    for (let k = 0; k < K; k++) ub1 += Math.min(W[k] as number, (w[k] as number) + MB[k]![t * S + s]!);
    const inc = incumbent.tiers;
    if (ub1 < inc.t1 - TOL) return -Infinity;
    if (ub1 > inc.t1 + TOL) return rank;
    if (sumWRP > 0) {
      let ub2 = 0;
      for (let k = 0; k < K; k++) {
        const ma = MA[k];
        if (ma) ub2 += Math.min(W[k] as number, (w[K + k] as number) + ma[t * S + s]!);
      }
      if (ub2 < inc.t2 - TOL) return -Infinity;
      if (ub2 > inc.t2 + TOL) return rank;
    }
    let ub3 = genericBound(t, s, value, w);
    if (inc.t1 >= sumWt - TOL) {
      ub3 = Math.min(ub3, fullBound(t, s, value, w));
      for (const x of exact) ub3 = Math.min(ub3, exactBound(x, t, s, value, w));
    }
    return atTolerance(ub3) ? -Infinity : rank;
  };

  let labelsUsed = 0;
  let comparisons = 0;
  /**
   * Forward label search. beam = null: exact (every label that may beat the incumbent is kept);
   * beam = n: at most n labels per state, best bound first (a heuristic for an early incumbent).
   */
  const search = (beam: number | null): 'done' | 'budget' => {
    // Labels of all layers in flat, growable typed arrays (the search makes tens of thousands):
    // state, value, parent, bound, and 2K work amounts (before each deadline, then in all).
    const L = 2 * K;
    let cap = 1024;
    let state = new Int32Array(cap);
    let value = new Float64Array(cap);
    let parent = new Int32Array(cap);
    let ubs = new Float64Array(cap);
    let work = new Float64Array(cap * L);
    const combo: (Combo | null)[] = [null];
    let count = 1;
    state[0] = s0;
    parent[0] = -1;
    const grow = () => {
      cap *= 2;
      state = grown(state, new Int32Array(cap));
      parent = grown(parent, new Int32Array(cap));
      value = grown(value, new Float64Array(cap));
      ubs = grown(ubs, new Float64Array(cap));
      work = grown(work, new Float64Array(cap * L));
    };
    /** Whether label i has at least value v and at least the work in w (scratch). */
    const covers = (i: number, v: number, w: Float64Array) => {
      if ((value[i] as number) < v) return false;
      for (let k = 0, o = i * L; k < L; k++) if ((work[o + k] as number) < (w[k] as number)) return false;
      return true;
    };
    /** Whether (v, w) has at least label i's value and work. */
    const coveredBy = (v: number, w: Float64Array, i: number) => {
      if (v < (value[i] as number)) return false;
      for (let k = 0, o = i * L; k < L; k++) if ((w[k] as number) < (work[o + k] as number)) return false;
      return true;
    };
    let layer = [0];
    const scratch = new Float64Array(L);
    for (let t = 0; t < T; t++) {
      const buckets = new Map<number, number[]>();
      for (const li of layer) {
        const s = state[li] as number;
        const o = li * L;
        for (const g of ix(groups, t)) {
          const n = g.next[s] ?? -1;
          if (n < 0) continue;
          for (const c of g.combos) {
            const nv = (value[li] as number) + c.value;
            const nw = scratch;
            for (let k = 0; k < K; k++) {
              const need = W[k] as number;
              nw[k] = Math.min(need, (work[o + k] as number) + (c.wb[k] as number));
              nw[K + k] = Math.min(need, (work[o + K + k] as number) + (c.wb[k] as number) + (c.wa[k] as number));
            }
            const ub = bound(t + 1, n, nv, nw);
            if (ub === -Infinity) continue;
            let bucket = buckets.get(n);
            if (!bucket) buckets.set(n, (bucket = []));
            // Dominance checks cost like labels do: they count against the same budget.
            comparisons += bucket.length;
            if (comparisons > 16 * maxLabels) return 'budget';
            if (bucket.some((i) => covers(i, nv, nw))) continue;
            for (let i = bucket.length - 1; i >= 0; i--) if (coveredBy(nv, nw, bucket[i] as number)) bucket.splice(i, 1);
            if (++labelsUsed > maxLabels) return 'budget';
            if (count === cap) grow();
            state[count] = n;
            value[count] = nv;
            parent[count] = li;
            ubs[count] = ub;
            work.set(nw, count * L);
            combo.push(c);
            bucket.push(count++);
          }
        }
      }
      layer = [];
      for (const bucket of buckets.values()) {
        if (beam !== null && bucket.length > beam) bucket.sort((x, y) => (ubs[y] as number) - (ubs[x] as number)).length = beam;
        for (const i of bucket) layer.push(i);
      }
    }
    for (const li of layer) {
      const tiers = finalTiers(value[li] as number, work.subarray(li * L, li * L + K), work.subarray(li * L + K, li * L + L));
      if (!betterTiers(tiers, incumbent.tiers)) continue;
      const choice: number[][] = [];
      for (let i = li; (parent[i] as number) >= 0; i = parent[i] as number) choice.push([...(ix(combo, i)?.opts ?? [])]);
      incumbent = { tiers, choice: choice.reverse() };
    }
    return 'done';
  };
  const giveUp = (): null => {
    if (options.seed) options.seed.value = seedFor();
    return null;
  };
  const seedFor = (): DpSeed => {
    const seed: DpSeed = { incumbent: incumbent.choice, fixed: [] };
    if (!full || !meetsAll()) return seed;
    const F = forwardPass(flat, weigh(1, full.lambda, zeros));
    const constant = vw - full.lambda.reduce((a, x, k) => a + x * ix(Wt, k), 0);
    const threshold = bar();
    // Per job kept exactly (see exactBound) the same, from its forward values F (the best start
    // from s0 to s at slot t with d units done, capped).
    const kept = exact;
    for (let t = 0; t < T; t++) {
      const best = opts.map((o) => new Float64Array(o.length).fill(-Infinity));
      const f = row(F, t);
      const b = row(full.B, t + 1);
      for (const g of ix(groups, t)) {
        let through = -Infinity;
        for (let s = 0; s < S; s++) {
          const n = g.next[s] ?? -1;
          if (n >= 0) through = Math.max(through, (f[s] ?? -Infinity) + (b[n] ?? -Infinity));
        }
        if (through === -Infinity) continue;
        // Per kept job and unit count: the best plan through the group.
        const viaExact = kept.map((x) => {
          const memo = new Map<number, number>();
          return (u: number) => {
            let v = memo.get(u);
            if (v !== undefined) return v;
            v = -Infinity;
            for (let s = 0; s < S; s++) {
              const n = g.next[s]!;
              if (n < 0) continue;
              for (let d = x.lo[t * S + s]!, top = x.hi[t * S + s]!; d <= top; d++) {
                const f = band(x, x.F, t, s, d);
                if (f === -Infinity) continue;
                const b = band(x, x.B, t + 1, n, Math.min(x.M, d + u));
                if (f + b > v) v = f + b;
              }
            }
            memo.set(u, v);
            return v;
          };
        });
        for (const c of g.combos) {
          let v = through + comboScore(c, 1, full.lambda, zeros) + constant;
          kept.forEach((x, i) => {
            v = Math.min(v, ix(viaExact, i)(x.units[c.id]!) + comboScore(c, 1, x.lam, zeros) + x.constant);
          });
          c.opts.forEach((k, d) => {
            const row = ix(best, d);
            if (v > ix(row, k)) row[k] = v;
          });
        }
      }
      best.forEach((row, d) => {
        for (let k = 1; k < row.length; k++) if (ix(row, k) <= threshold) seed.fixed.push([t, d, k]);
      });
    }
    return seed;
  };
  /**
   * Along a plan, re-chooses among each slot's exact ties (combinations of the same group that
   * score the same under `lam` and add the same work to every job in `kept` and the same late
   * work) so that every other job reaches its target with the least overshoot, priced at `lam`.
   * The plan's Lagrangian value stays, so the result loses exactly that overshoot against it.
   * This is where the Lagrangian's symmetry goes: at the multipliers a device at one level is
   * often indifferent between several jobs (and mining), and which of them gets each slot's work
   * is an assignment with only the targets coupling it. A DP over the slots keyed by the work
   * done; null when no assignment loses less than `budget` or the states pass `ASSIGN_STATES`.
   */
  const assign = (path: Combo[], kept: readonly number[], lam: ArrayLike<number>, budget: number): Combo[] | null => {
    const P = dj.map((_, k) => k).filter((k) => !kept.includes(k));
    const tie = (a: Combo, b: Combo) => {
      for (const k of kept) if (Math.abs(a.wb[k]! - b.wb[k]!) > 1e-12) return false;
      for (let k = 0; k < K; k++) if (Math.abs(a.wa[k]! - b.wa[k]!) > 1e-12) return false;
      return true;
    };
    const sc = weigh(1, lam, zeros);
    const alts = path.map((c0) => ix(groupList, c0.group).combos.filter((c) => c === c0 || (Math.abs(sc[c.id]! - sc[c0.id]!) <= 1e-14 && tie(c, c0))));
    // Work counted in each job's unit (assignments are only tried where every job has one). A
    // job's work ends within [goal, top] units: overshoot past target + budget/λ loses too much;
    // a job priced at 0 loses nothing by it, so its count is capped at the goal instead.
    const n = P.length;
    const quantum = P.map(jobUnit);
    if (quantum.some((x) => x === null)) return null;
    // Typed arrays in the hot loops (plain arrays of numbers differ in element kind).
    const q = Float64Array.from(quantum as number[]);
    const free = Uint8Array.from(P, (k) => (ix(lam, k) === 0 ? 1 : 0));
    const goal = Int32Array.from(P, (k, i) => Math.max(0, Math.ceil((ix(Wt, k) - TOL) / q[i]! - 1e-6)));
    const top = Int32Array.from(P, (k, i) => (free[i] ? goal[i]! : Math.min(ASSIGN_UNITS + 1, Math.floor((ix(Wt, k) + budget / ix(lam, k) + TOL) / q[i]! + 1e-6))));
    if (top.some((x, i) => x < goal[i]! || x > ASSIGN_UNITS)) return null;
    // Each alternative's work in units: slot t's alternative a at (firstAlt[t] + a)·n + i.
    const firstAlt = new Int32Array(T + 1);
    alts.forEach((as, t) => (firstAlt[t + 1] = firstAlt[t]! + as.length));
    const units = Int32Array.from(alts.flatMap((as) => as.flatMap((c) => P.map((k, i) => Math.round(c.wb[k]! / q[i]!)))));
    const layers = assignLayers(T, n, firstAlt, units, goal, top, free, ASSIGN_STATES);
    if (!layers) return null;
    let best = -1;
    let least = budget;
    for (let p = 0; p < layers.first[T + 1]! - layers.first[T]!; p++) {
      let loss = 0;
      P.forEach((k, i) => (loss += ix(lam, k) * (layers.w[(layers.first[T]! + p) * n + i]! * q[i]! - ix(Wt, k))));
      if (loss < least) [best, least] = [p, loss];
    }
    if (best < 0) return null;
    const out: Combo[] = [];
    for (let t = T, p = best; t > 0; t--) {
      out.push(ix(ix(alts, t - 1), layers.alt[layers.first[t]! + p]!));
      p = layers.parent[layers.first[t]! + p]!;
    }
    return out.reverse();
  };
  /**
   * The plan attaining job x.k's kept table from s0: per slot the combination whose score plus
   * the table's best completion (needing the units still missing) is largest.
   */
  const keptPath = (x: Exact): Combo[] | null => {
    const ids = keptPathIds(flat, x, weigh(1, x.lam, zeros), needUnits(x, ix(Wt, x.k)));
    return ids && comboPath(ids);
  };
  /**
   * The deadlines of every job in `E` kept exactly at once: labels keyed by (state, units done
   * per job, capped), the other jobs priced at λ, best value per key; a label is dropped when
   * any bound (the plain Lagrangian's, or one job's kept table, each less the price of the other
   * kept jobs' missing work) says it cannot beat the incumbent. No label left at the end: nothing
   * beats the incumbent ('closed'). Else the best one's plan, its other jobs' ties assigned, is
   * offered and the bound it leaves is checked again.
   */
  const certify = (E: Kept[]): 'closed' | 'open' | 'budget' => {
    if (!full) return 'open';
    const J = E.length;
    const lam = full.lambda.map((l, k) => (E.some((x) => x.k === k) ? 0 : l));
    const constant = vw - lam.reduce((a, l, k) => a + l * ix(Wt, k), 0);
    // Typed arrays in the hot loop below (plain arrays of numbers differ in element kind).
    const need = Int32Array.from(E, (x) => needUnits(x, ix(Wt, x.k)));
    const price = Float64Array.from(E, (x) => ix(full.lambda, x.k));
    const target = Float64Array.from(E, (x) => ix(Wt, x.k));
    const delta = Float64Array.from(E, (x) => x.delta);
    // Key: s + S·(u₀ + (need₀+1)·(u₁ + …)), units done per kept job capped at its need.
    const mult = new Int32Array(J);
    let span = S;
    need.forEach((m, i) => {
      mult[i] = span;
      span *= m + 1;
    });
    // One index slot per key (16 MB at most); more kept units than that are left to the label search.
    if (span > 4_000_000) return 'open';
    const threshold = incThreshold();
    // The kept tables among E, for the bound: [table, its index in E].
    const tables = exact.filter((x) => E.some((y) => y.k === x.k));
    const tableJob = Int32Array.from(tables, (x) => E.findIndex((y) => y.k === x.k));
    const labels = certifyLabels(flat, {
      units: E.map((x) => x.units),
      need,
      price,
      target,
      delta,
      mult,
      span,
      sc: weigh(1, lam, zeros),
      constant,
      plain: full.B,
      reachable: E.map((x) => ix(MB, x.k)),
      tables,
      tableJob,
      threshold,
      budget: maxLabels - labelsUsed,
    });
    if (!labels) return 'budget';
    labelsUsed += labels.labels;
    const { keys, values, parents, picks } = labels;
    let best = -1;
    for (let i = 0; i < keys.length; i++) {
      let done = true;
      for (let j = 0; j < J && done; j++) done = Math.floor(keys[i]! / mult[j]!) % (need[j]! + 1) === need[j];
      if (done && (best < 0 || values[i]! > values[best]!)) best = i;
    }
    let bound = -Infinity;
    if (best >= 0) {
      bound = values[best]! + constant;
      const path: Combo[] = [];
      for (let t = T - 1, i = best; t >= 0; t--) {
        path.push(ix(combos, ix(ix(picks, t), i)));
        i = ix(ix(parents, t), i);
      }
      const assigned = assign(path.reverse(), E.map((x) => x.k), lam, bound - incumbent.tiers.net);
      if (assigned) offer(assigned);
    }
    return atTolerance(bound) ? 'closed' : 'open';
  };
  /**
   * Between the bounds and the label search: plans from each kept table (and the plain
   * Lagrangian) with their ties assigned as incumbents, then, with two or more kept jobs, all of
   * them kept at once as the certificate.
   */
  const keptRoute = (): 'closed' | 'open' | 'budget' => {
    if (!full) return 'open';
    // Bound tables for the jobs with few units (or, if none has, the one with fewest); the
    // others only get a narrow table for their best plan, and those come first: their plans
    // are often the best incumbents, and a bound table is narrower the better the incumbent.
    const order = keptJobs.map((job, i) => ({ job, table: i === 0 || job.M <= TABLE_UNITS }));
    order.sort((a, b) => Number(a.table) - Number(b.table));
    for (const { job, table } of order) {
      let x: Exact | null = null;
      if (table) {
        x = build(full.lambda, job, incThreshold());
        exact.push(x);
        dualIterations++;
        labelsUsed += T;
      } else {
        // A job with many units: only its table's best plan is wanted here (the certificate
        // keeps it exactly without a table). A table for just the plans within a guessed gap
        // of the plain bound (which bounds its own) holds that plan and is far narrower than
        // one for every plan above the incumbent; looked at lower until it holds one.
        for (const gap of [1e-4, 1e-3, 1e-2]) {
          x = build(full.lambda, job, full.phi - gap * Math.max(1, Math.abs(full.phi)));
          dualIterations++;
          labelsUsed += T;
          if (band(x, x.B, 0, s0, 0) > -Infinity) break;
          x = null;
        }
      }
      if (labelsUsed > maxLabels) return 'budget';
      const path = x && keptPath(x);
      const assigned = path && x && assign(path, [x.k], x.lam, exactBound(x, 0, s0, 0, noWork) - incumbent.tiers.net);
      if (assigned) offer(assigned);
      if (keptCloses()) return 'closed';
    }
    if (!meetsAll()) return 'open';
    if (atTolerance(full.phi) || keptCloses()) return 'closed';
    return keptJobs.length >= 2 ? certify(keptJobs) : 'open';
  };
  const closedAtRoot = full !== null && meetsAll() && atTolerance(full.phi);
  const noWork = new Float64Array(2 * K);
  if (!closedAtRoot) findKept();
  // Each Lagrangian DP pass counts as one label per slot against the budget.
  labelsUsed = dualIterations * T;
  if (labelsUsed >= maxLabels) return giveUp();
  const keptCloses = () => meetsAll() && exact.some((x) => atTolerance(exactBound(x, 0, s0, 0, noWork)));
  if (!closedAtRoot && !keptCloses()) {
    const kept = keptRoute();
    if (kept === 'budget') return giveUp();
    if (kept === 'open') {
      search(4);
      if (search(null) === 'budget') return giveUp();
    }
  }
  return { choice: incumbent.choice, route: 'dp+bnb', labels: labelsUsed, dualIterations };
}

/**
 * The problem as the DP sees it (see solveDp): device and continuous-job states and their
 * transitions, each slot's combinations grouped and reduced, and the flat arrays the hot loops
 * read (flat.ts). A module-level function so V8 optimises it once for every plan. Null when the
 * states or combinations are past what the DP is tried for.
 */
function problem(input: PlanInput, opts: Option[][], dj: number[], kOf: Map<number, number>, cBit: Map<number, number>, RP: boolean[], options: DpOptions) {
  const T = input.slots.length;
  const D = input.devices.length;
  const K = dj.length;
  const C = cBit.size;
  // Device states: 0..R-1 on for r = i+1 slots (R-1: may stop), R..R+P-1 off for p slots (last: may start).
  const dev = input.devices.map((d, i) => {
    if (ix(opts, i).length < 2) return { R: 1, P: 1, size: 1 };
    const R = Math.max(1, d.minRunSlots ?? 1);
    const P = Math.max(1, d.minPauseSlots ?? 1);
    return { R, P, size: R + P };
  });
  const nDev = dev.reduce((a, d) => a * d.size, 1);
  const nCont = 3 ** C;
  const S = nDev * nCont;
  if (S * 2 ** D > (options.maxStates ?? 2_000_000)) return null;
  // Every slot enumerates the devices' option combinations; past this many the MIP is the better tool.
  if (opts.reduce((a, o) => a * o.length, 1) > (options.maxCombos ?? 100_000)) return null;
  const localNext = (d: number, st: number, on: boolean): number => {
    const { R, P, size } = ix(dev, d);
    if (size === 1) return on ? -1 : 0;
    if (st < R) return on ? Math.min(st + 1, R - 1) : st === R - 1 ? R : -1;
    return on ? (st === R + P - 1 ? 0 : -1) : Math.min(st + 1, R + P - 1);
  };
  const devNext = jointNext(dev.map((d) => d.size), localNext);
  // A continuous job's block: not begun (0), running (1), over (2); it may not run again once over.
  const contNext = jointNext(new Array<number>(C).fill(3), (_, st, runs) => (st === 0 ? (runs ? 1 : 0) : st === 1 ? (runs ? 1 : 2) : runs ? -1 : 2));
  // Next state per state for each (devices on, continuous jobs running) pattern; -1 = not allowed.
  const transitionCache = new Map<number, Int32Array>();
  const transitions = (key: number, pattern: number, mask: number): Int32Array => {
    let tr = transitionCache.get(key);
    if (tr) return tr;
    tr = new Int32Array(S);
    for (let s = 0; s < S; s++) {
      const nd = ix(devNext, ((s % nDev) << D) | pattern);
      const nc = C === 0 ? 0 : ix(contNext, (Math.floor(s / nDev) << C) | mask);
      tr[s] = nd < 0 || nc < 0 ? -1 : nd + nDev * nc;
    }
    transitionCache.set(key, tr);
    return tr;
  };
  const s0 = dev.reduce((acc, d, i) => acc + (d.size - 1) * dev.slice(0, i).reduce((a, x) => a * x.size, 1), 0);

  // Per slot: every combination within the caps, grouped and reduced to the non-dominated ones.
  // What a combination is apart from its value (devices, power, work, mining revenue per hour)
  // depends only on the slot's length, cap and which deadlines are still ahead, so it is
  // enumerated once per such class and only valued per slot.
  // work: which (group, work before and after deadlines) the shape has, numbered within its class;
  // of the shapes sharing one, only the most valuable in a slot can be on a best plan.
  const shapes = new Map<string, ShapeClass>();
  const shapesFor = (t: number, cap: number): ShapeClass => {
    const slot = ix(input.slots, t);
    const ahead = dj.map((j) => (beforeDeadline(input, t, j) ? 1 : 0));
    const id = `${slot.hours}|${cap}|${ahead.join('')}`;
    const known = shapes.get(id);
    if (known) return known;
    const out: Shape[] = [];
    const works = new Map<string, number>();
    const pick: number[] = new Array<number>(D).fill(0);
    const visit = (d: number, powerW: number) => {
      if (powerW > cap + 1e-9) return;
      if (d === D) {
        let pattern = 0;
        let mask = 0;
        let revenuePerH = 0;
        const wb = new Float64Array(K);
        const wa = new Float64Array(K);
        pick.forEach((o, i) => {
          const opt = ix(ix(opts, i), o);
          if (!opt) return;
          pattern |= 1 << i;
          const job = ix(input.jobs, opt.job);
          const rate = ix(ix(input.devices, i).levels, opt.level).rates[job.kind] ?? 0;
          const k = kOf.get(opt.job);
          if (k === undefined) revenuePerH += job.valuePerWork * rate;
          else {
            const c = cBit.get(k);
            if (c !== undefined) mask |= 1 << c;
            if (ix(ahead, k) === 1) wb[k] = ix(wb, k) + rate * slot.hours;
            else if (ix(RP, k)) wa[k] = ix(wa, k) + rate * slot.hours;
          }
        });
        const key = pattern | (mask << D);
        const workKey = `${key}|${wb.join(',')}|${wa.join(',')}`;
        let work = works.get(workKey);
        if (work === undefined) works.set(workKey, (work = works.size));
        out.push({ opts: [...pick], powerW, revenuePerH, wb, wa, key, pattern, mask, work });
        return;
      }
      const os = ix(opts, d);
      for (let o = 0; o < os.length; o++) {
        pick[d] = o;
        const opt = ix(os, o);
        visit(d + 1, powerW + (opt ? ix(ix(input.devices, d).levels, opt.level).powerW : 0));
      }
      pick[d] = 0;
    };
    visit(0, 0);
    const cls = shapeClass(out, K);
    shapes.set(id, cls);
    return cls;
  };
  const values = new Float64Array(opts.reduce((a, o) => a * o.length, 1));
  const groups: Group[][] = input.slots.map((slot, t) => {
    const cap = Math.min(input.limits.powerCapW ?? Infinity, slot.quiet ? (input.limits.quietCapW ?? Infinity) : Infinity);
    const cls = shapesFor(t, cap);
    return slotGroups(cls, slot, values).map((kept) => {
      const first = ix(cls.shapes, ix(kept, 0));
      return {
        pattern: first.pattern,
        mask: first.mask,
        combos: kept.map((i) => {
          const sh = cls.shapes[i]!;
          return { id: -1, group: -1, opts: sh.opts, value: values[i]!, wb: sh.wb, wa: sh.wa };
        }),
        next: transitions(first.key, first.pattern, first.mask),
      };
    });
  });
  // The hot loops (flat.ts) read flat arrays: combinations numbered (id) slot by slot and group by group.
  const combos: Combo[] = [];
  const groupList: Group[] = [];
  const firstGroup = new Int32Array(T + 1);
  for (const [t, gs] of groups.entries()) {
    firstGroup[t] = groupList.length;
    for (const g of gs) {
      for (const c of g.combos) {
        c.id = combos.length;
        c.group = groupList.length;
        combos.push(c);
      }
      groupList.push(g);
    }
  }
  firstGroup[T] = groupList.length;
  const NC = combos.length;
  // Groups with the same devices and jobs running share their transitions.
  const nexts = [...new Set(groupList.map((g) => g.next))];
  const pairList: number[] = [];
  const pairsAt = nexts.map((next) => {
    const first = pairList.length;
    next.forEach((n, s) => n >= 0 && pairList.push(s, n));
    return [first, pairList.length] as const;
  });
  const comboValue = new Float64Array(NC);
  const comboWork = new Float64Array(NC * 2 * K);
  let anyAfter = false;
  for (let i = 0; i < NC; i++) {
    const c = combos[i]!;
    comboValue[i] = c.value;
    for (let k = 0; k < K; k++) {
      comboWork[i * 2 * K + k] = c.wb[k]!;
      comboWork[i * 2 * K + K + k] = c.wa[k]!;
      if (c.wa[k] !== 0) anyAfter = true;
    }
  }
  const flat: Flat = {
    T,
    S,
    K,
    NC,
    s0,
    firstGroup,
    firstCombo: Int32Array.from({ length: groupList.length + 1 }, (_, g) => (g < groupList.length ? ix(ix(groupList, g).combos, 0).id : NC)),
    comboValue,
    comboWork,
    anyAfter,
    nextState: Int32Array.from(nexts.flatMap((next) => [...next])),
    toState: Int32Array.from(groupList, (g) => nexts.indexOf(g.next) * S),
    firstPair: Int32Array.from(groupList, (g) => ix(pairsAt, nexts.indexOf(g.next))[0]),
    lastPair: Int32Array.from(groupList, (g) => ix(pairsAt, nexts.indexOf(g.next))[1]),
    pairs: Int32Array.from(pairList),
    weights: new Float64Array(2 * K),
  };
  return { S, s0, groups, combos, groupList, NC, comboWork, flat };
}

/**
 * Transitions of a state made of independent parts (mixed radix, part i of sizes[i] states): per
 * (state s, pattern p of parts switched on) the next state at [(s << parts) | p], from each part's
 * own transition (−1: not allowed, and then the whole is not).
 */
function jointNext(sizes: number[], local: (part: number, st: number, on: boolean) => number): Int32Array {
  const n = sizes.length;
  const states = sizes.reduce((a, x) => a * x, 1);
  const out = new Int32Array(states << n);
  for (let s = 0; s < states; s++) {
    for (let p = 0; p < 1 << n; p++) {
      let rest = s;
      let mult = 1;
      let next = 0;
      for (let i = 0; i < n && next >= 0; i++) {
        const size = sizes[i]!;
        const x = local(i, rest % size, ((p >> i) & 1) === 1);
        rest = Math.floor(rest / size);
        if (x < 0) next = -1;
        else next += x * mult;
        mult *= size;
      }
      out[(s << n) | p] = next;
    }
  }
  return out;
}

/** Most units of work a job kept exactly in the DP state may need (its table grows with it). */
const MAX_UNITS = 256;
/** Units past which a kept job (other than the one with fewest) gets no table, only a place in the certificate. */
const TABLE_UNITS = 64;
/** Work-done states past which assigning a plan's ties gives up (the label search goes on). */
const ASSIGN_STATES = 4096;
/** Most units of work per job an assignment counts (its tables grow with it). */
const ASSIGN_UNITS = 1 << 15;

/**
 * The largest δ = (smallest amount)/q, q ≤ 64, of which every amount is a whole multiple (to
 * within float rounding: the units a plan counts may then fall short of its work by far less
 * than the 1e-6 unit that needUnits forgives); null when there is none (rates like 1.8734/h).
 */
function unitOf(amounts: number[]): number | null {
  const least = Math.min(...amounts);
  for (let q = 1; q <= 64; q++) {
    const delta = least / q;
    if (amounts.every((a) => Math.abs(a / delta - Math.round(a / delta)) <= 1e-9 * (a / delta))) return delta;
  }
  return null;
}

/** The combinations no other one beats in value and in every work amount. */
/**
 * What a combination is apart from its value in a slot (see solveDp): its options, power, mining
 * revenue per hour, work before and after each deadline, group (key: devices on, continuous jobs
 * running) and work id (its group and work amounts, numbered within its class).
 */
type Shape = { opts: number[]; powerW: number; revenuePerH: number; wb: Float64Array; wa: Float64Array; key: number; pattern: number; mask: number; work: number };
/**
 * A class's shapes, and per work id: its group (numbered in order of first appearance) and, for
 * every pair of works in one group, whether the first's amounts are all at least the second's.
 */
type ShapeClass = { shapes: Shape[]; power: Float64Array; revenue: Float64Array; work: Int32Array; groupOf: Int32Array; groups: number; covers: Uint8Array };

function shapeClass(shapes: Shape[], K: number): ShapeClass {
  const works = shapes.reduce((a, sh) => Math.max(a, sh.work + 1), 0);
  const groupOf = new Int32Array(works);
  const keys: number[] = [];
  const amounts: Shape[] = [];
  for (const sh of shapes) {
    if (amounts[sh.work]) continue;
    amounts[sh.work] = sh;
    let g = keys.indexOf(sh.key);
    if (g < 0) g = keys.push(sh.key) - 1;
    groupOf[sh.work] = g;
  }
  const covers = new Uint8Array(works * works);
  const members = keys.map((_, g) => amounts.flatMap((_, w) => (groupOf[w] === g ? [w] : [])));
  for (const ws of members) {
    for (const a of ws) {
      for (const b of ws) {
        const x = amounts[a]!;
        const y = amounts[b]!;
        let all = true;
        for (let k = 0; k < K && all; k++) all = x.wb[k]! >= y.wb[k]! && x.wa[k]! >= y.wa[k]!;
        covers[a * works + b] = all ? 1 : 0;
      }
    }
  }
  return {
    shapes,
    power: Float64Array.from(shapes, (sh) => sh.powerW),
    revenue: Float64Array.from(shapes, (sh) => sh.revenuePerH),
    work: Int32Array.from(shapes, (sh) => sh.work),
    groupOf,
    groups: keys.length,
    covers,
  };
}

/**
 * One slot's combinations: its class's shapes valued (into `values`), the first most valuable
 * per work id, grouped, and per group only those no other beats in value and in every work
 * amount (most valuable first). Groups in order of their first such shape.
 */
function slotGroups(cls: ShapeClass, slot: PlanInput['slots'][number], values: Float64Array): number[][] {
  const { shapes, power, revenue, work, groupOf, covers } = cls;
  const works = groupOf.length;
  const demandKWh = (slot.heatDemandW * slot.hours) / 1000;
  const best = new Int32Array(works).fill(-1);
  for (let i = 0; i < shapes.length; i++) {
    const energy = (power[i]! * slot.hours) / 1000;
    values[i] = Math.min(energy, demandKWh) * slot.heatCreditPerKWh + revenue[i]! * slot.hours - energy * slot.price;
    const b = best[work[i]!]!;
    if (b < 0 || values[i]! > values[b]!) best[work[i]!] = i;
  }
  const byGroup: number[][] = [];
  const order: number[] = [];
  for (let i = 0; i < shapes.length; i++) {
    if (best[work[i]!] !== i) continue;
    const g = groupOf[work[i]!]!;
    if (!byGroup[g]) {
      byGroup[g] = [];
      order.push(g);
    }
    byGroup[g].push(i);
  }
  return order.map((g) => {
    // Most valuable first (ties in shape order); a shape is kept unless a kept one covers it.
    const sorted = byGroup[g]!;
    // Insertion sort (groups are small): by value, then shape order.
    for (let r = 1; r < sorted.length; r++) {
      const i = sorted[r]!;
      let q = r - 1;
      for (; q >= 0 && values[sorted[q]!]! < values[i]!; q--) sorted[q + 1] = sorted[q]!;
      sorted[q + 1] = i;
    }
    const kept: number[] = [];
    for (const i of sorted) {
      let covered = false;
      for (let q = 0; q < kept.length && !covered; q++) covered = covers[work[kept[q]!]! * works + work[i]!] === 1;
      if (!covered) kept.push(i);
    }
    return kept;
  });
}

/** Indexed access for arrays and typed arrays that fails loudly instead of yielding undefined. */
function ix<T>(a: ArrayLike<T>, i: number): T {
  const v = a[i];
  if (v === undefined) throw new RangeError(`index ${i} out of range (${a.length})`);
  return v;
}
