import { beforeDeadline, deviceOptions } from './evaluate.ts';
import { kelleyMaster } from './kelley.ts';
import type { PlanInput } from './model.ts';

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
 * better plan can use) and the caller uses the MIP.
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
  const maxLabels = options.maxLabels ?? 80_000;
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
  const s0 = dev.reduce((acc, d, i) => acc + (d.size - 1) * dev.slice(0, i).reduce((a, x) => a * x.size, 1), 0);

  // Per slot: every combination within the caps, grouped and reduced to the non-dominated ones.
  // What a combination is apart from its value (devices, power, work, mining revenue per hour)
  // depends only on the slot's length, cap and which deadlines are still ahead, so it is
  // enumerated once per such class and only valued per slot.
  // work: which (group, work before and after deadlines) the shape has, numbered within its class;
  // of the shapes sharing one, only the most valuable in a slot can be on a best plan.
  type Shape = { opts: number[]; powerW: number; revenuePerH: number; wb: Float64Array; wa: Float64Array; key: number; pattern: number; mask: number; work: number };
  const shapes = new Map<string, Shape[]>();
  const shapesFor = (t: number, cap: number): Shape[] => {
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
    shapes.set(id, out);
    return out;
  };
  const groups: Group[][] = input.slots.map((slot, t) => {
    const cap = Math.min(input.limits.powerCapW ?? Infinity, slot.quiet ? (input.limits.quietCapW ?? Infinity) : Infinity);
    const demandKWh = (slot.heatDemandW * slot.hours) / 1000;
    const byKey = new Map<number, Group>();
    const list = shapesFor(t, cap);
    const values = list.map((sh) => {
      const energy = (sh.powerW * slot.hours) / 1000;
      return Math.min(energy, demandKWh) * slot.heatCreditPerKWh + sh.revenuePerH * slot.hours - energy * slot.price;
    });
    // The first most valuable shape for each work id.
    const bestOf = new Map<number, number>();
    list.forEach((sh, i) => {
      const b = bestOf.get(sh.work);
      if (b === undefined || values[i]! > values[b]!) bestOf.set(sh.work, i);
    });
    for (const [i, sh] of list.entries()) {
      if (bestOf.get(sh.work) !== i) continue;
      const value = values[i]!;
      let g = byKey.get(sh.key);
      if (!g) byKey.set(sh.key, (g = { pattern: sh.pattern, mask: sh.mask, combos: [], next: transitions(sh.key, sh.pattern, sh.mask) }));
      g.combos.push({ id: -1, group: -1, opts: sh.opts, value, wb: sh.wb, wa: sh.wa });
    }
    for (const g of byKey.values()) g.combos = paretoCombos(g.combos, K);
    return [...byKey.values()];
  });
  // The hot loops read flat arrays: combinations numbered (id) slot by slot and group by group;
  // slot t's groups are firstGroup[t] .. firstGroup[t + 1] − 1, group g's combinations
  // firstCombo[g] .. firstCombo[g + 1] − 1, its next state from s nextState[toState[g] + s] (−1:
  // not allowed), and its allowed transitions, as pairs [s, next state, …], pairs[firstPair[g]
  // .. lastPair[g] − 1]. Groups with the same devices and jobs running share the latter two.
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
  const firstCombo = Int32Array.from({ length: groupList.length + 1 }, (_, g) => (g < groupList.length ? ix(ix(groupList, g).combos, 0).id : NC));
  const nexts = [...new Set(groupList.map((g) => g.next))];
  const nextState = new Int32Array(nexts.length * S);
  const pairList: number[] = [];
  const pairsAt = nexts.map((next, i) => {
    nextState.set(next, i * S);
    const first = pairList.length;
    next.forEach((n, s) => n >= 0 && pairList.push(s, n));
    return [first, pairList.length] as const;
  });
  const pairs = Int32Array.from(pairList);
  const toState = Int32Array.from(groupList, (g) => nexts.indexOf(g.next) * S);
  const firstPair = Int32Array.from(groupList, (g) => ix(pairsAt, nexts.indexOf(g.next))[0]);
  const lastPair = Int32Array.from(groupList, (g) => ix(pairsAt, nexts.indexOf(g.next))[1]);
  const comboValue = Float64Array.from(combos, (c) => c.value);
  // Work per combination: before each job's deadline (K), then after it (K).
  const comboWork = new Float64Array(NC * 2 * K);
  combos.forEach((c, i) => {
    comboWork.set(c.wb, i * 2 * K);
    comboWork.set(c.wa, i * 2 * K + K);
  });
  const anyAfter = combos.some((c) => c.wa.some((x) => x !== 0));
  /** Every combination's weighted score: alpha·value + Σ beta·work before + betaAfter·work after. */
  const weights = new Float64Array(2 * K);
  const weigh = (alpha: number, beta: readonly number[], betaAfter: readonly number[], out = new Float64Array(NC)): Float64Array => {
    // Copied into a typed array: the callers' arrays differ in element kind (whole or fractional numbers).
    weights.set(beta);
    weights.set(betaAfter, K);
    const K2 = 2 * K;
    for (let i = 0; i < NC; i++) {
      let v = alpha * comboValue[i]!;
      const o = i * K2;
      for (let k = 0; k < K; k++) v += weights[k]! * comboWork[o + k]!;
      if (anyAfter) for (let k = K; k < K2; k++) v += weights[k]! * comboWork[o + k]!;
      out[i] = v;
    }
    return out;
  };
  const scratchScores = new Float64Array(NC);
  /** Slot t's row of a flat (T + 1) × S table. */
  const row = (table: Float64Array, t: number) => table.subarray(t * S, (t + 1) * S);

  /**
   * B[t·S + s]: the best weighted completion from state s at the start of slot t (−∞: none
   * feasible); pick[g] and score[g]: group g's best combination under the same weights, and its
   * weighted value.
   */
  type Pass = { B: Float64Array; pick: Int32Array; score: Float64Array };
  const newPass = (): Pass => ({ B: new Float64Array((T + 1) * S), pick: new Int32Array(groupList.length), score: new Float64Array(groupList.length) });
  const backward = (alpha: number, beta: readonly number[], betaAfter: readonly number[], into: Pass = newPass()): Pass => {
    const { B, pick, score } = into;
    const sc = weigh(alpha, beta, betaAfter, scratchScores);
    B.fill(0, T * S, (T + 1) * S);
    for (let t = T - 1; t >= 0; t--) {
      const at = t * S;
      const after = at + S;
      B.fill(NEG, at, after);
      for (let g = firstGroup[t]!, gEnd = firstGroup[t + 1]!; g < gEnd; g++) {
        let best = NEG;
        let arg = firstCombo[g]!;
        for (let c = arg, cEnd = firstCombo[g + 1]!; c < cEnd; c++) {
          if (sc[c]! > best) {
            best = sc[c]!;
            arg = c;
          }
        }
        score[g] = best;
        pick[g] = arg;
        for (let j = firstPair[g]!, jEnd = lastPair[g]!; j < jEnd; j += 2) {
          const v = best + B[after + pairs[j + 1]!]!;
          if (v > B[at + pairs[j]!]!) B[at + pairs[j]!] = v;
        }
      }
    }
    return into;
  };
  const comboScore = (c: Combo, alpha: number, beta: readonly number[], betaAfter: readonly number[]): number => {
    let v = alpha * c.value;
    for (let k = 0; k < K; k++) v += beta[k]! * c.wb[k]! + betaAfter[k]! * c.wa[k]!;
    return v;
  };
  /** F[t·S + s]: the best weighted start from s0 to state s at the start of slot t (−∞: unreachable). */
  const forward = (alpha: number, beta: readonly number[], betaAfter: readonly number[]): Float64Array => {
    const sc = weigh(alpha, beta, betaAfter);
    const F = new Float64Array((T + 1) * S).fill(NEG);
    F[s0] = 0;
    for (let t = 0; t < T; t++) {
      const at = t * S;
      const after = at + S;
      for (let g = firstGroup[t]!, gEnd = firstGroup[t + 1]!; g < gEnd; g++) {
        let best = NEG;
        for (let c = firstCombo[g]!, cEnd = firstCombo[g + 1]!; c < cEnd; c++) if (sc[c]! > best) best = sc[c]!;
        for (let s = 0; s < S; s++) {
          const n = nextState[toState[g]! + s]!;
          const f = F[at + s]!;
          if (n < 0 || f === NEG) continue;
          if (f + best > F[after + n]!) F[after + n] = f + best;
        }
      }
    }
    return F;
  };
  /** The path that attains B from s0: per slot the chosen combo. */
  const trace = ({ B, pick, score }: Pass): Combo[] => {
    const path: Combo[] = [];
    let s = s0;
    for (let t = 0; t < T; t++) {
      let best = -1;
      let bestN = -1;
      let bestV = NEG;
      const after = (t + 1) * S;
      for (let g = firstGroup[t]!, gEnd = firstGroup[t + 1]!; g < gEnd; g++) {
        const n = nextState[toState[g]! + s]!;
        if (n < 0) continue;
        const v = score[g]! + B[after + n]!;
        if (best < 0 || v > bestV) [best, bestN, bestV] = [g, n, v];
      }
      if (best < 0) throw new Error('planner DP: no feasible continuation (all-off is always feasible)');
      path.push(ix(combos, pick[best]!));
      s = bestN;
    }
    return path;
  };
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
  const Wt = W.map((w, k) => Math.min(w, ix(ix(MB, k), s0)));
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
  const dual: { best: { phi: number; lambda: number[]; B: Float64Array; pass: Pass } | null } = { best: null };
  // The pass buffer a new dual point is computed in (the best point's is kept).
  let spare: Pass | undefined;
  let dualIterations = 0;
  const mayMeetAll = dj.every((_, k) => !ix(RP, k) || ix(Wt, k) >= ix(W, k) - TOL);
  const meetsAll = () => incumbent.tiers.t1 >= sumWt - TOL;
  const closed = () => dual.best !== null && meetsAll() && dual.best.phi <= incumbent.tiers.net + 1e-11 * Math.max(1, Math.abs(incumbent.tiers.net));
  const cuts: { phi: number; l: number[]; g: number[] }[] = [];
  const evalDual = (l: number[]) => {
    dualIterations++;
    const pass = backward(1, l, zeros, spare);
    spare = undefined;
    const phi = ix(pass.B, s0) + vw - l.reduce((a, x, k) => a + x * ix(Wt, k), 0);
    const path = trace(pass);
    offer(path);
    if (!dual.best || phi < dual.best.phi) {
      spare = dual.best?.pass;
      dual.best = { phi, lambda: [...l], B: pass.B, pass };
    } else spare = pass;
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
      evalDual(sol.lambda);
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
   * target. B[((t·S + s)·(M+1) + m)]: the best completion from s at slot t that adds at least m units.
   */
  /** A job whose work comes in whole units of δ, M of them reaching its target. */
  type Kept = { k: number; delta: number; M: number; units: Int32Array };
  type Exact = Kept & {
    lam: number[];
    constant: number;
    /** Per (t·S + s): the band of units done d ∈ [lo, hi] kept, at off in F and B. */
    lo: Int32Array;
    hi: Int32Array;
    off: Int32Array;
    /** The best start to (t, s, d) (capped units done), −∞ where it cannot beat the table's threshold. */
    F: Float64Array;
    /** The best completion from (t, s, d) that adds the M − d units still missing. */
    B: Float64Array;
  };
  /** x's F or B at slot t, state s, d units done; −∞ outside the band. */
  const band = (x: Exact, table: Float64Array, t: number, s: number, d: number): number => {
    const i = t * S + s;
    const lo = x.lo[i]!;
    return d < lo || d > x.hi[i]! ? NEG : table[x.off[i]! + d - lo]!;
  };
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
  /**
   * Job k's kept table for plans above `threshold` (entries that cannot beat it are dropped),
   * its work counted in units of δ up to M.
   */
  const build = (lambda: number[], { k, delta, M, units }: Kept, threshold: number): Exact => {
    const lam = [...lambda];
    lam[k] = 0;
    const M1 = M + 1;
    const lk = ix(lambda, k);
    const e: Exact = {
      k,
      delta,
      M,
      lam,
      constant: vw - lam.reduce((a, l, j) => a + l * ix(Wt, j), 0),
      units,
      lo: new Int32Array((T + 1) * S).fill(M1),
      hi: new Int32Array((T + 1) * S).fill(-1),
      off: new Int32Array((T + 1) * S),
      F: new Float64Array(0),
      B: new Float64Array(0),
    };
    // Per group, flat: the best score for each distinct unit count it adds (capped at M),
    // group g's at firstClass[g] .. firstClass[g + 1] − 1.
    const sc = weigh(1, lam, zeros);
    const firstClass = new Int32Array(groupList.length + 1);
    const classUnits: number[] = [];
    const classScores: number[] = [];
    for (let g = 0; g < groupList.length; g++) {
      const first = (firstClass[g] = classUnits.length);
      for (let c = firstCombo[g]!; c < firstCombo[g + 1]!; c++) {
        const u = Math.min(M, units[c]!);
        const i = classUnits.indexOf(u, first);
        if (i < 0) {
          classUnits.push(u);
          classScores.push(sc[c]!);
        } else if (sc[c]! > classScores[i]!) classScores[i] = sc[c]!;
      }
    }
    firstClass[groupList.length] = classUnits.length;
    const cu = Int32Array.from(classUnits);
    const cs = Float64Array.from(classScores);
    // Forward first: the best start to (t, s) with d units done (capped), an entry dropped when
    // even the plain Lagrangian's completion from it (less λ_k for the units still missing)
    // cannot beat `threshold`. The job's price makes every count but a narrow band per state
    // costly, so only that band is kept (e.lo..e.hi), and the backward table needs only those
    // entries: nothing else can be on a better plan. Only the states with a band (active[t]) are
    // visited: near the threshold there are few.
    const active: Int32Array[] = [];
    // Two dense layers (S × (M+1)), kept all −∞ outside what the current slot writes; the states
    // the next layer has entries for, and their range of counts written.
    let cur = new Float64Array(S * M1).fill(NEG);
    let nxt = new Float64Array(S * M1).fill(NEG);
    const wlo = new Int32Array(S).fill(M1);
    const whi = new Int32Array(S).fill(-1);
    const touched = new Int32Array(S);
    const live = new Int32Array(S);
    // F, growing: `used` entries so far.
    let F = new Float64Array(1024);
    let used = 0;
    const target = ix(Wt, k);
    /**
     * Keeps slot t's entries of `layer` (states `list`): their bands, F row and active states;
     * with `Bt` (the plain Lagrangian's completions at t), only those that may beat the threshold.
     */
    const keep = (t: number, layer: Float64Array, list: Int32Array, Bt: Float64Array | null) => {
      let size = 0;
      let nLive = 0;
      for (let j = 0; j < list.length; j++) {
        const s = list[j]!;
        const i = t * S + s;
        for (let d = wlo[s]!, top = whi[s]!; d <= top; d++) {
          const f = layer[s * M1 + d]!;
          if (f === NEG) continue;
          if (Bt && f + Bt[s]! + e.constant - lk * Math.max(0, target - d * delta) <= threshold) {
            layer[s * M1 + d] = NEG;
            continue;
          }
          if (d < e.lo[i]!) e.lo[i] = d;
          e.hi[i] = d;
        }
        wlo[s] = M1;
        whi[s] = -1;
        if (e.hi[i]! < e.lo[i]!) continue;
        e.off[i] = used + size;
        size += e.hi[i]! - e.lo[i]! + 1;
        live[nLive++] = s;
      }
      if (used + size > F.length) {
        const grown = new Float64Array(Math.max(2 * F.length, used + size));
        grown.set(F.subarray(0, used));
        F = grown;
      }
      for (let j = 0; j < nLive; j++) {
        const i = t * S + live[j]!;
        const s = live[j]!;
        for (let d = e.lo[i]!, top = e.hi[i]!; d <= top; d++) F[e.off[i]! + d - e.lo[i]!] = layer[s * M1 + d]!;
      }
      used += size;
      active.push(live.slice(0, nLive));
    };
    cur[s0 * M1] = 0;
    wlo[s0] = 0;
    whi[s0] = 0;
    keep(0, cur, Int32Array.of(s0), null);
    for (let t = 0; t < T; t++) {
      let nTouched = 0;
      const states = ix(active, t);
      for (let j = 0; j < states.length; j++) {
        const s = states[j]!;
        const lo = e.lo[t * S + s]!;
        const hi = e.hi[t * S + s]!;
        const from = s * M1;
        for (let g = firstGroup[t]!, gEnd = firstGroup[t + 1]!; g < gEnd; g++) {
          const n = nextState[toState[g]! + s]!;
          if (n < 0) continue;
          if (whi[n]! < 0) touched[nTouched++] = n;
          const to = n * M1;
          for (let i = firstClass[g]!, iEnd = firstClass[g + 1]!; i < iEnd; i++) {
            const u = cu[i]!;
            const score = cs[i]!;
            for (let d = lo; d <= hi; d++) {
              const f = cur[from + d]!;
              if (f === NEG) continue;
              const d2 = d + u < M ? d + u : M;
              if (f + score > nxt[to + d2]!) nxt[to + d2] = f + score;
            }
            if (lo + u < wlo[n]!) wlo[n] = Math.min(M, lo + u);
            if (Math.min(M, hi + u) > whi[n]!) whi[n] = Math.min(M, hi + u);
          }
        }
      }
      keep(t + 1, nxt, touched.subarray(0, nTouched), row(full!.B, t + 1));
      // Clear what the layer just read so it can be written again.
      for (let j = 0; j < states.length; j++) {
        const s = states[j]!;
        for (let d = e.lo[t * S + s]!, top = e.hi[t * S + s]!; d <= top; d++) cur[s * M1 + d] = NEG;
      }
      [cur, nxt] = [nxt, cur];
    }
    // Backward over the same bands: B at (t, s, d) is the best completion adding the units
    // still missing, M − d (0 at the end; only where d = M).
    e.F = F.subarray(0, used);
    const B = (e.B = new Float64Array(used).fill(NEG));
    for (const s of ix(active, T)) if (e.hi[T * S + s] === M) B[e.off[T * S + s]! + M - e.lo[T * S + s]!] = 0;
    for (let t = T - 1; t >= 0; t--) {
      const states = ix(active, t);
      for (let j = 0; j < states.length; j++) {
        const s = states[j]!;
        const i = t * S + s;
        for (let g = firstGroup[t]!, gEnd = firstGroup[t + 1]!; g < gEnd; g++) {
          const n = nextState[toState[g]! + s]!;
          if (n < 0) continue;
          const to = (t + 1) * S + n;
          const nlo = e.lo[to]!;
          const nhi = e.hi[to]!;
          if (nhi < nlo) continue;
          const noff = e.off[to]! - nlo;
          for (let d = e.lo[i]!, top = e.hi[i]!, at = e.off[i]!; d <= top; d++, at++) {
            for (let c = firstClass[g]!, cEnd = firstClass[g + 1]!; c < cEnd; c++) {
              const d2 = Math.min(M, d + cu[c]!);
              if (d2 < nlo || d2 > nhi) continue;
              const v = cs[c]! + B[noff + d2]!;
              if (v > B[at]!) B[at] = v;
            }
          }
        }
      }
    }
    return e;
  };
  const incThreshold = () => (meetsAll() ? incumbent.tiers.net + 1e-11 * Math.max(1, Math.abs(incumbent.tiers.net)) : NEG);
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
      const units = Int32Array.from(combos, (c) => Math.round(c.wb[k]! / delta));
      keptJobs.push({ k, delta, M, units });
    }
    keptJobs.sort((a, b) => a.M - b.M);
  };
  /** The bound with job x.k's deadline kept exactly, for a partial plan at (t, s); NEG: it cannot reach x.k's target. */
  const exactBound = (x: Exact, t: number, s: number, value: number, w: Float64Array): number => {
    const best = band(x, x.B, t, s, x.M - needUnits(x, ix(Wt, x.k) - w[x.k]!));
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
    for (let k = 0; k < K; k++) ub1 += Math.min(W[k] as number, (w[k] as number) + MB[k]![t * S + s]!);
    const inc = incumbent.tiers;
    if (ub1 < inc.t1 - TOL) return NEG;
    if (ub1 > inc.t1 + TOL) return rank;
    if (sumWRP > 0) {
      let ub2 = 0;
      for (let k = 0; k < K; k++) {
        const ma = MA[k];
        if (ma) ub2 += Math.min(W[k] as number, (w[K + k] as number) + ma[t * S + s]!);
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
    // from s0 to s at slot t with d units done, capped).
    const kept = exact;
    for (let t = 0; t < T; t++) {
      const best = opts.map((o) => new Float64Array(o.length).fill(NEG));
      const f = row(F, t);
      const b = row(full.B, t + 1);
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
          return (u: number) => {
            let v = memo.get(u);
            if (v !== undefined) return v;
            v = NEG;
            for (let s = 0; s < S; s++) {
              const n = g.next[s]!;
              if (n < 0) continue;
              for (let d = x.lo[t * S + s]!, top = x.hi[t * S + s]!; d <= top; d++) {
                const f = band(x, x.F, t, s, d);
                if (f === NEG) continue;
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
  const assign = (path: Combo[], kept: readonly number[], lam: number[], budget: number): Combo[] | null => {
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
    // ok[okAt[i] + t·(top[i] + 1) + x]: whether job i, with x units done before slot t, can still
    // end within [goal, top] with the alternatives from t on. Necessary, cheap, and it stops a
    // hopeless search at once.
    const okAt = new Int32Array(n);
    let okSize = 0;
    top.forEach((x, i) => {
      okAt[i] = okSize;
      okSize += (T + 1) * (x + 1);
    });
    const ok = new Uint8Array(okSize);
    for (let i = 0; i < n; i++) {
      const hi = top[i]!;
      const lo = goal[i]!;
      // The sums of units the alternatives from t on can add (capped at the top for a free job).
      let can = new Uint8Array(hi + 1);
      let next = new Uint8Array(hi + 1);
      can[0] = 1;
      const prefix = new Int32Array(hi + 2);
      const amounts: number[] = [];
      for (let t = T; ; t--) {
        for (let r = 0; r <= hi; r++) prefix[r + 1] = prefix[r]! + can[r]!;
        const row = okAt[i]! + t * (hi + 1);
        for (let x = 0; x <= hi; x++) {
          const upper = free[i] ? hi : hi - x;
          const lower = Math.max(0, lo - x);
          ok[row + x] = upper >= lower && prefix[upper + 1]! > prefix[lower]! ? 1 : 0;
        }
        if (t === 0) break;
        amounts.length = 0;
        for (let a = firstAlt[t - 1]!; a < firstAlt[t]!; a++) if (!amounts.includes(units[a * n + i]!)) amounts.push(units[a * n + i]!);
        next.fill(0);
        for (let r = 0; r <= hi; r++) {
          if (!can[r]) continue;
          for (const a of amounts) {
            const x = r + a;
            if (x <= hi) next[x] = 1;
            else if (free[i]) next[hi] = 1;
          }
        }
        [can, next] = [next, can];
      }
      if (!ok[okAt[i]!]) return null;
    }
    const mult = new Float64Array(n);
    top.reduce((span, x, i) => ((mult[i] = span), span * (x + 1)), 1);
    type Layer = { w: Int32Array; parent: Int32Array; alt: Int32Array; size: number };
    const layers: Layer[] = [{ w: new Int32Array(n), parent: new Int32Array(1).fill(-1), alt: new Int32Array(1), size: 1 }];
    const w = new Int32Array(n);
    const okRow = new Int32Array(n);
    const seen = new Map<number, number>();
    for (let t = 0; t < T; t++) {
      const prev = ix(layers, t);
      const base = firstAlt[t]! * n;
      const nAlt = firstAlt[t + 1]! - firstAlt[t]!;
      for (let i = 0; i < n; i++) okRow[i] = okAt[i]! + (t + 1) * (top[i]! + 1);
      const next: Layer = { w: new Int32Array(prev.size * nAlt * n), parent: new Int32Array(prev.size * nAlt), alt: new Int32Array(prev.size * nAlt), size: 0 };
      seen.clear();
      for (let p = 0; p < prev.size; p++) {
        for (let a = 0; a < nAlt; a++) {
          let key = 0;
          let fits = true;
          for (let i = 0; i < n && fits; i++) {
            let x = prev.w[p * n + i]! + units[base + a * n + i]!;
            if (x > top[i]!) {
              if (free[i]) x = top[i]!;
              else fits = false;
            }
            if (fits && ok[okRow[i]! + x] !== 1) fits = false;
            w[i] = x;
            key += x * mult[i]!;
          }
          if (!fits) continue;
          // One alternative only: no choice here, so no new key to look up.
          if (nAlt > 1) {
            if (seen.has(key)) continue;
            seen.set(key, next.size);
          }
          next.w.set(w, next.size * n);
          next.parent[next.size] = p;
          next.alt[next.size++] = a;
        }
      }
      if (next.size > ASSIGN_STATES) return null;
      layers.push(next);
    }
    const last = ix(layers, T);
    let best = -1;
    let least = budget;
    for (let p = 0; p < last.size; p++) {
      let loss = 0;
      P.forEach((k, i) => (loss += ix(lam, k) * (last.w[p * n + i]! * q[i]! - ix(Wt, k))));
      if (loss < least) [best, least] = [p, loss];
    }
    if (best < 0) return null;
    const out: Combo[] = [];
    for (let t = T, p = best; t > 0; t--) {
      const layer = ix(layers, t);
      out.push(ix(ix(alts, t - 1), layer.alt[p]!));
      p = layer.parent[p]!;
    }
    return out.reverse();
  };
  /**
   * The plan attaining job x.k's kept table from s0: per slot the combination whose score plus
   * the table's best completion (needing the units still missing) is largest.
   */
  const keptPath = (x: Exact): Combo[] | null => {
    const path: Combo[] = [];
    let s = s0;
    let m = needUnits(x, ix(Wt, x.k));
    const sc = weigh(1, x.lam, zeros);
    for (let t = 0; t < T; t++) {
      let best = -1;
      let bestN = -1;
      let bestM = 0;
      let bestV = NEG;
      for (let g = firstGroup[t]!, gEnd = firstGroup[t + 1]!; g < gEnd; g++) {
        const n = nextState[toState[g]! + s]!;
        if (n < 0) continue;
        for (let c = firstCombo[g]!, cEnd = firstCombo[g + 1]!; c < cEnd; c++) {
          const u = x.units[c]!;
          const m2 = m > u ? m - u : 0;
          const v = sc[c]! + band(x, x.B, t + 1, n, x.M - m2);
          if (v > bestV) [best, bestN, bestM, bestV] = [c, n, m2, v];
        }
      }
      if (best < 0) return null;
      path.push(ix(combos, best));
      s = bestN;
      m = bestM;
    }
    return path;
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
    // Per group, flat: the best combination for each distinct vector of units it adds (a class:
    // units [class·J + i], score with the kept jobs unpriced, combination id), sorted by the
    // class's score at the full prices (pot). A label's bound for a class is at most its value
    // + constant − what its own missing units owe + the next state's B + pot (more units can
    // only cut what is owed by their price), so its scan stops at the first class that fails that.
    const sc = weigh(1, lam, zeros);
    const clsGroup: number[] = [];
    const clsUnits: number[] = [];
    const clsScore: number[] = [];
    const clsCombo: number[] = [];
    for (let g = 0; g < groupList.length; g++) {
      const first = clsScore.length;
      for (let c = firstCombo[g]!; c < firstCombo[g + 1]!; c++) {
        let i = first;
        for (; i < clsScore.length; i++) {
          let same = true;
          for (let j = 0; j < J && same; j++) same = ix(E, j).units[c] === clsUnits[i * J + j];
          if (same) break;
        }
        if (i === clsScore.length) {
          for (const x of E) clsUnits.push(x.units[c]!);
          clsGroup.push(g);
          clsScore.push(sc[c]!);
          clsCombo.push(c);
        } else if (sc[c]! > clsScore[i]!) {
          clsScore[i] = sc[c]!;
          clsCombo[i] = c;
        }
      }
    }
    const clsPot = clsScore.map((score, i) => score + E.reduce((a, _, j) => a + price[j]! * delta[j]! * clsUnits[i * J + j]!, 0));
    const order = clsScore.map((_, i) => i).sort((x, y) => clsGroup[x]! - clsGroup[y]! || clsPot[y]! - clsPot[x]!);
    const firstClass = new Int32Array(groupList.length + 1);
    for (const g of clsGroup) firstClass[g + 1]!++;
    for (let g = 0; g < groupList.length; g++) firstClass[g + 1]! += firstClass[g]!;
    const cUnits = Int32Array.from(order.flatMap((i) => clsUnits.slice(i * J, i * J + J)));
    const cScore = Float64Array.from(order, (i) => clsScore[i]!);
    const cPot = Float64Array.from(order, (i) => clsPot[i]!);
    const cCombo = Int32Array.from(order, (i) => clsCombo[i]!);
    // What a kept job's missing work owes at its price, by units done.
    // Job i's at owedAt[i] + d.
    const owedAt = new Int32Array(J);
    const owedOf = new Float64Array(need.reduce((a, m) => a + m + 1, 0));
    for (let i = 0, at = 0; i < J; at += need[i]! + 1, i++) {
      owedAt[i] = at;
      for (let d = 0; d <= need[i]!; d++) owedOf[at + d] = price[i]! * Math.max(0, target[i]! - d * delta[i]!);
    }
    // Below lowest[i·S + n] units at (t + 1, n), job i can no longer reach its target (too little work left).
    const lowest = new Int32Array(J * S);
    const slack = 1e-12 * Math.max(1, Math.abs(threshold));
    const slotOf = new Int32Array(span).fill(-1);
    let keys = new Int32Array([s0]);
    let values = new Float64Array([0]);
    const parents: Int32Array[] = [];
    const picks: Int32Array[] = [];
    const u = new Int32Array(J);
    const u2 = new Int32Array(J);
    for (let t = 0; t < T; t++) {
      const Bn = row(full.B, t + 1);
      for (let i = 0; i < J; i++) {
        const reachable = row(ix(MB, ix(E, i).k), t + 1);
        for (let n = 0; n < S; n++) {
          // The least d with d·δ + reachable ≥ target (or the need): estimated, then made exact.
          const r = reachable[n]!;
          const goal = target[i]! - TOL;
          let d = Math.max(0, Math.min(need[i]!, Math.ceil((goal - r) / delta[i]!)));
          while (d > 0 && (d - 1) * delta[i]! + r >= goal) d--;
          while (d < need[i]! && d * delta[i]! + r < goal) d++;
          lowest[i * S + n] = d;
        }
      }
      const at = (t + 1) * S;
      let size = 0;
      let cap = Math.max(64, keys.length * 2);
      let nk = new Int32Array(cap);
      let nv = new Float64Array(cap);
      let np = new Int32Array(cap);
      let nc = new Int32Array(cap);
      for (let li = 0; li < keys.length; li++) {
        const key = keys[li]!;
        const v0 = values[li]!;
        const s = key % S;
        let owedLabel = 0;
        for (let i = 0; i < J; i++) {
          u[i] = Math.floor(key / mult[i]!) % (need[i]! + 1);
          owedLabel += owedOf[owedAt[i]! + u[i]!]!;
        }
        const base = v0 + constant - owedLabel;
        for (let g = firstGroup[t]!, gEnd = firstGroup[t + 1]!; g < gEnd; g++) {
          const n = nextState[toState[g]! + s]!;
          if (n < 0) continue;
          const stop = threshold - slack - base - Bn[n]!;
          for (let ci = firstClass[g]!, cEnd = firstClass[g + 1]!; ci < cEnd; ci++) {
            if (cPot[ci]! <= stop) break;
            const v = v0 + cScore[ci]!;
            let k2 = n;
            let owedAll = 0;
            let reach = true;
            for (let i = 0; i < J; i++) {
              const d = Math.min(need[i]!, u[i]! + cUnits[ci * J + i]!);
              if (d < lowest[i * S + n]!) reach = false;
              u2[i] = d;
              k2 += d * mult[i]!;
              owedAll += owedOf[owedAt[i]! + d]!;
            }
            if (!reach) continue;
            let ub = v + constant + Bn[n]! - owedAll;
            for (let ti = 0; ti < tables.length && ub > threshold; ti++) {
              const x = tables[ti]!;
              const i = tableJob[ti]!;
              const d = u2[i]!;
              const lo = x.lo[at + n]!;
              const b = d < lo || d > x.hi[at + n]! ? NEG : x.B[x.off[at + n]! + d - lo]!;
              ub = Math.min(ub, v + constant + b - (owedAll - owedOf[owedAt[i]! + d]!));
            }
            if (!(ub > threshold)) continue;
            const known = slotOf[k2]!;
            if (known >= 0) {
              if (v > nv[known]!) {
                nv[known] = v;
                np[known] = li;
                nc[known] = cCombo[ci]!;
              }
              continue;
            }
            if (size === cap) {
              cap *= 2;
              const grow = <A extends Int32Array | Float64Array>(a: A, b: A): A => (b.set(a), b);
              nk = grow(nk, new Int32Array(cap));
              nv = grow(nv, new Float64Array(cap));
              np = grow(np, new Int32Array(cap));
              nc = grow(nc, new Int32Array(cap));
            }
            slotOf[k2] = size;
            nk[size] = k2;
            nv[size] = v;
            np[size] = li;
            nc[size++] = cCombo[ci]!;
          }
        }
      }
      for (let i = 0; i < size; i++) slotOf[nk[i]!] = -1;
      labelsUsed += size;
      if (labelsUsed > maxLabels) return 'budget';
      keys = nk.subarray(0, size);
      values = nv.subarray(0, size);
      parents.push(np.subarray(0, size));
      picks.push(nc.subarray(0, size));
    }
    let best = -1;
    for (let i = 0; i < keys.length; i++) {
      let done = true;
      for (let j = 0; j < J && done; j++) done = Math.floor(keys[i]! / mult[j]!) % (need[j]! + 1) === need[j];
      if (done && (best < 0 || values[i]! > values[best]!)) best = i;
    }
    let bound = NEG;
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
          if (band(x, x.B, 0, s0, 0) > NEG) break;
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
  const atTolerance = (v: number) => v <= incumbent.tiers.net + 1e-11 * Math.max(1, Math.abs(incumbent.tiers.net));
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
function paretoCombos(combos: Combo[], K: number): Combo[] {
  const sorted = [...combos].sort((a, b) => b.value - a.value);
  if (K === 0) return sorted.slice(0, 1);
  const kept: Combo[] = [];
  for (const c of sorted) {
    const beaten = kept.some((k) => {
      for (let i = 0; i < K; i++) if (k.wb[i]! < c.wb[i]! || k.wa[i]! < c.wa[i]!) return false;
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
