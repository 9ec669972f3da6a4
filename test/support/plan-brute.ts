import { better, deviceOptions, evaluate, score, violations, type Score } from './evaluate.ts';
import { at, type PlanInput } from './model.ts';

/**
 * Exhaustive reference for tiny instances: tries every assignment, keeps the feasible one with the
 * best score (least missing deadline work, least work missing at the end, highest net). Exponential; tests only.
 */
export function bruteForce(input: PlanInput): ({ choice: number[][] } & Score) | null {
  const T = input.slots.length;
  const D = input.devices.length;
  const sizes = input.devices.map((_, d) => deviceOptions(input, d).length);
  const cells = T * D;
  const idx = new Array<number>(cells).fill(0);
  let best: ({ choice: number[][] } & Score) | null = null;
  for (;;) {
    const choice = Array.from({ length: T }, (_, t) => Array.from({ length: D }, (_, d) => at(idx, t * D + d)));
    if (violations(input, choice).length === 0) {
      const sc = score(evaluate(input, choice));
      if (!best || better(sc, best)) best = { choice, ...sc };
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
