import { deviceOptions, evaluate, violations } from './evaluate.ts';
import { at, type PlanInput } from './model.ts';

/**
 * Exhaustive reference for tiny instances: tries every assignment, keeps the feasible one with the
 * least missing deadline work and then the highest net. Exponential; tests only.
 */
export function bruteForce(input: PlanInput): { choice: number[][]; net: number; shortfall: number } | null {
  const T = input.slots.length;
  const D = input.devices.length;
  const sizes = input.devices.map((_, d) => deviceOptions(input, d).length);
  const cells = T * D;
  const idx = new Array<number>(cells).fill(0);
  let best: { choice: number[][]; net: number; shortfall: number } | null = null;
  for (;;) {
    const choice = Array.from({ length: T }, (_, t) => Array.from({ length: D }, (_, d) => at(idx, t * D + d)));
    if (violations(input, choice).length === 0) {
      const ev = evaluate(input, choice);
      const shortfall = ev.shortfalls.reduce((a, s) => a + s.missingWork, 0);
      const tol = 1e-9;
      if (!best || shortfall < best.shortfall - tol || (Math.abs(shortfall - best.shortfall) <= tol && ev.totals.net > best.net)) {
        best = { choice, net: ev.totals.net, shortfall };
      }
    }
    let c = 0;
    while (c < cells) {
      const next = at(idx, c) + 1;
      if (next < at(sizes, c % D)) {
        idx[c] = next;
        break;
      }
      idx[c] = 0;
      c++;
    }
    if (c === cells) return best;
  }
}
