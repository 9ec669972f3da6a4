/**
 * The estimate used when no meter reports CPU power: idle + load × (rated − idle). Rated power is
 * the CPU's TDP when we know the model, otherwise a per-core default; either way the UI labels
 * the result "estimate".
 */
export type PowerModel = { ratedW: number; idleW: number; source: 'known-model' | 'default-per-core' | 'user' };

// A few common desktop/server parts, matched on the model string; TDP / default package power.
const KNOWN: [RegExp, number][] = [
  [/Ryzen 9 7950X\b/i, 170],
  [/Ryzen 9 5950X/i, 105],
  [/Ryzen 7 5800X3D/i, 105],
  [/Ryzen 7 7800X3D/i, 120],
  [/Ryzen 5 5600X/i, 65],
  [/Core\(TM\) i9-13900K/i, 253],
  [/Core\(TM\) i7-12700K/i, 190],
  [/Core\(TM\) i5-12400/i, 117],
  [/Apple M1\b/i, 20],
  [/Apple M2\b/i, 22],
];

const WATTS_PER_CORE = 10;
const IDLE_FRACTION = 0.15;

export function powerModelFor(model: string, physicalCores: number, userRatedW?: number): PowerModel {
  if (userRatedW !== undefined) return { ratedW: userRatedW, idleW: userRatedW * IDLE_FRACTION, source: 'user' };
  const known = KNOWN.find(([re]) => re.test(model));
  const ratedW = known ? known[1] : Math.min(280, Math.max(15, physicalCores * WATTS_PER_CORE));
  return { ratedW, idleW: ratedW * IDLE_FRACTION, source: known ? 'known-model' : 'default-per-core' };
}

/** Estimated package power at a load between 0 and 100 %. */
export function estimatePowerW(model: PowerModel, loadPct: number): number {
  const load = Math.min(100, Math.max(0, loadPct)) / 100;
  return model.idleW + load * (model.ratedW - model.idleW);
}
