import type { HeatLossEstimate } from '#contract/heating';

export type RoomSample = { at: number; indoorC: number; outdoorC: number; heatW: number };

/** Fewer pairs than this, or too little spread in ΔT, and the fit says so instead of guessing. */
export const MIN_PAIRS = 24;
const WINDOW_MS = 3_600_000;
const MAX_GAP_MS = 2 * 3_600_000;

/**
 * Fits the one-node room model to logged data: the heat put in equals what leaks out plus what
 * warms the room, P = UA × (T_in − T_out) + C × dT_in/dt.
 *
 * First a least-squares fit over spans of about an hour (mean P and temperature difference over
 * the span, indoor slope across it): two unknowns, no intercept, the 2×2 normal equations solved
 * directly. A sensor's noise sits in the slope, a regressor, which biases that fit's capacity low
 * (errors in variables). So it is only the start: UA and C are then moved to where the model,
 * run forward over each logged stretch from its first reading, follows the readings best (output
 * error, which noise on the readings does not bias). `rmseC` is that run's error.
 */
export function estimateRoom(samples: RoomSample[]): HeatLossEstimate {
  const sorted = [...samples].sort((a, b) => a.at - b.at);
  const rows: { x1: number; x2: number; y: number }[] = [];
  // Each row spans about an hour: a sensor's 0.1 °C steps make slopes over shorter spans mostly
  // noise, which would bias the capacity low. Power is the mean over the span's readings.
  let j = 0;
  for (let i = 0; i < sorted.length; i++) {
    const a = sorted[i]!;
    j = Math.max(j, i + 1);
    while (j < sorted.length && sorted[j]!.at - a.at < WINDOW_MS) j++;
    const b = sorted[j];
    if (!b || b.at - a.at > MAX_GAP_MS) continue;
    let p = 0;
    let d = 0;
    for (let k = i; k < j; k++) {
      const s = sorted[k]!;
      p += s.heatW;
      d += s.indoorC - s.outdoorC;
    }
    const n = j - i;
    const dtH = (b.at - a.at) / 3_600_000;
    rows.push({ x1: (d + b.indoorC - b.outdoorC) / (n + 1), x2: (b.indoorC - a.indoorC) / dtH, y: p / n });
  }
  const none = (reason: string): HeatLossEstimate => ({
    heatLossWPerK: null,
    capacityWhPerK: null,
    samples: rows.length,
    rmsW: null,
    rmseC: null,
    reason,
  });
  if (rows.length < MIN_PAIRS)
    return none(
      `${rows.length} hour-long spans of readings with the PC's power logged; at least ${MIN_PAIRS} are needed`,
    );
  let s11 = 0;
  let s12 = 0;
  let s22 = 0;
  let s1y = 0;
  let s2y = 0;
  for (const r of rows) {
    s11 += r.x1 * r.x1;
    s12 += r.x1 * r.x2;
    s22 += r.x2 * r.x2;
    s1y += r.x1 * r.y;
    s2y += r.x2 * r.y;
  }
  const det = s11 * s22 - s12 * s12;
  if (s11 < 1e-9 || Math.abs(det) < 1e-9 * Math.max(1, s11 * s22)) {
    return none('the indoor and outdoor temperatures barely changed: the fit needs data from colder and milder hours');
  }
  const ua0 = (s1y * s22 - s2y * s12) / det;
  const c0 = (s11 * s2y - s12 * s1y) / det;
  if (!(ua0 > 0) || !(c0 >= 0))
    return none(`the logged data do not fit a heated room (UA ${ua0.toFixed(1)} W/K): was another heater on?`);
  const stretches = stretchesOf(sorted);
  // A capacity of zero cannot be run forward; a small one stands in as the start.
  const start = { ua: ua0, c: Math.max(c0, ua0 * 0.05) };
  const run = refine(stretches, start);
  // A model that cannot be run forward (no two readings close enough) keeps the first fit.
  const best = Number.isFinite(run.rmseC) ? run : { ...start, rmseC: null };
  const { ua, c } = best;
  let sse = 0;
  for (const r of rows) sse += (r.y - ua * r.x1 - c * r.x2) ** 2;
  return {
    heatLossWPerK: ua,
    capacityWhPerK: c,
    samples: rows.length,
    rmsW: Math.sqrt(sse / rows.length),
    rmseC: best.rmseC,
    reason: null,
  };
}

/** Runs of readings with no gap longer than MAX_GAP_MS: the model restarts from the first of each. */
function stretchesOf(sorted: RoomSample[]): RoomSample[][] {
  const out: RoomSample[][] = [];
  let cur: RoomSample[] = [];
  for (const s of sorted) {
    const prev = cur.at(-1);
    if (prev && s.at - prev.at > MAX_GAP_MS) {
      if (cur.length > 1) out.push(cur);
      cur = [];
    }
    cur.push(s);
  }
  if (cur.length > 1) out.push(cur);
  return out;
}

/**
 * Root-mean-square difference (°C) between the readings and the one-node model run from each
 * stretch's first reading: the exact step T_end = a·T_start + (1 − a)·(T_out + P/UA) with
 * a = exp(−UA·h/C), the heat logged at a reading held until the next, the outdoor temperature the
 * mean of the two ends.
 */
export function simulationRmseC(stretches: RoomSample[][], ua: number, c: number): number {
  let sse = 0;
  let n = 0;
  for (const run of stretches) {
    let t = run[0]!.indoorC;
    for (let i = 1; i < run.length; i++) {
      const a = run[i - 1]!;
      const b = run[i]!;
      const decay = Math.exp((-ua * (b.at - a.at)) / 3_600_000 / c);
      t = decay * t + (1 - decay) * ((a.outdoorC + b.outdoorC) / 2 + a.heatW / ua);
      sse += (t - b.indoorC) ** 2;
      n++;
    }
  }
  return n > 0 ? Math.sqrt(sse / n) : NaN;
}

/**
 * Nelder–Mead on (ln UA, ln C), which keeps both positive: two unknowns and a smooth error, so a
 * simplex needs no derivatives and converges in a few dozen runs of the model.
 */
function refine(stretches: RoomSample[][], start: { ua: number; c: number }): { ua: number; c: number; rmseC: number } {
  const f = (p: [number, number]) => {
    const e = simulationRmseC(stretches, Math.exp(p[0]), Math.exp(p[1]));
    return Number.isFinite(e) ? e : Infinity;
  };
  const x0: [number, number] = [Math.log(start.ua), Math.log(start.c)];
  let simplex: { p: [number, number]; v: number }[] = [x0, [x0[0] + 0.2, x0[1]], [x0[0], x0[1] + 0.2]].map((p) => ({
    p: p as [number, number],
    v: f(p as [number, number]),
  }));
  const mix = (a: [number, number], b: [number, number], t: number): [number, number] => [
    a[0] + t * (b[0] - a[0]),
    a[1] + t * (b[1] - a[1]),
  ];
  for (let iter = 0; iter < 300; iter++) {
    simplex.sort((a, b) => a.v - b.v);
    const [lo, mid, hi] = simplex as [(typeof simplex)[0], (typeof simplex)[0], (typeof simplex)[0]];
    const spread = Math.max(
      Math.abs(hi.p[0] - lo.p[0]),
      Math.abs(hi.p[1] - lo.p[1]),
      Math.abs(mid.p[0] - lo.p[0]),
      Math.abs(mid.p[1] - lo.p[1]),
    );
    if (spread < 1e-5) break;
    const centre = mix(lo.p, mid.p, 0.5);
    const r = mix(centre, hi.p, -1);
    const fr = f(r);
    if (fr < lo.v) {
      const e = mix(centre, hi.p, -2);
      const fe = f(e);
      simplex = [lo, mid, fe < fr ? { p: e, v: fe } : { p: r, v: fr }];
    } else if (fr < mid.v) {
      simplex = [lo, mid, { p: r, v: fr }];
    } else {
      const k = fr < hi.v ? mix(centre, r, 0.5) : mix(centre, hi.p, 0.5);
      const fk = f(k);
      if (fk < Math.min(fr, hi.v)) simplex = [lo, mid, { p: k, v: fk }];
      else simplex = [lo, ...[mid, hi].map((s) => ({ p: mix(lo.p, s.p, 0.5), v: f(mix(lo.p, s.p, 0.5)) }))];
    }
  }
  simplex.sort((a, b) => a.v - b.v);
  const best = simplex[0]!;
  return { ua: Math.exp(best.p[0]), c: Math.exp(best.p[1]), rmseC: best.v };
}
