import type { PlanInput } from '#contract/plan';
import { at } from './at.ts';
import {
  better,
  beforeDeadline,
  completes,
  counts,
  deviceOptions,
  evaluate,
  heatsHome,
  holdingSource,
  score,
  type Evaluated,
} from './evaluate.ts';

/**
 * Dynamic programme over the slots for a *demand-model* problem: per slot, the best combination
 * of device options for each set of running devices (under the caps); across slots, the state is
 * every device's run or pause length capped at its minimum. `jobValue(j, t)` is what a unit of job
 * j's work in slot t is worth. Exact when every job is open-ended (planner.md, "The DP route"):
 * the combination step tries every combination, and the heat credit it counts (the heating
 * devices' energy up to the demand; a device with `heats: false` draws power and earns none)
 * depends only on the slot's own choices.
 */
function solveDemandDp(
  input: PlanInput,
  jobValue: (j: number, t: number) => number,
  skip: (j: number) => boolean,
  fixed?: Map<number, number>[],
): number[][] | null {
  const T = input.slots.length;
  const D = input.devices.length;
  const opts = input.devices.map((_, d) => deviceOptions(input, d));
  const usable = opts.map((os) => os.map((o, k) => k === 0 || (o !== null && !skip(o.job))));
  const heats = input.devices.map(heatsHome);
  const R = input.devices.map((d) => Math.max(1, d.minRunSlots ?? 1));
  const P = input.devices.map((d) => Math.max(1, d.minPauseSlots ?? 1));
  // Device state: 0..R−1 running for (index+1) slots (capped), R..R+P−1 paused for (index−R+1) slots (capped).
  const sizes = input.devices.map((_, d) => at(R, d) + at(P, d));
  const S = sizes.reduce((a, b) => a * b, 1);
  const decode = (s: number) => {
    const out: number[] = [];
    for (let d = 0; d < D; d++) {
      out.push(s % at(sizes, d));
      s = Math.floor(s / at(sizes, d));
    }
    return out;
  };
  const encode = (parts: number[]) => parts.reduceRight((acc, p, d) => acc * at(sizes, d) + p, 0);
  const patterns = 1 << D;
  // next[s * patterns + p]: the state after pattern p (bit d: device d runs) from state s, or −1 when min run/pause forbid it.
  const next = new Int32Array(S * patterns).fill(-1);
  for (let s = 0; s < S; s++) {
    const parts = decode(s);
    for (let p = 0; p < patterns; p++) {
      const out: number[] = [];
      let ok = true;
      for (let d = 0; d < D && ok; d++) {
        const st = at(parts, d);
        const r = at(R, d);
        const running = st < r;
        const runs = ((p >> d) & 1) === 1;
        if (running && runs) out.push(Math.min(st + 1, r - 1));
        else if (running) {
          if (st + 1 < r) ok = false;
          else out.push(r);
        } else if (runs) {
          if (st - r + 1 < at(P, d)) ok = false;
          else out.push(0);
        } else out.push(Math.min(st + 1, r + at(P, d) - 1));
      }
      if (ok) next[s * patterns + p] = encode(out);
    }
  }
  // best[t][p]: the best value of slot t with exactly the devices in p running, and its choice.
  const bestValue = new Float64Array(T * patterns).fill(-Infinity);
  const bestChoice: number[][] = Array.from({ length: T * patterns }, () => []);
  for (let t = 0; t < T; t++) {
    const s = at(input.slots, t);
    const cap = Math.min(input.limits.powerCapW ?? Infinity, s.quiet ? (input.limits.quietCapW ?? Infinity) : Infinity);
    const demandKWh = (Math.max(0, s.heatDemandW) * s.hours) / 1000;
    const pick = new Array<number>(D).fill(0);
    // powerW: every running device's (the caps, the bill); heatW: the heating devices' only.
    const walk = (d: number, powerW: number, heatW: number, value: number, pattern: number) => {
      if (powerW > cap + 1e-9) return;
      if (d === D) {
        const kwh = (powerW * s.hours) / 1000;
        const heatKWh = (heatW * s.hours) / 1000;
        const v = value - kwh * s.price + Math.min(heatKWh, demandKWh) * s.heatCreditPerKWh;
        const i = t * patterns + pattern;
        if (v > (bestValue[i] ?? -Infinity)) {
          bestValue[i] = v;
          bestChoice[i] = [...pick];
        }
        return;
      }
      const only = fixed?.[d]?.get(t);
      at(opts, d).forEach((o, k) => {
        if (only !== undefined ? k !== only : !at(at(usable, d), k)) return;
        pick[d] = k;
        if (!o) return walk(d + 1, powerW, heatW, value, pattern);
        const lv = at(at(input.devices, d).levels, o.level);
        const work = (lv.rates[at(input.jobs, o.job).kind] ?? 0) * s.hours;
        walk(
          d + 1,
          powerW + lv.powerW,
          at(heats, d) ? heatW + lv.powerW : heatW,
          value + work * jobValue(o.job, t),
          pattern | (1 << d),
        );
      });
      pick[d] = 0;
    };
    walk(0, 0, 0, 0, 0);
  }
  // Backward over the slots, then forward from every device off and free to start.
  const V = new Float64Array((T + 1) * S);
  const arg = new Int32Array(T * S).fill(-1);
  for (let t = T - 1; t >= 0; t--) {
    for (let s = 0; s < S; s++) {
      let best = -Infinity;
      for (let p = 0; p < patterns; p++) {
        const n = next[s * patterns + p] ?? -1;
        const b = bestValue[t * patterns + p] ?? -Infinity;
        if (n < 0 || b === -Infinity) continue;
        const v = b + (V[(t + 1) * S + n] ?? 0);
        if (v > best) {
          best = v;
          arg[t * S + s] = p;
        }
      }
      V[t * S + s] = best;
    }
  }
  let state = encode(input.devices.map((_, d) => at(R, d) + at(P, d) - 1));
  if (!((V[state] ?? -Infinity) > -Infinity)) return null;
  const choice: number[][] = [];
  for (let t = 0; t < T; t++) {
    const p = arg[t * S + state] ?? 0;
    choice.push(
      at(bestChoice, t * patterns + p).length ? [...at(bestChoice, t * patterns + p)] : new Array<number>(D).fill(0),
    );
    state = next[state * patterns + p] ?? state;
  }
  return choice;
}

/**
 * Whether the DP route alone is exact for this input: demand model, open-ended jobs only (devices
 * outside the heated space included: their heat is simply not counted).
 */
export function dpIsExact(input: PlanInput): boolean {
  return !input.thermal && input.jobs.every((j) => j.workNeeded === undefined);
}

export type FastPlan = { choice: number[][]; sourceW: number[]; evaluated: Evaluated };

/**
 * The fast plan: exact where `dpIsExact`; otherwise a good start for HiGHS. With a thermal model
 * the DP sees the heat the source would need to hold the band's lower edge as the demand (so it
 * does not pre-heat; HiGHS does). Deadline jobs are priced by a multiplier per job, raised until
 * their deadlines are met (or it stops helping); continuous jobs are left out (HiGHS places them).
 */
export function fastPlan(input: PlanInput): FastPlan {
  const view: PlanInput = input.thermal
    ? (() => {
        const hold = holdingSource(
          input,
          input.slots.map(() => 0),
        );
        return {
          ...input,
          thermal: undefined,
          slots: input.slots.map((s, t) => ({ ...s, heatDemandW: at(hold, t) })),
        } as PlanInput;
      })()
    : input;
  const deadlineJobs = input.jobs.map((j, i) => [j, i] as const).filter(([j]) => j.workNeeded !== undefined);
  const continuous = (j: number) => at(input.jobs, j).mode === 'continuous';
  const lambda = input.jobs.map(() => 0);
  // What a unit of a job's work costs to make at the mean price on its dearest level: the multiplier's scale.
  const meanPrice = input.slots.reduce((a, s) => a + Math.max(0, s.price), 0) / Math.max(1, input.slots.length);
  const scale = input.jobs.map((job) => {
    let most = 0;
    for (const dev of input.devices)
      for (const lv of dev.levels)
        if ((lv.rates[job.kind] ?? 0) > 0)
          most = Math.max(most, (meanPrice * lv.powerW) / 1000 / (lv.rates[job.kind] ?? 1));
    return Math.max(most, job.valuePerWork, 1e-9);
  });
  const value = (j: number, t: number) => {
    const job = at(input.jobs, j);
    if (job.workNeeded === undefined) return job.valuePerWork;
    if (beforeDeadline(input, t, j)) return job.valuePerWork + at(lambda, j);
    return counts(input, t, j) ? job.valuePerWork + at(lambda, j) / 2 : 0;
  };
  const off = input.slots.map(() => input.devices.map(() => 0));
  const offEval = evaluate(input, off);
  let best: FastPlan = { choice: off, sourceW: offEval.sourceW, evaluated: offEval };
  const offer = (choice: number[][] | null) => {
    if (!choice) return null;
    const evaluated = evaluate(input, choice);
    if (better(score(evaluated), score(best.evaluated))) best = { choice, sourceW: evaluated.sourceW, evaluated };
    return evaluated;
  };
  const fixed: Map<number, number>[] = input.devices.map(() => new Map());
  const price = () => {
    for (let pass = 0; pass < 10; pass++) {
      const evaluated = offer(solveDemandDp(view, value, continuous, fixed));
      if (!evaluated) return;
      const short = new Set(evaluated.shortfalls.map((s) => s.job));
      const raise = deadlineJobs.filter(([job, j]) => short.has(job.id) && !continuous(j));
      if (!raise.length) return;
      for (const [, j] of raise) lambda[j] = Math.max(2 * at(lambda, j), at(scale, j));
    }
  };
  price();
  // Each continuous job as one block on its fastest device, in the cheapest window that fits
  // before its deadline; the rest planned around it.
  for (const [job, j] of deadlineJobs) {
    if (!continuous(j) || !best.evaluated.shortfalls.some((s) => s.job === job.id)) continue;
    const block = cheapestBlock(input, j, fixed);
    if (!block) continue;
    for (let t = block.from; t < block.to; t++) at(fixed, block.device).set(t, block.option);
    price();
  }
  return best;
}

/** The cheapest run of consecutive slots in which one device at its fastest level does job j's work before its deadline. */
function cheapestBlock(
  input: PlanInput,
  j: number,
  fixed: Map<number, number>[],
): { device: number; option: number; from: number; to: number } | null {
  const job = at(input.jobs, j);
  const W = job.workNeeded ?? 0;
  let best: { device: number; option: number; from: number; to: number; cost: number } | null = null;
  input.devices.forEach((dev, d) => {
    deviceOptions(input, d).forEach((o, k) => {
      if (!o || o.job !== j) return;
      const lv = at(dev.levels, o.level);
      const rate = lv.rates[job.kind] ?? 0;
      const fits = (t: number) => {
        const s = at(input.slots, t);
        const cap = Math.min(
          input.limits.powerCapW ?? Infinity,
          s.quiet ? (input.limits.quietCapW ?? Infinity) : Infinity,
        );
        return lv.powerW <= cap && !at(fixed, d).has(t) && beforeDeadline(input, t, j);
      };
      for (let from = 0; from < input.slots.length; from++) {
        let work = 0;
        let cost = 0;
        let to = from;
        while (to < input.slots.length && !completes(work, W) && fits(to)) {
          const s = at(input.slots, to);
          work += rate * s.hours;
          cost += (s.price * lv.powerW * s.hours) / 1000;
          to++;
        }
        if (completes(work, W) && (!best || cost < best.cost)) best = { device: d, option: k, from, to, cost };
      }
    });
  });
  return best;
}
