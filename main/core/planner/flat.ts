/**
 * The planner DP's problem in flat typed arrays, and the loops that read it (see dp.ts and
 * planner.md). They are module-level functions on purpose: V8 optimises each once, where the
 * same loops as closures made afresh for every plan were compiled again for every plan (tens of
 * milliseconds each, the plan meanwhile running in slower code). Their inputs are typed arrays:
 * plain arrays of numbers differ in element kind (whole or fractional numbers) between calls,
 * which deoptimised them.
 *
 * Combinations are numbered slot by slot and group by group: slot t's groups are firstGroup[t]
 * .. firstGroup[t + 1] − 1, group g's combinations firstCombo[g] .. firstCombo[g + 1] − 1. Group
 * g's next state from s is nextState[toState[g] + s] (−1: not allowed), and its allowed
 * transitions are the pairs [s, next state, …] in pairs[firstPair[g] .. lastPair[g] − 1]. Tables
 * over (slot, state) are flat: (T + 1) rows of S.
 */
export type Flat = {
  T: number;
  S: number;
  /** Deadline jobs. */
  K: number;
  /** Combinations, all slots. */
  NC: number;
  s0: number;
  firstGroup: Int32Array;
  firstCombo: Int32Array;
  comboValue: Float64Array;
  /** Per combination: work before each job's deadline (K), then after it (K). */
  comboWork: Float64Array;
  anyAfter: boolean;
  nextState: Int32Array;
  toState: Int32Array;
  firstPair: Int32Array;
  lastPair: Int32Array;
  pairs: Int32Array;
  /** Scratch for weigh. */
  weights: Float64Array;
};

/** Scores compare with this tolerance on work (as the MIP and brute force do). */
const TOL = 1e-9;

/** Every combination's weighted score: alpha·value + Σ beta·work before + betaAfter·work after. */
export function weigh(f: Flat, alpha: number, beta: ArrayLike<number>, betaAfter: ArrayLike<number>, out: Float64Array = new Float64Array(f.NC)): Float64Array {
  const { K, NC, comboValue, comboWork, anyAfter, weights } = f;
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
}

/**
 * B[t·S + s]: the best weighted completion from state s at the start of slot t (−∞: none
 * feasible); pick[g] and score[g]: group g's best combination under the same weights, and its
 * weighted value.
 */
export type Pass = { B: Float64Array; pick: Int32Array; score: Float64Array };

export function newPass(f: Flat): Pass {
  const groups = f.firstGroup[f.T]!;
  return { B: new Float64Array((f.T + 1) * f.S), pick: new Int32Array(groups), score: new Float64Array(groups) };
}

/** The backward DP under the combinations' scores `sc`, into `into`. */
export function backward(f: Flat, sc: Float64Array, into: Pass): Pass {
  const { T, S, firstGroup, firstCombo, firstPair, lastPair, pairs } = f;
  const { B, pick, score } = into;
  B.fill(0, T * S, (T + 1) * S);
  for (let t = T - 1; t >= 0; t--) {
    const at = t * S;
    const after = at + S;
    B.fill(-Infinity, at, after);
    for (let g = firstGroup[t]!, gEnd = firstGroup[t + 1]!; g < gEnd; g++) {
      let best = -Infinity;
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
}

/** The combinations (ids, one per slot) of the path that attains a pass's B from s0. */
export function trace(f: Flat, { B, pick, score }: Pass): Int32Array {
  const { T, S, s0, firstGroup, nextState, toState } = f;
  const path = new Int32Array(T);
  let s = s0;
  for (let t = 0; t < T; t++) {
    let best = -1;
    let bestN = -1;
    let bestV = -Infinity;
    const after = (t + 1) * S;
    for (let g = firstGroup[t]!, gEnd = firstGroup[t + 1]!; g < gEnd; g++) {
      const n = nextState[toState[g]! + s]!;
      if (n < 0) continue;
      const v = score[g]! + B[after + n]!;
      if (best < 0 || v > bestV) {
        best = g;
        bestN = n;
        bestV = v;
      }
    }
    if (best < 0) throw new Error('planner DP: no feasible continuation (all-off is always feasible)');
    path[t] = pick[best]!;
    s = bestN;
  }
  return path;
}

/** F[t·S + s]: the best start from s0 to state s at the start of slot t under scores `sc` (−∞: unreachable). */
export function forward(f: Flat, sc: Float64Array): Float64Array {
  const { T, S, s0, firstGroup, firstCombo, nextState, toState } = f;
  const F = new Float64Array((T + 1) * S).fill(-Infinity);
  F[s0] = 0;
  for (let t = 0; t < T; t++) {
    const at = t * S;
    const after = at + S;
    for (let g = firstGroup[t]!, gEnd = firstGroup[t + 1]!; g < gEnd; g++) {
      let best = -Infinity;
      for (let c = firstCombo[g]!, cEnd = firstCombo[g + 1]!; c < cEnd; c++) if (sc[c]! > best) best = sc[c]!;
      for (let s = 0; s < S; s++) {
        const n = nextState[toState[g]! + s]!;
        const v = F[at + s]!;
        if (n < 0 || v === -Infinity) continue;
        if (v + best > F[after + n]!) F[after + n] = v + best;
      }
    }
  }
  return F;
}

/** A job whose work comes in whole units of δ, M of them reaching its target; units[c]: what combination c adds. */
export type Kept = { k: number; delta: number; M: number; units: Int32Array };
/** Job k's kept table (see build). */
export type Exact = Kept & {
  /** The other jobs' prices (λ_k = 0) and the Lagrangian's constant under them. */
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
export function band(f: Flat, x: Exact, table: Float64Array, t: number, s: number, d: number): number {
  const i = t * f.S + s;
  const lo = x.lo[i]!;
  return d < lo || d > x.hi[i]! ? -Infinity : table[x.off[i]! + d - lo]!;
}

/**
 * Job x.k's kept table for plans above `threshold` (entries that cannot beat it are dropped),
 * its work counted in units of δ up to M, the other jobs priced at `lam` (scores `sc`), the
 * job's own missing work at `lk`; `plain` is the plain Lagrangian's B (its completions bound
 * the table's), `target` the job's target.
 */
export function build(f: Flat, x: Kept, lam: number[], constant: number, sc: Float64Array, lk: number, target: number, plain: Float64Array, threshold: number): Exact {
  const { T, S, s0, firstGroup, nextState, toState } = f;
  const { delta, M, units } = x;
  const M1 = M + 1;
  // Every field written here, in one order: one shape for every table (the hot loops read them).
  const e: Exact = {
    k: x.k,
    delta,
    M,
    units,
    lam,
    constant,
    lo: new Int32Array((T + 1) * S).fill(M1),
    hi: new Int32Array((T + 1) * S).fill(-1),
    off: new Int32Array((T + 1) * S),
    F: new Float64Array(0),
    B: new Float64Array(0),
  };
  const { firstClass, units: cu, score: cs } = classes(f, [units], [M], sc);
  // Forward first: the best start to (t, s) with d units done (capped), an entry dropped when
  // even the plain Lagrangian's completion from it (less λ_k for the units still missing)
  // cannot beat `threshold`. The job's price makes every count but a narrow band per state
  // costly, so only that band is kept (e.lo..e.hi), and the backward table needs only those
  // entries: nothing else can be on a better plan. Only the states with a band (active[t]) are
  // visited: near the threshold there are few.
  const active: Int32Array[] = [];
  // Two dense layers (S × (M+1)), kept all −∞ outside what the current slot writes; the states
  // the next layer has entries for, and their range of counts written.
  let cur = new Float64Array(S * M1).fill(-Infinity);
  let nxt = new Float64Array(S * M1).fill(-Infinity);
  const wlo = new Int32Array(S).fill(M1);
  const whi = new Int32Array(S).fill(-1);
  const touched = new Int32Array(S);
  const live = new Int32Array(S);
  const w: Forward = { S, M1, e, wlo, whi, live, F: new Float64Array(1024), used: 0, active, plain, constant, lk, target, delta, threshold };
  cur[s0 * M1] = 0;
  wlo[s0] = 0;
  whi[s0] = 0;
  keep(w, 0, cur, Int32Array.of(s0), false);
  for (let t = 0; t < T; t++) {
    let nTouched = 0;
    const states = active[t]!;
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
            const v = cur[from + d]!;
            if (v === -Infinity) continue;
            const d2 = d + u < M ? d + u : M;
            if (v + score > nxt[to + d2]!) nxt[to + d2] = v + score;
          }
          if (lo + u < wlo[n]!) wlo[n] = Math.min(M, lo + u);
          if (Math.min(M, hi + u) > whi[n]!) whi[n] = Math.min(M, hi + u);
        }
      }
    }
    keep(w, t + 1, nxt, touched.subarray(0, nTouched), true);
    // Clear what the layer just read so it can be written again.
    for (let j = 0; j < states.length; j++) {
      const s = states[j]!;
      for (let d = e.lo[t * S + s]!, top = e.hi[t * S + s]!; d <= top; d++) cur[s * M1 + d] = -Infinity;
    }
    [cur, nxt] = [nxt, cur];
  }
  // Backward over the same bands: B at (t, s, d) is the best completion adding the units
  // still missing, M − d (0 at the end; only where d = M).
  e.F = w.F.subarray(0, w.used);
  const B = (e.B = new Float64Array(w.used).fill(-Infinity));
  for (const s of active[T]!) if (e.hi[T * S + s] === M) B[e.off[T * S + s]! + M - e.lo[T * S + s]!] = 0;
  for (let t = T - 1; t >= 0; t--) {
    const states = active[t]!;
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
}

/** build's forward pass between slots: the table, scratch, F so far (`used` entries) and what prunes. */
type Forward = {
  S: number;
  M1: number;
  e: Exact;
  wlo: Int32Array;
  whi: Int32Array;
  live: Int32Array;
  F: Float64Array;
  used: number;
  active: Int32Array[];
  plain: Float64Array;
  constant: number;
  lk: number;
  target: number;
  delta: number;
  threshold: number;
};

/**
 * Keeps slot t's entries of `layer` (states `list`, counts wlo..whi written): their bands, F
 * row and active states; with `bound` (the plain Lagrangian's completions), only those that may
 * beat the threshold.
 */
function keep(w: Forward, t: number, layer: Float64Array, list: Int32Array, bound: boolean): void {
  const { S, M1, e, wlo, whi, live, plain, constant, lk, target, delta, threshold } = w;
  let size = 0;
  let nLive = 0;
  for (let j = 0; j < list.length; j++) {
    const s = list[j]!;
    const i = t * S + s;
    for (let d = wlo[s]!, top = whi[s]!; d <= top; d++) {
      const v = layer[s * M1 + d]!;
      if (v === -Infinity) continue;
      if (bound && v + plain[i]! + constant - lk * Math.max(0, target - d * delta) <= threshold) {
        layer[s * M1 + d] = -Infinity;
        continue;
      }
      if (d < e.lo[i]!) e.lo[i] = d;
      e.hi[i] = d;
    }
    wlo[s] = M1;
    whi[s] = -1;
    if (e.hi[i]! < e.lo[i]!) continue;
    e.off[i] = w.used + size;
    size += e.hi[i]! - e.lo[i]! + 1;
    live[nLive++] = s;
  }
  if (w.used + size > w.F.length) w.F = grown(w.F.subarray(0, w.used), new Float64Array(Math.max(2 * w.F.length, w.used + size)));
  const F = w.F;
  for (let j = 0; j < nLive; j++) {
    const s = live[j]!;
    const i = t * S + s;
    for (let d = e.lo[i]!, top = e.hi[i]!; d <= top; d++) F[e.off[i]! + d - e.lo[i]!] = layer[s * M1 + d]!;
  }
  w.used += size;
  w.active.push(live.slice(0, nLive));
}

/**
 * The plan (combination ids) attaining x's kept table from s0, `m` units still missing: per slot
 * the combination whose score `sc` plus the table's best completion (needing the units still
 * missing) is largest; null when the table holds no plan.
 */
export function keptPath(f: Flat, x: Exact, sc: Float64Array, m: number): Int32Array | null {
  const { T, s0, firstGroup, firstCombo, nextState, toState } = f;
  const path = new Int32Array(T);
  let s = s0;
  for (let t = 0; t < T; t++) {
    let best = -1;
    let bestN = -1;
    let bestM = 0;
    let bestV = -Infinity;
    for (let g = firstGroup[t]!, gEnd = firstGroup[t + 1]!; g < gEnd; g++) {
      const n = nextState[toState[g]! + s]!;
      if (n < 0) continue;
      for (let c = firstCombo[g]!, cEnd = firstCombo[g + 1]!; c < cEnd; c++) {
        const u = x.units[c]!;
        const m2 = m > u ? m - u : 0;
        const v = sc[c]! + band(f, x, x.B, t + 1, n, x.M - m2);
        if (v > bestV) {
          best = c;
          bestN = n;
          bestM = m2;
          bestV = v;
        }
      }
    }
    if (best < 0) return null;
    path[t] = best;
    s = bestN;
    m = bestM;
  }
  return path;
}

/** What the certificate's label search is given (see certify in dp.ts). */
export type CertifyInput = {
  /** Per kept job i: units per combination, units reaching its target, its price, target and δ. */
  units: Int32Array[];
  need: Int32Array;
  price: Float64Array;
  target: Float64Array;
  delta: Float64Array;
  /** Key of (s, units done): s + Σ units_i·mult[i]; span keys in all. */
  mult: Int32Array;
  span: number;
  /** Scores with the kept jobs unpriced, and the Lagrangian's constant under those prices. */
  sc: Float64Array;
  constant: number;
  /** The plain Lagrangian's B, and per kept job the most work it can still get (before its deadline). */
  plain: Float64Array;
  reachable: Float64Array[];
  /** Kept tables among the jobs, for the bound, and which kept job each is. */
  tables: Exact[];
  tableJob: Int32Array;
  threshold: number;
  /** Labels allowed. */
  budget: number;
};
export type CertifyLabels = { keys: Int32Array; values: Float64Array; parents: Int32Array[]; picks: Int32Array[]; labels: number };

/**
 * The certificate's labels, slot by slot: keyed by (state, units done per kept job, capped),
 * best value per key, a label dropped when a bound says it cannot beat the threshold. Null past
 * the budget.
 */
export function certifyLabels(f: Flat, c: CertifyInput): CertifyLabels | null {
  const { T, S, s0, firstGroup } = f;
  const { units, need, price, target, delta, mult, sc, constant, plain, reachable, tables, tableJob, threshold } = c;
  const J = need.length;
  // Per group, the classes (see classes: scores with the kept jobs unpriced), sorted by their
  // score at the full prices (pot). A label's bound for a class is at most its value
  // + constant − what its own missing units owe + the next state's B + pot (more units can
  // only cut what is owed by their price), so its scan stops at the first class that fails that.
  const groups = firstGroup[T]!;
  const { firstClass, units: clsUnits, score: clsScore, combo: clsCombo } = classes(f, units, Array.from(need, () => Infinity), sc);
  const count = clsScore.length;
  const clsPot = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    clsPot[i] = clsScore[i]!;
    for (let j = 0; j < J; j++) clsPot[i] = clsPot[i]! + price[j]! * delta[j]! * clsUnits[i * J + j]!;
  }
  // Each group's classes by pot, best first (insertion sort: groups are small; ties keep their order).
  const order = new Int32Array(count);
  for (let g = 0; g < groups; g++) {
    for (let r = firstClass[g]!; r < firstClass[g + 1]!; r++) {
      let q = r - 1;
      for (; q >= firstClass[g]! && clsPot[order[q]!]! < clsPot[r]!; q--) order[q + 1] = order[q]!;
      order[q + 1] = r;
    }
  }
  const cUnits = new Int32Array(count * J);
  const cScore = new Float64Array(count);
  const cPot = new Float64Array(count);
  const cCombo = new Int32Array(count);
  order.forEach((i, r) => {
    for (let j = 0; j < J; j++) cUnits[r * J + j] = clsUnits[i * J + j]!;
    cScore[r] = clsScore[i]!;
    cPot[r] = clsPot[i]!;
    cCombo[r] = clsCombo[i]!;
  });
  // What a kept job's missing work owes at its price, by units done: job i's at owedAt[i] + d.
  const owedAt = new Int32Array(J);
  const owedOf = new Float64Array(need.reduce((a, m) => a + m + 1, 0));
  for (let i = 0, at = 0; i < J; at += need[i]! + 1, i++) {
    owedAt[i] = at;
    for (let d = 0; d <= need[i]!; d++) owedOf[at + d] = price[i]! * Math.max(0, target[i]! - d * delta[i]!);
  }
  const x: Expansion = {
    f,
    J,
    need,
    mult,
    delta,
    target,
    reachable,
    owedAt,
    owedOf,
    plain,
    constant,
    threshold,
    slack: 1e-12 * Math.max(1, Math.abs(threshold)),
    tables,
    tableJob,
    firstClass,
    cUnits,
    cScore,
    cPot,
    cCombo,
    lowest: new Int32Array(J * S),
    slotOf: new Int32Array(c.span).fill(-1),
    u: new Int32Array(J),
    u2: new Int32Array(J),
    keys: new Int32Array(64),
    values: new Float64Array(64),
    size: 1,
    nk: new Int32Array(64),
    nv: new Float64Array(64),
    np: new Int32Array(64),
    nc: new Int32Array(64),
  };
  x.keys[0] = s0;
  const parents: Int32Array[] = [];
  const picks: Int32Array[] = [];
  let labels = 0;
  for (let t = 0; t < T; t++) {
    const size = expandSlot(x, t);
    labels += size;
    if (labels > c.budget) return null;
    parents.push(x.np.slice(0, size));
    picks.push(x.nc.slice(0, size));
    // The next layer becomes the current one; the current one's buffers are written next.
    [x.keys, x.nk] = [x.nk, x.keys];
    [x.values, x.nv] = [x.nv, x.values];
    x.size = size;
  }
  return { keys: x.keys.subarray(0, x.size), values: x.values.subarray(0, x.size), parents, picks, labels };
}

/**
 * The certificate's state between slots: its inputs (see CertifyInput), classes (see
 * certifyLabels), scratch, the current layer of labels (keys, values, size) and the next one's
 * buffers (keys, values, parent label, combination).
 */
type Expansion = {
  f: Flat;
  J: number;
  need: Int32Array;
  mult: Int32Array;
  delta: Float64Array;
  target: Float64Array;
  reachable: Float64Array[];
  owedAt: Int32Array;
  owedOf: Float64Array;
  plain: Float64Array;
  constant: number;
  threshold: number;
  slack: number;
  tables: Exact[];
  tableJob: Int32Array;
  firstClass: Int32Array;
  cUnits: Int32Array;
  cScore: Float64Array;
  cPot: Float64Array;
  cCombo: Int32Array;
  /** Below lowest[i·S + n] units at (t + 1, n), job i can no longer reach its target (too little work left). */
  lowest: Int32Array;
  /** Per key: its label in the next layer, or −1. */
  slotOf: Int32Array;
  u: Int32Array;
  u2: Int32Array;
  keys: Int32Array;
  values: Float64Array;
  size: number;
  nk: Int32Array;
  nv: Float64Array;
  np: Int32Array;
  nc: Int32Array;
};

/** Slot t's labels from the current layer into the next layer's buffers; returns how many. */
function expandSlot(x: Expansion, t: number): number {
  const { f, J, need, mult, delta, target, reachable, owedAt, owedOf, plain, constant, threshold, slack, tables, tableJob, firstClass, cUnits, cScore, cPot, cCombo, lowest, slotOf, u, u2, keys, values } = x;
  const { S, firstGroup, nextState, toState } = f;
  let { nk, nv, np, nc } = x;
  const at = (t + 1) * S;
  for (let i = 0; i < J; i++) {
    const r0 = reachable[i]!;
    for (let n = 0; n < S; n++) {
      // The least d with d·δ + reachable ≥ target (or the need): estimated, then made exact.
      const r = r0[at + n]!;
      const goal = target[i]! - TOL;
      let d = Math.max(0, Math.min(need[i]!, Math.ceil((goal - r) / delta[i]!)));
      while (d > 0 && (d - 1) * delta[i]! + r >= goal) d--;
      while (d < need[i]! && d * delta[i]! + r < goal) d++;
      lowest[i * S + n] = d;
    }
  }
  let size = 0;
  for (let li = 0; li < x.size; li++) {
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
      const stop = threshold - slack - base - plain[at + n]!;
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
        let ub = v + constant + plain[at + n]! - owedAll;
        for (let ti = 0; ti < tables.length && ub > threshold; ti++) {
          const e = tables[ti]!;
          const i = tableJob[ti]!;
          const d = u2[i]!;
          const lo = e.lo[at + n]!;
          const b = d < lo || d > e.hi[at + n]! ? -Infinity : e.B[e.off[at + n]! + d - lo]!;
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
        if (size === nk.length) {
          nk = grown(nk, new Int32Array(2 * size));
          nv = grown(nv, new Float64Array(2 * size));
          np = grown(np, new Int32Array(2 * size));
          nc = grown(nc, new Int32Array(2 * size));
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
  x.nk = nk;
  x.nv = nv;
  x.np = np;
  x.nc = nc;
  return size;
}

/**
 * Per group, flat: the best combination (under scores `sc`) for each distinct vector of units it
 * adds to the jobs in `units` (each capped at `cap`), group g's at firstClass[g] ..
 * firstClass[g + 1] − 1: units [class·J + j], score, combination id.
 */
function classes(f: Flat, units: Int32Array[], cap: ArrayLike<number>, sc: Float64Array) {
  const { T, firstGroup, firstCombo } = f;
  const J = units.length;
  const groups = firstGroup[T]!;
  const firstClass = new Int32Array(groups + 1);
  const us: number[] = [];
  const score: number[] = [];
  const combo: number[] = [];
  const u = new Int32Array(J);
  for (let g = 0; g < groups; g++) {
    const first = (firstClass[g] = score.length);
    for (let c = firstCombo[g]!; c < firstCombo[g + 1]!; c++) {
      for (let j = 0; j < J; j++) u[j] = Math.min(cap[j]!, units[j]![c]!);
      let i = first;
      for (; i < score.length; i++) {
        let same = true;
        for (let j = 0; j < J && same; j++) same = u[j] === us[i * J + j];
        if (same) break;
      }
      if (i === score.length) {
        for (let j = 0; j < J; j++) us.push(u[j]!);
        score.push(sc[c]!);
        combo.push(c);
      } else if (sc[c]! > score[i]!) {
        score[i] = sc[c]!;
        combo[i] = c;
      }
    }
  }
  firstClass[groups] = score.length;
  return { firstClass, units: Int32Array.from(us), score: Float64Array.from(score), combo: Int32Array.from(combo) };
}

export function grown<A extends Int32Array | Float64Array>(a: A, b: A): A {
  b.set(a);
  return b;
}

/**
 * The assignment DP (see assign in dp.ts): n jobs' work in whole units; slot t's alternatives
 * firstAlt[t] .. firstAlt[t + 1] − 1, alternative a adding units[a·n + i] to job i. A job ends
 * within [goal, top] units (a free one, priced at 0, is capped at top instead). Returns the
 * layers of reachable work vectors (and how each was reached), or null when a job cannot end
 * in its range or a layer passes maxStates.
 */
export type AssignLayers = {
  /** Layer t's states are first[t] .. first[t + 1] − 1 (layer 0: no work done). */
  first: Int32Array;
  /** Per state: its work per job (n each), its state in the previous layer (by index there) and the alternative taken. */
  w: Int32Array;
  parent: Int32Array;
  alt: Int32Array;
};
export function assignLayers(T: number, n: number, firstAlt: Int32Array, units: Int32Array, goal: Int32Array, top: Int32Array, free: Uint8Array, maxStates: number): AssignLayers | null {
  // sums[sumsAt[i·(T + 1) + t] + r]: how many sums below r (capped at the top for a free job)
  // the alternatives from slot t on can add to job i (a slot that can add it nothing shares the
  // next one's row). Job i, with x units done before t, can still end within [goal, top] only if
  // one lies in [goal − x, top − x] (for a free job, [goal − x, top]): necessary, cheap, and it
  // stops a hopeless search at once.
  const sumsAt = new Int32Array(n * (T + 1));
  const sums = new Int32Array(top.reduce((a, x) => a + (T + 1) * (x + 2), 0));
  let used = 0;
  const viable = (i: number, t: number, x: number): boolean => {
    const hi = top[i]!;
    const upper = free[i] ? hi : hi - x;
    const lower = goal[i]! > x ? goal[i]! - x : 0;
    const row = sumsAt[i * (T + 1) + t]!;
    return upper >= lower && sums[row + upper + 1]! > sums[row + lower]!;
  };
  for (let i = 0; i < n; i++) {
    const hi = top[i]!;
    let can = new Uint8Array(hi + 1);
    let next = new Uint8Array(hi + 1);
    can[0] = 1;
    const amounts: number[] = [];
    let same = false;
    for (let t = T; ; t--) {
      if (same) sumsAt[i * (T + 1) + t] = sumsAt[i * (T + 1) + t + 1]!;
      else {
        const row = (sumsAt[i * (T + 1) + t] = used);
        used += hi + 2;
        for (let r = 0; r <= hi; r++) sums[row + r + 1] = sums[row + r]! + can[r]!;
      }
      if (t === 0) break;
      amounts.length = 0;
      for (let a = firstAlt[t - 1]!; a < firstAlt[t]!; a++) if (!amounts.includes(units[a * n + i]!)) amounts.push(units[a * n + i]!);
      same = amounts.length === 1 && amounts[0] === 0;
      if (same) continue;
      next.fill(0);
      for (let r = 0; r <= hi; r++) {
        if (!can[r]) continue;
        for (let q = 0; q < amounts.length; q++) {
          const x = r + amounts[q]!;
          if (x <= hi) next[x] = 1;
          else if (free[i]) next[hi] = 1;
        }
      }
      [can, next] = [next, can];
    }
    if (!viable(i, 0, 0)) return null;
  }
  const mult = new Float64Array(n);
  top.reduce((span, x, i) => ((mult[i] = span), span * (x + 1)), 1);
  // All layers in growing flat buffers: layer t's states are first[t] .. first[t + 1] − 1; the
  // next layer's keys (the work vector as one number) are found again through an open-addressing
  // table whose entries count only when stamped with the current slot.
  const first = new Int32Array(T + 2);
  let W = new Int32Array(64 * n);
  let parent = new Int32Array(64);
  let alt = new Int32Array(64);
  first[1] = 1;
  parent[0] = -1;
  let hashKey = new Float64Array(64);
  let hashStamp = new Int32Array(64).fill(-1);
  const w = new Int32Array(n);
  for (let t = 0; t < T; t++) {
    const from = first[t]!;
    const size = first[t + 1]! - from;
    const base = firstAlt[t]! * n;
    const nAlt = firstAlt[t + 1]! - firstAlt[t]!;
    const most = size * nAlt;
    let count = first[t + 1]!;
    if (count + most > parent.length) {
      const cap = 2 * (count + most);
      W = grown(W, new Int32Array(cap * n));
      parent = grown(parent, new Int32Array(cap));
      alt = grown(alt, new Int32Array(cap));
    }
    if (4 * most > hashKey.length) {
      let cap = hashKey.length;
      while (cap < 4 * most) cap *= 2;
      hashKey = new Float64Array(cap);
      hashStamp = new Int32Array(cap).fill(-1);
    }
    const mask = hashKey.length - 1;
    for (let p = 0; p < size; p++) {
      for (let a = 0; a < nAlt; a++) {
        let key = 0;
        let fits = true;
        for (let i = 0; i < n && fits; i++) {
          let x = W[(from + p) * n + i]! + units[base + a * n + i]!;
          if (x > top[i]!) {
            if (free[i]) x = top[i]!;
            else fits = false;
          }
          if (fits && !viable(i, t + 1, x)) fits = false;
          w[i] = x;
          key += x * mult[i]!;
        }
        if (!fits) continue;
        // One alternative only: no choice here, so no key to look up.
        if (nAlt > 1) {
          let h = Math.imul((key | 0) ^ ((key / 4294967296) | 0), 0x9e3779b1) & mask;
          while (hashStamp[h] === t && hashKey[h] !== key) h = (h + 1) & mask;
          if (hashStamp[h] === t) continue;
          hashStamp[h] = t;
          hashKey[h] = key;
        }
        for (let i = 0; i < n; i++) W[count * n + i] = w[i]!;
        parent[count] = p;
        alt[count++] = a;
      }
    }
    if (count - first[t + 1]! > maxStates) return null;
    first[t + 2] = count;
  }
  return { first, w: W, parent, alt };
}
