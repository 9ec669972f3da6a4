/** Slot starts on a `minutes` grid (aligned to UTC, which matches local time in whole-hour and half-hour zones) covering [from, to). */
export function grid(from: number, to: number, minutes: number): number[] {
  const step = minutes * 60_000;
  const out: number[] = [];
  for (let t = Math.floor(from / step) * step; t < to; t += step) out.push(t);
  return out;
}
