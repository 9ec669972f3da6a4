/** Indexed access that fails loudly instead of yielding undefined (indices here are always in range). */
export function at<T>(a: readonly T[], i: number): T {
  const v = a[i];
  if (v === undefined) throw new RangeError(`index ${i} out of range (${a.length})`);
  return v;
}
