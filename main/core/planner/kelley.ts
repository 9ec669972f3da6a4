/**
 * The master problem of Kelley's cutting-plane method for the planner's Lagrangian dual:
 *
 *   minimise z  subject to  z ≥ a_i + g_i·λ (one cut per DP pass),  0 ≤ λ_k ≤ U.
 *
 * It has a handful of variables (one λ per deadline job) and a few dozen cuts, so a dense
 * simplex tableau solves it in microseconds, where a general solver spends a millisecond a call
 * reading and writing the model. Its optimum is a vertex, so λ lands exactly on the dual's kinks
 * (a job's price equal to mining's on some device), which is where the planner finds its ties.
 *
 * Substituting w = z − zlo with zlo = max_i (a_i + Σ_k min(0, g_ik)·U), a lower bound of z on
 * the box, makes every variable non-negative; then every cut reads −w + g_i·λ ≤ zlo − a_i. At
 * λ = 0 the cuts hold once w = max_i a_i − zlo, so pivoting w into the row of the largest a_i
 * gives a feasible basis at once (no phase one). Bland's rule keeps the simplex from cycling.
 */
export function kelleyMaster(cuts: readonly { a: number; g: ArrayLike<number> }[], n: number, U: number): { z: number; lambda: number[] } | null {
  const m = cuts.length;
  if (m === 0) return null;
  const R = m + n;
  // Columns: w, λ_0..λ_{n−1}, one slack per row, then the right-hand side.
  const C = 1 + n + R;
  const tab = Array.from({ length: R + 1 }, () => new Float64Array(C + 1));
  const row = (r: number) => tab[r] as Float64Array;
  let zlo = -Infinity;
  for (const { a, g } of cuts) {
    let least = a;
    for (let k = 0; k < n; k++) least += Math.min(0, g[k] ?? 0) * U;
    zlo = Math.max(zlo, least);
  }
  cuts.forEach(({ a, g }, i) => {
    const r = row(i);
    r[0] = -1;
    for (let k = 0; k < n; k++) r[1 + k] = g[k] ?? 0;
    r[1 + n + i] = 1;
    r[C] = zlo - a;
  });
  for (let k = 0; k < n; k++) {
    const r = row(m + k);
    r[1 + k] = 1;
    r[1 + n + m + k] = 1;
    r[C] = U;
  }
  // Objective row for "maximise −w", stored as reduced costs (negative = improving).
  const obj = row(R);
  obj[0] = 1;
  const basis = Array.from({ length: R }, (_, r) => 1 + n + r);
  const pivot = (pr: number, pc: number) => {
    const p = row(pr);
    const d = p[pc] as number;
    for (let c = 0; c <= C; c++) p[c] = (p[c] as number) / d;
    for (let r = 0; r <= R; r++) {
      if (r === pr) continue;
      const q = row(r);
      const f = q[pc] as number;
      if (f === 0) continue;
      for (let c = 0; c <= C; c++) q[c] = (q[c] as number) - f * (p[c] as number);
    }
    basis[pr] = pc;
  };
  let first = 0;
  for (let i = 1; i < m; i++) if ((row(i)[C] as number) < (row(first)[C] as number)) first = i;
  if ((row(first)[C] as number) < 0) pivot(first, 0);
  const eps = 1e-12;
  for (let iter = 0; iter < 50 * (R + C); iter++) {
    let enter = -1;
    for (let c = 0; c < C; c++) {
      if ((obj[c] as number) < -eps) {
        enter = c;
        break;
      }
    }
    if (enter < 0) {
      const x = new Float64Array(C);
      basis.forEach((b, r) => (x[b] = row(r)[C] as number));
      return { z: zlo + (x[0] as number), lambda: Array.from({ length: n }, (_, k) => Math.min(U, Math.max(0, x[1 + k] as number))) };
    }
    let leave = -1;
    let best = Infinity;
    for (let r = 0; r < R; r++) {
      const e = row(r)[enter] as number;
      if (e <= eps) continue;
      const ratio = (row(r)[C] as number) / e;
      if (ratio < best - 1e-15 || (ratio <= best + 1e-15 && leave >= 0 && (basis[r] as number) < (basis[leave] as number))) {
        best = ratio;
        leave = r;
      }
    }
    // Unbounded cannot happen (λ is boxed, w ≥ 0 is minimised); a numerical breakdown gives up.
    if (leave < 0) return null;
    pivot(leave, enter);
  }
  return null;
}
