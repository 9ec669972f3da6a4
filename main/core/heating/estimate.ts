import type { HeatLossEstimate } from '#contract/heating';

export type RoomSample = { at: number; indoorC: number; outdoorC: number; heatW: number };

/** Fewer pairs than this, or too little spread in ΔT, and the fit says so instead of guessing. */
export const MIN_PAIRS = 24;
const WINDOW_MS = 3_600_000;
const MAX_GAP_MS = 2 * 3_600_000;

/**
 * Least-squares fit of the one-node room model to logged data: the heat put in equals what leaks
 * out plus what warms the room, P = UA × (T_in − T_out) + C × dT_in/dt, over spans of about an hour
 * (mean P and temperature difference over the span, indoor slope across it). Two unknowns, no intercept:
 * the 2×2 normal equations are solved directly.
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
  const none = (reason: string): HeatLossEstimate => ({ heatLossWPerK: null, capacityWhPerK: null, samples: rows.length, rmsW: null, reason });
  if (rows.length < MIN_PAIRS) return none(`${rows.length} hour-long spans of readings with the PC's power logged; at least ${MIN_PAIRS} are needed`);
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
  const ua = (s1y * s22 - s2y * s12) / det;
  const c = (s11 * s2y - s12 * s1y) / det;
  if (!(ua > 0) || !(c >= 0)) return none(`the logged data do not fit a heated room (UA ${ua.toFixed(1)} W/K): was another heater on?`);
  let sse = 0;
  for (const r of rows) sse += (r.y - ua * r.x1 - c * r.x2) ** 2;
  return { heatLossWPerK: ua, capacityWhPerK: c, samples: rows.length, rmsW: Math.sqrt(sse / rows.length), reason: null };
}
