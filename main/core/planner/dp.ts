import type { Highs } from 'highs';
import { beforeDeadline, deviceOptions } from './evaluate.ts';
import type { PlanInput } from './model.ts';

/**
 * The fast exact planner (see planner.md). Slots are stages; the state is every device's run or
 * pause length (capped at its minimum) and, per continuous job, whether its block has not begun,
 * is running or is over. Within a slot the devices' options are combined exhaustively (caps,
 * heat credit capped by demand) and grouped by which devices run and which continuous jobs run;
 * within a group only combinations not dominated in (value, work per deadline job) are kept.
 *
 * Without deadline jobs a backward DP is the whole answer. With them, work amounts couple the
 * slots: a Lagrangian DP (a price per unit of deadline work) bounds the net, its paths and a
 * beam search give incumbents, and an exact label search (labels = partial plans: state, work
 * done per job, value; dominated labels dropped, labels whose bound cannot beat the incumbent
 * pruned) proves the optimum. Past `maxLabels` it gives up (null, with a seed for the MIP:
 * its best plan and the choices no better plan can use) and the caller uses the MIP.
 */

type Combo = { opts: number[]; value: number; wb: Float64Array; wa: Float64Array };
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
  /** HiGHS for the multipliers' small LPs (Kelley's method); without it, subgradient steps. */
  highs?: Highs;
};

/** Scores compare with this tolerance on work (as the MIP and brute force do). */
const TOL = 1e-9;
const NEG = -Infinity;

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
  const maxLabels = options.maxLabels ?? 40_000;
  const T = input.slots.length;
  const D = input.devices.length;
  const opts = input.devices.map((_, d) => deviceOptions(input, d));
  const dj = input.jobs.flatMap((j, i) => (j.workNeeded !== undefined ? [i] : []));
  const K = dj.length;
  const kOf = new Map(dj.map((j, k) => [j, k]));
  const W = dj.map((j) => ix(input.jobs, j).workNeeded ?? 0);
  const V = dj.map((j) => ix(input.jobs, j).valuePerWork);
  const RP = dj.map((j) => ix(input.jobs, j).runPastDeadline === true);
  const cj = dj.flatMap((j, k) => (ix(input.jobs, j).mode === 'continuous' ? [k] : []));
  const C = cj.length;
  const cBit = new Map(cj.map((k, i) => [k, i]));

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
  const devNext = new Int32Array(nDev << D);
  for (let s = 0; s < nDev; s++) {
    for (let p = 0; p < 1 << D; p++) {
      let rest = s;
      let mult = 1;
      let next = 0;
      for (let d = 0; d < D && next >= 0; d++) {
        const size = ix(dev, d).size;
        const n = localNext(d, rest % size, ((p >> d) & 1) === 1);
        rest = Math.floor(rest / size);
        if (n < 0) next = -1;
        else next += n * mult;
        mult *= size;
      }
      devNext[(s << D) | p] = next;
    }
  }
  const contNext = new Int32Array(nCont << C);
  for (let s = 0; s < nCont; s++) {
    for (let m = 0; m < 1 << C; m++) {
      let rest = s;
      let mult = 1;
      let next = 0;
      for (let c = 0; c < C && next >= 0; c++) {
        const st = rest % 3;
        rest = Math.floor(rest / 3);
        const runs = ((m >> c) & 1) === 1;
        const n = st === 0 ? (runs ? 1 : 0) : st === 1 ? (runs ? 1 : 2) : runs ? -1 : 2;
        if (n < 0) next = -1;
        else next += n * mult;
        mult *= 3;
      }
      contNext[(s << C) | m] = next;
    }
  }
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
  const nextOf = (s: number, g: Group): number => ix(g.next, s);
  const s0 = dev.reduce((acc, d, i) => acc + (d.size - 1) * dev.slice(0, i).reduce((a, x) => a * x.size, 1), 0);

  // Per slot: every combination within the caps, grouped and reduced to the non-dominated ones.
  // What a combination is apart from its value (devices, power, work, mining revenue per hour)
  // depends only on the slot's length, cap and which deadlines are still ahead, so it is
  // enumerated once per such class and only valued per slot.
  type Shape = { opts: number[]; powerW: number; revenuePerH: number; wb: Float64Array; wa: Float64Array; key: number; pattern: number; mask: number };
  const shapes = new Map<string, Shape[]>();
  const shapesFor = (t: number, cap: number): Shape[] => {
    const slot = ix(input.slots, t);
    const ahead = dj.map((j) => (beforeDeadline(input, t, j) ? 1 : 0));
    const id = `${slot.hours}|${cap}|${ahead.join('')}`;
    const known = shapes.get(id);
    if (known) return known;
    const out: Shape[] = [];
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
        out.push({ opts: [...pick], powerW, revenuePerH, wb, wa, key: pattern | (mask << D), pattern, mask });
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
    shapes.set(id, out);
    return out;
  };
  const groups: Group[][] = input.slots.map((slot, t) => {
    const cap = Math.min(input.limits.powerCapW ?? Infinity, slot.quiet ? (input.limits.quietCapW ?? Infinity) : Infinity);
    const demandKWh = (slot.heatDemandW * slot.hours) / 1000;
    const byKey = new Map<number, Group>();
    for (const sh of shapesFor(t, cap)) {
      const energy = (sh.powerW * slot.hours) / 1000;
      const value = Math.min(energy, demandKWh) * slot.heatCreditPerKWh + sh.revenuePerH * slot.hours - energy * slot.price;
      let g = byKey.get(sh.key);
      if (!g) byKey.set(sh.key, (g = { pattern: sh.pattern, mask: sh.mask, combos: [], next: transitions(sh.key, sh.pattern, sh.mask) }));
      g.combos.push({ opts: sh.opts, value, wb: sh.wb, wa: sh.wa });
    }
    for (const g of byKey.values()) g.combos = paretoCombos(g.combos, K);
    return [...byKey.values()];
  });

  /** B[t][s]: the best weighted completion from state s at the start of slot t (−∞: none feasible). */
  const backward = (alpha: number, beta: number[], betaAfter: number[]): Float64Array[] => {
    const B = Array.from({ length: T + 1 }, () => new Float64Array(S));
    for (let t = T - 1; t >= 0; t--) {
      const gs = ix(groups, t);
      const next = ix(B, t + 1);
      const cur = ix(B, t);
      cur.fill(NEG);
      for (const g of gs) {
        let best = NEG;
        for (const c of g.combos) best = Math.max(best, comboScore(c, alpha, beta, betaAfter));
        const tr = g.next;
        for (let s = 0; s < S; s++) {
          const n = tr[s] ?? -1;
          if (n < 0) continue;
          const v = best + (next[n] ?? NEG);
          if (v > (cur[s] ?? NEG)) cur[s] = v;
        }
      }
    }
    return B;
  };
  const comboScore = (c: Combo, alpha: number, beta: number[], betaAfter: number[]): number => {
    let v = alpha * c.value;
    for (let k = 0; k < K; k++) v += (beta[k] as number) * (c.wb[k] as number) + (betaAfter[k] as number) * (c.wa[k] as number);
    return v;
  };
  /** F[t][s]: the best weighted start from s0 to state s at the start of slot t (−∞: unreachable). */
  const forward = (alpha: number, beta: number[], betaAfter: number[]): Float64Array[] => {
    const F = Array.from({ length: T + 1 }, () => new Float64Array(S).fill(NEG));
    ix(F, 0)[s0] = 0;
    for (let t = 0; t < T; t++) {
      const cur = ix(F, t);
      const next = ix(F, t + 1);
      for (const g of ix(groups, t)) {
        let best = NEG;
        for (const c of g.combos) best = Math.max(best, comboScore(c, alpha, beta, betaAfter));
        for (let s = 0; s < S; s++) {
          const n = g.next[s] ?? -1;
          const f = cur[s] ?? NEG;
          if (n < 0 || f === NEG) continue;
          if (f + best > (next[n] ?? NEG)) next[n] = f + best;
        }
      }
    }
    return F;
  };
  /** The path that attains B from s0: per slot the chosen combo. */
  const trace = (B: Float64Array[], alpha: number, beta: number[], betaAfter: number[]): Combo[] => {
    const path: Combo[] = [];
    let s = s0;
    for (let t = 0; t < T; t++) {
      let best: { c: Combo; n: number; v: number } | null = null;
      for (const g of ix(groups, t)) {
        const n = nextOf(s, g);
        if (n < 0) continue;
        for (const c of g.combos) {
          const v = comboScore(c, alpha, beta, betaAfter) + ix(ix(B, t + 1), n);
          if (!best || v > best.v) best = { c, n, v };
        }
      }
      if (!best) throw new Error('planner DP: no feasible continuation (all-off is always feasible)');
      path.push(best.c);
      s = best.n;
    }
    return path;
  };
  // Copies: combinations share their option arrays between slots.
  const choiceOf = (path: Combo[]) => path.map((c) => [...c.opts]);
  const zeros = new Array<number>(K).fill(0);

  if (K === 0) {
    const B = backward(1, zeros, zeros);
    return { choice: choiceOf(trace(B, 1, zeros, zeros)), route: 'dp', labels: 0, dualIterations: 0 };
  }

  const tiersOf = (path: Combo[]): Tiers => {
    const b = new Float64Array(K);
    const a = new Float64Array(K);
    let value = 0;
    for (const c of path) {
      value += c.value;
      for (let k = 0; k < K; k++) {
        b[k] = Math.min(ix(W, k), ix(b, k) + ix(c.wb, k));
        a[k] = Math.min(ix(W, k), ix(a, k) + ix(c.wb, k) + ix(c.wa, k));
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
  const plain = trace(backward(1, zeros, zeros), 1, zeros, zeros);
  let incumbent: { tiers: Tiers; choice: number[][] } = { tiers: tiersOf(plain), choice: choiceOf(plain) };
  const groupOf = new Map<Combo, Group>();
  groups.forEach((gs) => gs.forEach((g) => g.combos.forEach((c) => groupOf.set(c, g))));
  /**
   * Local improvement of a plan that meets every deadline: swap a slot's combination for another
   * with the same devices and continuous jobs running (so run/pause and block rules still hold)
   * when that gains value and every deadline stays met; best swap first, until none gains.
   */
  const polish = (path: Combo[]): Combo[] => {
    const p = [...path];
    const surplus = zeros.map((_, k) => p.reduce((a, c) => a + ix(c.wb, k), 0) - ix(Wt, k));
    if (surplus.some((x) => x < -TOL)) return p;
    const fits = (cur: Combo, c: Combo) => {
      for (let k = 0; k < K; k++) if (ix(surplus, k) + ix(c.wb, k) - ix(cur.wb, k) < -TOL || ix(c.wa, k) < ix(cur.wa, k) - TOL) return false;
      return true;
    };
    // Rounds: collect every slot's best feasible swap, apply them best gain first while each
    // still keeps every deadline met; stop when a round changes nothing.
    for (let round = 0; round < 50; round++) {
      const swaps: { t: number; c: Combo; gain: number }[] = [];
      p.forEach((cur, t) => {
        let best: { t: number; c: Combo; gain: number } | null = null;
        for (const c of groupOf.get(cur)?.combos ?? []) {
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
  const MB = dj.map((_, k) => backward(0, unit(k), zeros));
  const MA = dj.map((_, k) => (ix(RP, k) ? backward(0, unit(k), unit(k)) : null));
  // Targets: the work each job can get before its deadline at most (its need when it fits). A plan
  // that reaches every target is optimal in tier 1, and any plan that ties it reaches them too, so
  // the "meets every target" bound below applies (infeasible deadlines included). Run-past jobs
  // must fit (their late work would need its own bound).
  const Wt = W.map((w, k) => Math.min(w, ix(ix(ix(MB, k), 0), s0)));
  const sumWt = Wt.reduce((a, b) => a + b, 0);
  const sumWRP = W.reduce((a, w, k) => a + (ix(RP, k) ? w : 0), 0);
  // Generic bound: deadline work valued at its price, uncapped (valid for every completion).
  const vAfter = V.map((v, k) => (ix(RP, k) ? v : 0));
  const Bg = backward(1, V, vAfter);
  offer(trace(Bg, 1, V, vAfter));

  // Full bound (only for completions that reach every target): minimise over λ ≥ 0 the
  // Lagrangian of "work before the deadline ≥ target".
  const vw = V.reduce((a, v, k) => a + v * ix(Wt, k), 0);
  const dual: { best: { phi: number; lambda: number[]; B: Float64Array[] } | null } = { best: null };
  let dualIterations = 0;
  const mayMeetAll = dj.every((_, k) => !ix(RP, k) || ix(Wt, k) >= ix(W, k) - TOL);
  const meetsAll = () => incumbent.tiers.t1 >= sumWt - TOL;
  const closed = () => dual.best !== null && meetsAll() && dual.best.phi <= incumbent.tiers.net + 1e-11 * Math.max(1, Math.abs(incumbent.tiers.net));
  const cuts: { phi: number; l: number[]; g: number[] }[] = [];
  const evalDual = (l: number[]) => {
    dualIterations++;
    const B = backward(1, l, zeros);
    const phi = ix(ix(B, 0), s0) + vw - l.reduce((a, x, k) => a + x * ix(Wt, k), 0);
    const path = trace(B, 1, l, zeros);
    offer(path);
    if (!dual.best || phi < dual.best.phi) dual.best = { phi, lambda: [...l], B };
    const work = zeros.map((_, k) => path.reduce((a, c) => a + ix(c.wb, k), 0));
    cuts.push({ phi, l: [...l], g: work.map((w, k) => w - ix(Wt, k)) });
    return { phi, work };
  };
  if (mayMeetAll) {
    // Repair: raise the price of work on jobs the Lagrangian plan leaves short until a plan meets
    // every deadline (an incumbent for the bound to beat).
    const l0 = [...V];
    const scale = Math.max(1e-6, ...V) / 8;
    for (let it = 0, l = l0; it < 40 && !meetsAll(); it++) {
      const { work } = evalDual(l);
      l = l.map((x, k) => (ix(work, k) < ix(Wt, k) - TOL ? x * 1.15 + scale : x));
    }
    if (options.highs) {
      // Kelley's cutting planes: each DP pass is a cut z ≥ φ(λᵢ) + gᵢ·(λ − λᵢ) of the convex,
      // piecewise-linear dual; the next λ minimises the cuts' maximum (a tiny LP), until the LP's
      // bound meets the best φ (the exact dual) or the incumbent.
      if (!cuts.length) evalDual(l0);
      const U = 100 * Math.max(1e-3, ...V);
      const fmt = (n: number) => n.toPrecision(17);
      for (let it = 0; it < 40 && !closed(); it++) {
        const rows = cuts.map((c, i) => ` c${i}: z${c.g.map((g, k) => ` ${g > 0 ? '-' : '+'} ${fmt(Math.abs(g))} l${k}`).join('')} >= ${fmt(c.phi - c.g.reduce((a, g, k) => a + g * ix(c.l, k), 0))}`);
        const lp = `minimize\n obj: z\nsubject to\n${rows.join('\n')}\nbounds\n z free\n${zeros.map((_, k) => ` 0 <= l${k} <= ${fmt(U)}`).join('\n')}\nend\n`;
        const sol = options.highs.solve(lp, { output_flag: false });
        if (sol.Status !== 'Optimal') break;
        const lb = sol.ObjectiveValue;
        const bestPhi = dual.best?.phi ?? Infinity;
        if (bestPhi - lb <= 1e-10 * Math.max(1, Math.abs(bestPhi))) break;
        evalDual(zeros.map((_, k) => Math.max(0, sol.Columns[`l${k}`]?.Primal ?? 0)));
      }
    } else {
      // Without an LP solver: subgradient steps towards the incumbent's net; the step factor
      // halves after 5 steps without a better bound (Held–Karp).
      let l = dual.best ? [...dual.best.lambda] : [...V];
      let mu = 1;
      let stale = 0;
      for (let it = 0; it < 120 && !closed() && mu > 1e-4; it++) {
        const before = dual.best?.phi ?? Infinity;
        const { phi, work } = evalDual(l);
        if ((dual.best?.phi ?? Infinity) < before - 1e-12) stale = 0;
        else if (++stale >= 5) {
          mu /= 2;
          stale = 0;
        }
        const g = work.map((w, k) => w - ix(Wt, k));
        const norm = g.reduce((a, x) => a + x * x, 0);
        if (norm === 0) break;
        const target = meetsAll() ? incumbent.tiers.net : phi - 0.01 * Math.abs(dual.best?.phi ?? phi);
        const step = (mu * Math.max(phi - target, 1e-9)) / norm;
        l = l.map((x, k) => Math.max(0, x - step * ix(g, k)));
      }
    }
    // Repair near the best multipliers: small raises on short jobs give plans that meet every
    // deadline with little overshoot (good incumbents), where the first repair overshoots.
    if (dual.best) {
      let l = [...dual.best.lambda];
      const bump = Math.max(1e-6, ...V) / 200;
      for (let it = 0; it < 30; it++) {
        const { work } = evalDual(l);
        const short = work.map((w, k) => w < ix(Wt, k) - TOL);
        if (!short.some(Boolean)) break;
        l = l.map((x, k) => (ix(short, k) ? x * 1.03 + bump : x));
      }
    }
  }
  const full = dual.best;
  // Bounds of a partial plan whose work is w: w[k] before job k's deadline, w[K + k] in all (capped).
  // Hot loops: plain indexing (every index is in range by construction).
  const lambdaF = full?.lambda ?? zeros;
  const fullBound = (t: number, s: number, value: number, w: Float64Array): number => {
    if (!full) return Infinity;
    let v = value + vw + ((full.B[t] as Float64Array)[s] as number);
    for (let k = 0; k < K; k++) v -= (lambdaF[k] as number) * ((Wt[k] as number) - (w[k] as number));
    return v;
  };
  const genericBound = (t: number, s: number, value: number, w: Float64Array): number => {
    let v = value + ((Bg[t] as Float64Array)[s] as number);
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
   * target. B[((t·S + s)·(M+1) + m)]: the best completion from s at slot t that adds at least m units.
   */
  type Exact = { k: number; delta: number; M: number; lam: number[]; constant: number; units: Map<Combo, number>; B: Float64Array };
  const exact: Exact[] = [];
  const needUnits = (x: { delta: number; M: number }, need: number) => Math.min(x.M, Math.max(0, Math.ceil((need - TOL) / x.delta - 1e-6)));
  /** Per group: the best score for each distinct (capped) unit count, as pairs [units, score, …]. */
  const unitScores = (x: Exact, g: Group): number[] => {
    const out: number[] = [];
    for (const c of g.combos) {
      const u = Math.min(x.M, x.units.get(c) ?? 0);
      const sc = comboScore(c, 1, x.lam, zeros);
      let i = 0;
      while (i < out.length && out[i] !== u) i += 2;
      if (i === out.length) out.push(u, sc);
      else if (sc > out[i + 1]!) out[i + 1] = sc;
    }
    return out;
  };
  const findExact = () => {
    if (!full) return;
    for (let k = 0; k < K; k++) {
      const amounts = new Set<number>();
      for (const gs of groups) for (const g of gs) for (const c of g.combos) if (c.wb[k]! > TOL) amounts.add(c.wb[k]!);
      if (!amounts.size) continue;
      const delta = Math.min(...amounts);
      const x = { delta, M: 0 };
      x.M = needUnits({ delta, M: Infinity }, ix(Wt, k));
      // Multiples to within float rounding only: the units a plan counts may then fall short of
      // its work by far less than the 1e-6 unit that needUnits forgives.
      if (x.M < 1 || x.M > 64 || [...amounts].some((a) => Math.abs(a / delta - Math.round(a / delta)) > 1e-12 * (a / delta))) continue;
      // Its values (and the seed's forward ones) take (T+1)·S·(M+1) numbers: keep that to ~32 MB.
      if ((T + 1) * S * (x.M + 1) > 4_000_000) continue;
      const units = new Map<Combo, number>();
      for (const gs of groups) for (const g of gs) for (const c of g.combos) units.set(c, Math.round(c.wb[k]! / delta));
      const lam = [...full.lambda];
      lam[k] = 0;
      const M1 = x.M + 1;
      const B = new Float64Array((T + 1) * S * M1).fill(NEG);
      for (let s = 0; s < S; s++) B[(T * S + s) * M1] = 0;
      const e: Exact = { k, delta, M: x.M, lam, constant: vw - lam.reduce((a, l, j) => a + l * ix(Wt, j), 0), units, B };
      for (let t = T - 1; t >= 0; t--) {
        for (const g of ix(groups, t)) {
          const us = unitScores(e, g);
          for (let s = 0; s < S; s++) {
            const n = g.next[s]!;
            if (n < 0) continue;
            const to = (t * S + s) * M1;
            const from = ((t + 1) * S + n) * M1;
            for (let i = 0; i < us.length; i += 2) {
              const u = us[i]!;
              const sc = us[i + 1]!;
              for (let m = 0; m <= e.M; m++) {
                const v = sc + B[from + (m > u ? m - u : 0)]!;
                if (v > B[to + m]!) B[to + m] = v;
              }
            }
          }
        }
      }
      dualIterations++;
      exact.push(e);
    }
  };
  /** The bound with job x.k's deadline kept exactly, for a partial plan at (t, s); NEG: it cannot reach x.k's target. */
  const exactBound = (x: Exact, t: number, s: number, value: number, w: Float64Array): number => {
    const best = x.B[(t * S + s) * (x.M + 1) + needUnits(x, ix(Wt, x.k) - w[x.k]!)]!;
    if (best === NEG) return NEG;
    let v = value + x.constant + best;
    for (let j = 0; j < K; j++) v += x.lam[j]! * w[j]!;
    return v;
  };
  /**
   * NEG when a partial plan cannot beat the incumbent; otherwise a rank for the beam (the
   * Lagrangian estimate, which charges missing deadline work at its price λ).
   */
  const bound = (t: number, s: number, value: number, w: Float64Array): number => {
    const rank = full ? fullBound(t, s, value, w) : genericBound(t, s, value, w);
    let ub1 = 0;
    for (let k = 0; k < K; k++) ub1 += Math.min(W[k] as number, (w[k] as number) + (((MB[k] as Float64Array[])[t] as Float64Array)[s] as number));
    const inc = incumbent.tiers;
    if (ub1 < inc.t1 - TOL) return NEG;
    if (ub1 > inc.t1 + TOL) return rank;
    if (sumWRP > 0) {
      let ub2 = 0;
      for (let k = 0; k < K; k++) {
        const ma = MA[k];
        if (ma) ub2 += Math.min(W[k] as number, (w[K + k] as number) + ((ma[t] as Float64Array)[s] as number));
      }
      if (ub2 < inc.t2 - TOL) return NEG;
      if (ub2 > inc.t2 + TOL) return rank;
    }
    let ub3 = genericBound(t, s, value, w);
    if (inc.t1 >= sumWt - TOL) {
      ub3 = Math.min(ub3, fullBound(t, s, value, w));
      for (const x of exact) ub3 = Math.min(ub3, exactBound(x, t, s, value, w));
    }
    return ub3 <= inc.net + 1e-11 * Math.max(1, Math.abs(inc.net)) ? NEG : rank;
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
      const g32 = (a: Int32Array) => {
        const b = new Int32Array(cap);
        b.set(a);
        return b;
      };
      const g64 = (a: Float64Array, m = 1) => {
        const b = new Float64Array(cap * m);
        b.set(a);
        return b;
      };
      state = g32(state);
      parent = g32(parent);
      value = g64(value);
      ubs = g64(ubs);
      work = g64(work, L);
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
            if (ub === NEG) continue;
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
    const F = forward(1, full.lambda, zeros);
    const constant = vw - full.lambda.reduce((a, x, k) => a + x * ix(Wt, k), 0);
    const threshold = incumbent.tiers.net + 1e-11 * Math.max(1, Math.abs(incumbent.tiers.net));
    // Per job kept exactly (see exactBound) the same, from its forward values F (the best start
    // from s0 to s at slot t with m units done, capped).
    const kept = exact.map((x) => {
      const M1 = x.M + 1;
      const F = new Float64Array((T + 1) * S * M1).fill(NEG);
      F[s0 * M1] = 0;
      for (let t = 0; t < T; t++) {
        for (const g of ix(groups, t)) {
          const u = unitScores(x, g);
          for (let s = 0; s < S; s++) {
            const n = g.next[s]!;
            if (n < 0) continue;
            const from = (t * S + s) * M1;
            const to = ((t + 1) * S + n) * M1;
            for (let i = 0; i < u.length; i += 2) {
              for (let m = 0; m <= x.M; m++) {
                const f = F[from + m]!;
                if (f === NEG) continue;
                const v = f + u[i + 1]!;
                const m2 = Math.min(x.M, m + u[i]!);
                if (v > F[to + m2]!) F[to + m2] = v;
              }
            }
          }
        }
      }
      return { ...x, F };
    });
    for (let t = 0; t < T; t++) {
      const best = opts.map((o) => new Float64Array(o.length).fill(NEG));
      const f = ix(F, t);
      const b = ix(full.B, t + 1);
      for (const g of ix(groups, t)) {
        let through = NEG;
        for (let s = 0; s < S; s++) {
          const n = g.next[s] ?? -1;
          if (n >= 0) through = Math.max(through, (f[s] ?? NEG) + (b[n] ?? NEG));
        }
        if (through === NEG) continue;
        // Per kept job and unit count: the best plan through the group.
        const viaExact = kept.map((x) => {
          const memo = new Map<number, number>();
          const M1 = x.M + 1;
          return (u: number) => {
            let v = memo.get(u);
            if (v !== undefined) return v;
            v = NEG;
            for (let s = 0; s < S; s++) {
              const n = g.next[s]!;
              if (n < 0) continue;
              const from = (t * S + s) * M1;
              const to = ((t + 1) * S + n) * M1;
              for (let m = 0; m <= x.M; m++) {
                const f = x.F[from + m]!;
                if (f === NEG) continue;
                const b = x.B[to + Math.max(0, x.M - m - u)]!;
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
            v = Math.min(v, ix(viaExact, i)(x.units.get(c) ?? 0) + comboScore(c, 1, x.lam, zeros) + x.constant);
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
  const atTolerance = (v: number) => v <= incumbent.tiers.net + 1e-11 * Math.max(1, Math.abs(incumbent.tiers.net));
  const closedAtRoot = full !== null && meetsAll() && atTolerance(full.phi);
  if (!closedAtRoot) findExact();
  // Each Lagrangian DP pass counts as one label per slot against the budget.
  labelsUsed = dualIterations * T;
  if (labelsUsed >= maxLabels) return giveUp();
  const noWork = new Float64Array(2 * K);
  if (!closedAtRoot && !(meetsAll() && exact.some((x) => atTolerance(exactBound(x, 0, s0, 0, noWork))))) {
    search(4);
    if (search(null) === 'budget') return giveUp();
  }
  return { choice: incumbent.choice, route: 'dp+bnb', labels: labelsUsed, dualIterations };
}

/** The combinations no other one beats in value and in every work amount. */
function paretoCombos(combos: Combo[], K: number): Combo[] {
  const sorted = [...combos].sort((a, b) => b.value - a.value);
  if (K === 0) return sorted.slice(0, 1);
  const kept: Combo[] = [];
  for (const c of sorted) {
    const beaten = kept.some((k) => {
      for (let i = 0; i < K; i++) if (ix(k.wb, i) < ix(c.wb, i) || ix(k.wa, i) < ix(c.wa, i)) return false;
      return true;
    });
    if (!beaten) kept.push(c);
  }
  return kept;
}

/** Indexed access for arrays and typed arrays that fails loudly instead of yielding undefined. */
function ix<T>(a: ArrayLike<T>, i: number): T {
  const v = a[i];
  if (v === undefined) throw new RangeError(`index ${i} out of range (${a.length})`);
  return v;
}
