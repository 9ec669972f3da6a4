import type { Plan, PlanInput, PlannedSlot, PlanSolver, PlanStatus } from '#contract/plan';
import { at } from './at.ts';
import { dpIsExact, fastPlan } from './dp.ts';
import { better, deviceOptions, evaluate, heatsHome, score } from './evaluate.ts';
import { solveMilp } from './milp.ts';

const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
const signed = (n: number, unit: string) => `${n >= 0 ? '+' : '−'}${Math.abs(n).toFixed(4)} ${unit}`;

/**
 * Why a slot came out as it did, in a few words: which job runs and why that slot, or what kept
 * the devices off. Derived from the optimal assignment and the slot's own figures.
 */
function reasonFor(
  input: PlanInput,
  t: number,
  s: Omit<PlannedSlot, 'reason'>,
  all: Omit<PlannedSlot, 'reason'>[],
  currency: string,
  bestRevenue: (heatValue: number) => number,
): string {
  const slot = at(input.slots, t);
  const parts: string[] = [];
  const running = s.decisions.filter((d) => d.job !== null);
  const deadlineJobs = new Set(
    running.map((d) => input.jobs.find((j) => j.id === d.job)).filter((j) => j?.deadline !== undefined),
  );
  for (const job of deadlineJobs) {
    if (job?.deadline === undefined) continue;
    const when = hhmm(job.deadline);
    if (slot.start + slot.hours * 3_600_000 > job.deadline)
      parts.push(`${job.id}: running past the missed ${when} UTC deadline until done`);
    else if (job.mode === 'continuous') parts.push(`${job.id}: one continuous block before the ${when} UTC deadline`);
    else parts.push(`${job.id}: cheapest slots before the ${when} UTC deadline`);
  }
  const heatValue = slot.heatCreditPerKWh;
  const band = slot.comfort;
  if (
    input.thermal &&
    band &&
    s.indoorC !== undefined &&
    (s.heatKWh > 0 || s.sourceHeatKWh > 0) &&
    s.indoorC > band.minC + 0.05
  ) {
    // Heat beyond the band's lower edge now is heat not bought later: name the dearest hour it saves.
    let dear = -1;
    for (let u = t + 1; u < all.length && at(all, u).start < slot.start + 12 * 3_600_000; u++)
      if (dear < 0 || at(all, u).price > at(all, dear).price) dear = u;
    if (dear >= 0 && at(all, dear).price > slot.price) {
      parts.push(
        `pre-heating: ${slot.price.toFixed(4)} ${currency}/kWh now vs ${at(all, dear).price.toFixed(4)} ${currency}/kWh at ${hhmm(at(all, dear).start)} UTC`,
      );
    }
  }
  if (running.length && deadlineJobs.size < running.length) {
    const net = s.net;
    parts.push(
      s.usefulHeatKWh > 0
        ? `heat needed, net ${signed(net, currency)}`
        : `revenue above cost, net ${signed(net, currency)}`,
    );
  }
  if (!running.length) {
    // Best money a kWh could earn here: the best job's value plus, on a device that heats the
    // home, the heat credit (while demand lasts).
    const gain = bestRevenue(input.thermal || slot.heatDemandW > 0 ? heatValue : 0);
    const what = input.devices.some(heatsHome) ? 'heat value and revenue' : 'revenue';
    if (slot.quiet && input.limits.quietCapW === 0) parts.push('quiet hours');
    else if (band && s.indoorC !== undefined && s.sourceHeatKWh === 0 && s.indoorC > band.minC + 0.05) {
      parts.push(`coasting on stored warmth (${s.indoorC.toFixed(1)} °C, band ${band.minC}–${band.maxC} °C)`);
    } else if (slot.price > gain)
      parts.push(`price ${slot.price.toFixed(4)} above ${what} ${gain.toFixed(4)} ${currency}/kWh`);
    else if (input.thermal && s.sourceHeatKWh > 0)
      parts.push(
        'the heat source heats as cheaply here; compute runs where it pays more (min run/pause lengths, deadlines)',
      );
    else parts.push('off: a longer run elsewhere pays more (min run/pause lengths, deadlines)');
  }
  const cap = slot.quiet ? input.limits.quietCapW : input.limits.powerCapW;
  const power = running.reduce((a, d) => a + d.powerW, 0);
  if (
    running.length &&
    cap !== undefined &&
    power > cap - 1e-9 - Math.min(...input.devices.flatMap((d) => d.levels.map((l) => l.powerW)))
  ) {
    parts.push(`${slot.quiet ? 'quiet-hours cap' : 'power cap'} ${cap} W`);
  }
  if (input.thermal && s.sourceHeatKWh > 0)
    parts.push(`heat source ${((s.sourceHeatKWh * 1000) / slot.hours).toFixed(0)} W`);
  if (band && s.indoorC !== undefined && s.indoorC < band.minC - 0.05)
    parts.push(`${(band.minC - s.indoorC).toFixed(1)} K below the comfort band: the heat source cannot keep up`);
  return parts.join('; ');
}

export type PlanOptions = {
  /**
   * The time the plan is made at, ms since the epoch: slots that ended by then are not planned.
   * A time rather than a clock: planning reads it once, and the worker thread cannot share the caller's clock.
   */
  now: number;
  currency?: string;
  /** HiGHS's time limit, ms (setting `planner.timeLimitSec`; default 10 s). */
  timeLimitMs?: number;
  /**
   * 'auto' (default): the exact DP route where it is exact, else HiGHS warm started from the fast
   * plan. 'milp': HiGHS alone, cold (a reference: no DP route, no warm start). 'heuristic': the fast
   * plan alone.
   */
  solver?: 'auto' | 'milp' | 'heuristic';
};

export const DEFAULT_TIME_LIMIT_MS = 10_000;

/**
 * Plans every device for every slot that has not ended by `now`: the assignment with the
 * least missing deadline work, then the least work still missing at the end on run-past-deadline
 * jobs, then the highest net value (see planner.md), and says how sure it is (`status`). Pure but
 * for `planMs` and, when HiGHS hits its time limit, how far it got. Never throws on a valid input.
 */
export async function plan(input: PlanInput, opts: PlanOptions): Promise<Plan> {
  const now = opts.now;
  const t0 = performance.now();
  validate(input);
  const live = liveInput(input, now);
  let choice: number[][] = live.slots.map(() => live.devices.map(() => 0));
  let sourceW: number[] | undefined;
  let solver: PlanSolver = 'dp';
  let status: PlanStatus = { kind: 'optimal' };
  if (live.slots.length && (live.devices.length || live.thermal)) {
    const mode = opts.solver ?? 'auto';
    const fast = mode === 'milp' ? null : fastPlan(live);
    if (fast && mode === 'auto' && dpIsExact(live)) {
      choice = fast.choice;
    } else if (fast && mode === 'heuristic') {
      ({ choice, sourceW } = fast);
      solver = 'heuristic';
      status = { kind: 'heuristic', reason: 'the fast plan was asked for' };
    } else {
      const start = fast ? { ...fast, score: score(fast.evaluated) } : { choice, sourceW: live.slots.map(() => 0) };
      const r = await solveMilp(live, start, opts.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS, mode !== 'milp');
      // HiGHS's plan, unless it stopped without beating the fast one.
      const fastScore = fast ? score(fast.evaluated) : null;
      const mine = score(evaluate(live, r.choice, r.sourceW));
      if (fast && fastScore && r.status.kind !== 'optimal' && better(fastScore, mine)) {
        ({ choice, sourceW } = fast);
        solver = 'heuristic';
        status =
          r.status.kind === 'heuristic'
            ? r.status
            : {
                kind: 'heuristic',
                reason: `HiGHS stopped at the time limit without a better plan (gap ${(r.status.gap * 100).toFixed(2)} %)`,
              };
      } else {
        ({ choice, sourceW } = r);
        solver = r.status.kind === 'heuristic' ? 'heuristic' : 'milp';
        status = r.status;
      }
    }
  }
  const ev = evaluate(live, choice, sourceW);
  // Revenue per kWh of the best open-ended job, per device (the same for every slot; worked out
  // once, when needed); a kWh's heat value adds to it only on devices that heat the home.
  let best: number[] | undefined;
  const bestRevenue = (heatValue: number) => {
    best ??= live.devices.map((dev, d) =>
      Math.max(
        0,
        ...deviceOptions(live, d).map((o) => {
          if (!o) return 0;
          const lv = at(dev.levels, o.level);
          const job = at(live.jobs, o.job);
          return job.workNeeded === undefined && lv.powerW > 0
            ? (job.valuePerWork * (lv.rates[job.kind] ?? 0) * 1000) / lv.powerW
            : 0;
        }),
      ),
    );
    const each = best.map((r, d) => r + (heatsHome(at(live.devices, d)) ? heatValue : 0));
    return each.length ? Math.max(...each) : heatValue;
  };
  const slots = ev.slots.map((s, t) => ({
    ...s,
    reason: reasonFor(live, t, s, ev.slots, opts.currency ?? '€', bestRevenue),
  }));
  const { sourceW: _w, objective: _o, ...figures } = ev;
  const warnings = bandWarnings(live, slots);
  return {
    ...figures,
    solver,
    status,
    planMs: performance.now() - t0,
    slots,
    ...(warnings.length ? { warnings } : {}),
  };
}

/**
 * A comfort band the plan cannot hold, said with the settings that decide it: the coldest slot's
 * shortfall, what the house loses there at the band's lower edge, and what the heat source gives.
 */
function bandWarnings(input: PlanInput, slots: PlannedSlot[]): string[] {
  const th = input.thermal;
  if (!th) return [];
  let worst: { t: number; below: number } | null = null;
  slots.forEach((s, t) => {
    const below = s.comfort && s.indoorC !== undefined ? s.comfort.minC - s.indoorC : 0;
    if (below > 0.05 && (!worst || below > worst.below)) worst = { t, below };
  });
  if (!worst) return [];
  const { t, below } = worst as { t: number; below: number };
  const slot = at(input.slots, t);
  const min = slot.comfort?.minC ?? 0;
  const loss = Math.max(0, th.uaWPerK * (min - (slot.outdoorC ?? 0)));
  const when = new Date(slot.start).toISOString().slice(0, 16).replace('T', ' ');
  if (th.indoorC < min && loss <= th.sourceCapW) {
    return [
      `the room is below its comfort band until it has warmed up (${below.toFixed(1)} K short at ${when} UTC): it starts at ${th.indoorC.toFixed(1)} °C and the heat source gives at most ${th.sourceCapW.toFixed(0)} W (heatSource.capacityW)`,
    ];
  }
  return [
    `the comfort band cannot be held: ${below.toFixed(1)} K below it at ${when} UTC, where the house loses ${loss.toFixed(0)} W at ${min} °C with ${(slot.outdoorC ?? 0).toFixed(1)} °C outside (room.heatLossWPerK ${th.uaWPerK} W/K) and the heat source gives at most ${th.sourceCapW.toFixed(0)} W (heatSource.capacityW): raise the capacity, lower that schedule entry's setpoint, or check the heat-loss coefficient`,
  ];
}

/** The slots that have not ended by `now`; a thermal model keeps its start temperature (it is read now). */
function liveInput(input: PlanInput, now: number): PlanInput {
  return { ...input, slots: input.slots.filter((s) => s.start + s.hours * 3_600_000 > now) };
}

/** Bad input says what is wrong (planner inputs come from settings and other domains). */
export function validate(input: PlanInput): void {
  const ids = new Set<string>();
  for (const d of input.devices) {
    if (ids.has(d.id)) throw new Error(`planner: device "${d.id}" listed twice`);
    ids.add(d.id);
    if (d.heats !== undefined && typeof d.heats !== 'boolean')
      throw new Error(
        `planner: device "${d.id}" has heats ${JSON.stringify(d.heats)}; give true (its heat warms the home) or false (it stands outside the heated space)`,
      );
    for (const l of d.levels)
      if (!(l.powerW >= 0))
        throw new Error(`planner: device "${d.id}" has a level with power ${l.powerW} W; give a power ≥ 0`);
  }
  for (const s of input.slots) {
    if (!(s.hours > 0))
      throw new Error(
        `planner: slot at ${new Date(s.start).toISOString()} has length ${s.hours} h; give a positive length`,
      );
    if (!Number.isFinite(s.price)) throw new Error(`planner: slot at ${new Date(s.start).toISOString()} has no price`);
  }
  for (const j of input.jobs) {
    if (j.workNeeded !== undefined && !(j.workNeeded >= 0))
      throw new Error(`planner: job "${j.id}" needs ${j.workNeeded} work; give an amount ≥ 0`);
    if (j.workNeeded === undefined && j.mode === 'continuous')
      throw new Error(`planner: job "${j.id}" is continuous but open-ended; give workNeeded or use mode 'cheapest'`);
    if (j.workNeeded === undefined && j.runPastDeadline)
      throw new Error(
        `planner: job "${j.id}" may run past its deadline but needs no work; give workNeeded and a deadline`,
      );
    if (j.mode !== undefined && j.mode !== 'cheapest' && j.mode !== 'continuous')
      throw new Error(`planner: job "${j.id}" has mode "${String(j.mode)}"; use 'cheapest' or 'continuous'`);
  }
  const th = input.thermal;
  if (th) {
    if (!(th.uaWPerK > 0))
      throw new Error(
        `planner: thermal.uaWPerK is ${th.uaWPerK} W/K; a house loses heat, give a heat-loss coefficient above 0 (a typical 120 m² house: about 200 W/K)`,
      );
    if (!(th.capacityWhPerK > 0))
      throw new Error(
        `planner: thermal.capacityWhPerK is ${th.capacityWhPerK} Wh/K; give a heat capacity above 0 (a typical 120 m² house: about 10,000 Wh/K)`,
      );
    if (!Number.isFinite(th.indoorC))
      throw new Error('planner: thermal.indoorC is missing; give the indoor temperature now, °C');
    if (!(th.sourceCapW >= 0))
      throw new Error(`planner: thermal.sourceCapW is ${th.sourceCapW} W; give the heat source's capacity, ≥ 0 W`);
    for (const s of input.slots) {
      const at = new Date(s.start).toISOString();
      if (s.outdoorC === undefined || !Number.isFinite(s.outdoorC))
        throw new Error(
          `planner: slot at ${at} has no outdoor temperature; the thermal model needs one per slot (fill weather gaps first)`,
        );
      if (s.comfort && !(s.comfort.minC <= s.comfort.maxC))
        throw new Error(
          `planner: slot at ${at} has its comfort band upside down (${s.comfort.minC} °C to ${s.comfort.maxC} °C); give the lower bound first`,
        );
    }
  }
}
