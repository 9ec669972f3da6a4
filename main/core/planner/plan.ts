import type { Clock } from '#core/clock';
import { solveDp, type DpSeed } from './dp.ts';
import { better, deviceOptions, evaluate, score } from './evaluate.ts';
import { solveMip } from './mip.ts';
import { at, type Plan, type PlanInput, type PlanSolver, type SlotPlan } from './model.ts';
import { plannerThread } from './planner-thread.ts';

const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
const signed = (n: number, unit: string) => `${n >= 0 ? '+' : '−'}${Math.abs(n).toFixed(4)} ${unit}`;

/**
 * Why a slot came out as it did, in a few words: which job runs and why that slot, or what kept
 * the devices off. Derived from the optimal assignment and the slot's own figures.
 */
function reasonFor(input: PlanInput, t: number, s: Omit<SlotPlan, 'reason'>, currency: string, bestRevenue: () => number): string {
  const slot = at(input.slots, t);
  const parts: string[] = [];
  const running = s.decisions.filter((d) => d.job !== null);
  const deadlineJobs = new Set(running.map((d) => input.jobs.find((j) => j.id === d.job)).filter((j) => j?.deadline !== undefined));
  for (const job of deadlineJobs) {
    if (job?.deadline === undefined) continue;
    const when = hhmm(job.deadline);
    if (slot.start + slot.hours * 3_600_000 > job.deadline) parts.push(`${job.id}: running past the missed ${when} UTC deadline until done`);
    else if (job.mode === 'continuous') parts.push(`${job.id}: one continuous block before the ${when} UTC deadline`);
    else parts.push(`${job.id}: cheapest slots before the ${when} UTC deadline`);
  }
  const heatValue = slot.heatCreditPerKWh;
  if (running.length && deadlineJobs.size < running.length) {
    const net = s.net;
    parts.push(s.usefulHeatKWh > 0 ? `heat needed, net ${signed(net, currency)}` : `revenue above cost, net ${signed(net, currency)}`);
  }
  if (!running.length) {
    // Best money a kWh could earn here: heat credit (while demand lasts) plus the best job's value.
    const gain = bestRevenue() + (slot.heatDemandW > 0 ? heatValue : 0);
    if (slot.quiet && input.limits.quietCapW === 0) parts.push('quiet hours');
    else if (slot.price > gain) parts.push(`price ${slot.price.toFixed(4)} above heat value and revenue ${gain.toFixed(4)} ${currency}/kWh`);
    else parts.push('off: a longer run elsewhere pays more (min run/pause lengths, deadlines)');
  }
  const cap = slot.quiet ? input.limits.quietCapW : input.limits.powerCapW;
  const power = running.reduce((a, d) => a + d.powerW, 0);
  if (running.length && cap !== undefined && power > cap - 1e-9 - Math.min(...input.devices.flatMap((d) => d.levels.map((l) => l.powerW)))) {
    parts.push(`${slot.quiet ? 'quiet-hours cap' : 'power cap'} ${cap} W`);
  }
  return parts.join('; ');
}

export type PlanOptions = {
  clock: Pick<Clock, 'now'>;
  currency?: string;
  /**
   * 'auto' (default): the fast exact planner (dp.ts), falling back to the MIP when its label
   * search passes `maxLabels`. 'mip': the MIP reference alone, in this thread.
   */
  solver?: 'auto' | 'mip';
  /** Label budget of the fast planner's search (deterministic, unlike a time limit). */
  maxLabels?: number;
  /** Where the fallback MIP runs: a worker thread (default; keeps the event loop free) or this thread (tests, CLI). */
  fallbackIn?: 'worker' | 'thread';
};

/**
 * Plans every device for every slot that has not ended by `clock.now()`: the assignment with the
 * least missing deadline work, then the least work still missing at the end on run-past-deadline
 * jobs, then the highest net value (see planner.md). Pure but for `planMs` (measured time): the same input and time give the same
 * plan (the route may differ only in which of several equally good assignments it returns).
 */
export async function plan(input: PlanInput, opts: PlanOptions): Promise<Plan> {
  const now = opts.clock.now();
  const t0 = performance.now();
  validate(input);
  const live: PlanInput = { ...input, slots: input.slots.filter((s) => s.start + s.hours * 3_600_000 > now) };

  let choice: number[][] = live.slots.map(() => live.devices.map(() => 0));
  let solver: PlanSolver = 'dp';
  if (live.slots.length && live.devices.length) {
    if (opts.solver === 'mip') {
      choice = await solveMip(live);
      solver = 'mip';
    } else {
      const seed: { value?: DpSeed } = {};
      const fast = solveDp(live, { maxLabels: opts.maxLabels, seed });
      if (fast) {
        choice = fast.choice;
        solver = fast.route;
      } else {
        // The MIP without the choices the search proved useless; its plan or the search's best,
        // whichever scores higher (the MIP may only tie it when the search's plan is optimal).
        const fixed = seed.value?.fixed ?? [];
        const inc = seed.value?.incumbent;
        const hint = inc ? score(evaluate(live, inc)) : undefined;
        const mip = opts.fallbackIn === 'thread' ? await solveMip(live, fixed, hint) : await plannerThread.mip(live, fixed, hint);
        choice = inc && hint && better(hint, score(evaluate(live, mip))) ? inc : mip;
        solver = 'mip';
      }
    }
  }
  const ev = evaluate(live, choice);
  // Revenue per kWh of the best open-ended job on any device (the same for every slot; worked out once, when needed).
  let best: number | undefined;
  const bestRevenue = () => {
    best ??= Math.max(
      0,
      ...live.devices.flatMap((dev, d) =>
        deviceOptions(live, d).map((o) => {
          if (!o) return 0;
          const lv = at(dev.levels, o.level);
          const job = at(live.jobs, o.job);
          return job.workNeeded === undefined && lv.powerW > 0 ? (job.valuePerWork * (lv.rates[job.kind] ?? 0) * 1000) / lv.powerW : 0;
        }),
      ),
    );
    return best;
  };
  const slots = ev.slots.map((s, t) => ({ ...s, reason: reasonFor(live, t, s, opts.currency ?? '€', bestRevenue) }));
  return { ...ev, solver, planMs: performance.now() - t0, slots };
}

/** Bad input says what is wrong (planner inputs come from settings and other domains). */
export function validate(input: PlanInput): void {
  const ids = new Set<string>();
  for (const d of input.devices) {
    if (ids.has(d.id)) throw new Error(`planner: device "${d.id}" listed twice`);
    ids.add(d.id);
    for (const l of d.levels) if (!(l.powerW >= 0)) throw new Error(`planner: device "${d.id}" has a level with power ${l.powerW} W; give a power ≥ 0`);
  }
  for (const s of input.slots) {
    if (!(s.hours > 0)) throw new Error(`planner: slot at ${new Date(s.start).toISOString()} has length ${s.hours} h; give a positive length`);
    if (!Number.isFinite(s.price)) throw new Error(`planner: slot at ${new Date(s.start).toISOString()} has no price`);
  }
  for (const j of input.jobs) {
    if (j.workNeeded !== undefined && !(j.workNeeded >= 0)) throw new Error(`planner: job "${j.id}" needs ${j.workNeeded} work; give an amount ≥ 0`);
    if (j.workNeeded === undefined && j.mode === 'continuous') throw new Error(`planner: job "${j.id}" is continuous but open-ended; give workNeeded or use mode 'cheapest'`);
    if (j.workNeeded === undefined && j.runPastDeadline) throw new Error(`planner: job "${j.id}" may run past its deadline but needs no work; give workNeeded and a deadline`);
    if (j.mode !== undefined && j.mode !== 'cheapest' && j.mode !== 'continuous') throw new Error(`planner: job "${j.id}" has mode "${String(j.mode)}"; use 'cheapest' or 'continuous'`);
  }
}
