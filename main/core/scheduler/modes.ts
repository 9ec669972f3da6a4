/**
 * Run modes (off / plan / now / heat only) per device and per job. The planner itself knows no
 * modes: `off` and part of `heat` change what it is asked (a device with no running level, a job
 * left out, a job worth nothing beyond its heat), and `now` and the rest of `heat` bend its answer
 * slot by slot, after which the bent plan's figures are worked out again by the planner's own
 * evaluation, so cost, heat and net stay those of what will run.
 */
import {
  FINAL_JOB_STATES,
  type JobState,
  type Plan,
  type PlanDecision,
  type PlanInput,
  type PlannedSlot,
  type RunMode,
  type RunModes,
} from '#contract/index';
import { deviceOptions, evaluate } from '#workers/planner/evaluate';

export const NO_MODES: RunModes = { devices: {}, jobs: {} };

const jobNumber = (planJob: string): string | null => /^job:(\d+)$/.exec(planJob)?.[1] ?? null;

export function jobMode(modes: RunModes, planJob: string): RunMode {
  const n = jobNumber(planJob);
  return (n !== null ? modes.jobs[n] : undefined) ?? 'plan';
}

export function deviceMode(modes: RunModes, device: string): RunMode {
  return modes.devices[device] ?? 'plan';
}

/** What the planner is asked: devices switched off have no running level; jobs switched off are left out; heat-only jobs earn nothing beyond their heat. */
export function modeInput(input: PlanInput, modes: RunModes): PlanInput {
  return {
    ...input,
    devices: input.devices.map((d) => (deviceMode(modes, d.id) === 'off' ? { ...d, levels: [] } : d)),
    jobs: input.jobs
      .filter((j) => jobMode(modes, j.id) !== 'off')
      .map((j) => (jobMode(modes, j.id) === 'heat' ? { ...j, valuePerWork: 0 } : j)),
  };
}

/** A slot where the heating needs heat. */
const needsHeat = (input: PlanInput, t: number) => (input.slots[t]?.heatDemandW ?? 0) > 0;

/**
 * The plan bent by the `now` and `heat` modes. `input` is what the planner was asked (after
 * `modeInput`); slots that ended before the plan's first are dropped here as the planner dropped
 * them. Returns the plan unchanged when no mode changes a decision, else with every slot's figures
 * evaluated again, the changed slots' reasons naming the mode, and the status saying the
 * planner's answer was bent (its proof was for the plan before that). `queued`: the queue's
 * unfinished jobs, so that a job switched off is named in each slot's reason while it waits.
 */
export function applyModes(
  input: PlanInput,
  plan: Plan,
  modes: RunModes,
  currency = 'EUR',
  queued: ReadonlySet<number> = new Set(),
): Plan {
  const first = plan.slots[0]?.start;
  if (first === undefined) return plan;
  const live: PlanInput = { ...input, slots: input.slots.filter((s) => s.start >= first) };
  if (live.slots.length !== plan.slots.length) return plan;
  const opts = live.devices.map((_, d) => deviceOptions(live, d));
  const jobIndex = new Map(live.jobs.map((j, i) => [j.id as string, i]));
  const topLevel = (d: number, j: number): number => {
    let best = -1;
    for (const o of opts[d] ?? [])
      if (
        o &&
        o.job === j &&
        (best < 0 || live.devices[d]!.levels[o.level]!.powerW > live.devices[d]!.levels[best]!.powerW)
      )
        best = o.level;
    return best;
  };
  /** The cap on the slot's total power: the power cap, and in quiet hours the quiet cap too. */
  const capOf = (t: number): { w: number; what: string } | null => {
    const caps: { w: number; what: string }[] = [];
    if (live.limits.powerCapW !== undefined) caps.push({ w: live.limits.powerCapW, what: 'the power cap' });
    if (live.slots[t]!.quiet && live.limits.quietCapW !== undefined)
      caps.push({ w: live.limits.quietCapW, what: 'the quiet-hours cap' });
    return caps.sort((a, b) => a.w - b.w)[0] ?? null;
  };
  /**
   * `now` runs whatever the price, not past the user's power limits: the highest level of job j
   * on device d that keeps the slot's total power within its cap (−1: none does).
   */
  const fitLevel = (d: number, j: number, t: number, pick: { level: number; job: number }[]): number => {
    const cap = capOf(t);
    const others = pick.reduce(
      (a, p, k) => (k === d || p.job < 0 ? a : a + live.devices[k]!.levels[p.level]!.powerW),
      0,
    );
    let best = -1;
    for (const o of opts[d] ?? []) {
      if (!o || o.job !== j) continue;
      const w = live.devices[d]!.levels[o.level]!.powerW;
      if (cap && others + w > cap.w + 1e-9) continue;
      if (best < 0 || w > live.devices[d]!.levels[best]!.powerW) best = o.level;
    }
    return best;
  };
  const capNote = (t: number, what: string) => {
    const cap = capOf(t);
    return cap ? `mode now: ${what} cannot run within ${cap.what} (${cap.w} W)` : `mode now: no device can run ${what}`;
  };
  const allowed = (j: number, t: number) => jobMode(modes, live.jobs[j]!.id) !== 'heat' || needsHeat(live, t);
  const notes: string[][] = plan.slots.map(() => []);

  const choice: number[][] = plan.slots.map((slot, t) => {
    const dec: (PlanDecision | null)[] = live.devices.map(
      (dev) => slot.decisions.find((x) => x.device === dev.id) ?? null,
    );
    const pick: { level: number; job: number }[] = dec.map((x) => ({
      level: x && x.job !== null ? x.level : -1,
      job: x && x.job !== null ? (jobIndex.get(x.job) ?? -1) : -1,
    }));
    live.devices.forEach((dev, d) => {
      const p = pick[d]!;
      // Heat only: no run in a slot without heat demand, whoever asked for it.
      if (p.job >= 0 && (deviceMode(modes, dev.id) === 'heat' || !allowed(p.job, t)) && !needsHeat(live, t)) {
        notes[t]!.push(`heat only: ${live.jobs[p.job]!.id} on ${dev.id} waits, no heat is needed in this slot`);
        pick[d] = { level: -1, job: -1 };
      }
    });
    // A job in `now` runs in every slot: on a device already running it, else on the first
    // device (not switched off) that can run it, at that device's highest level for it.
    live.jobs.forEach((job, j) => {
      if (jobMode(modes, job.id) !== 'now') return;
      const on = pick.findIndex((p) => p.job === j);
      const d =
        on >= 0
          ? on
          : live.devices.findIndex(
              (_, k) => topLevel(k, j) >= 0 && jobMode(modes, live.jobs[pick[k]!.job]?.id ?? '') !== 'now',
            );
      const level = d < 0 ? -1 : fitLevel(d, j, t, pick);
      if (level < 0) {
        notes[t]!.push(d < 0 ? `mode now: no device can run ${job.id} now` : capNote(t, job.id));
        return;
      }
      if (pick[d]!.job !== j || pick[d]!.level !== level) {
        notes[t]!.push(
          `mode now: ${job.id} on ${live.devices[d]!.id} at ${live.devices[d]!.levels[level]!.powerW.toFixed(0)} W whatever the price (${live.slots[t]!.price.toFixed(4)} ${currency}/kWh)`,
        );
        pick[d] = { level, job: j };
      }
    });
    // A device in `now` runs in every slot: what it has (at its highest level), else the first job it can run.
    live.devices.forEach((dev, d) => {
      if (deviceMode(modes, dev.id) !== 'now') return;
      const p = pick[d]!;
      const candidates = p.job >= 0 ? [p.job] : live.jobs.map((_, j) => j).filter((j) => allowed(j, t));
      const j = candidates.find((k) => topLevel(d, k) >= 0);
      const level = j === undefined ? -1 : fitLevel(d, j, t, pick);
      if (j === undefined || level < 0) {
        notes[t]!.push(j === undefined ? `mode now: ${dev.id} has no job it can run` : capNote(t, dev.id));
        return;
      }
      if (p.job !== j || p.level !== level) {
        notes[t]!.push(
          `mode now: ${dev.id} runs ${live.jobs[j]!.id} at ${dev.levels[level]!.powerW.toFixed(0)} W whatever the price (${live.slots[t]!.price.toFixed(4)} ${currency}/kWh)`,
        );
        pick[d] = { level, job: j };
      }
    });
    return pick.map((p, d) => {
      if (p.job < 0) return 0;
      const k = (opts[d] ?? []).findIndex((o) => o !== null && o.level === p.level && o.job === p.job);
      return Math.max(0, k);
    });
  });

  // Which slots did the bending change? (A note alone, such as "no device can run it", changes nothing.)
  const before = plan.slots.map((slot) =>
    live.devices.map((dev) => {
      const x = slot.decisions.find((y) => y.device === dev.id);
      return x && x.job !== null ? `${x.job}@${x.level}` : 'off';
    }),
  );
  const after = choice.map((row) =>
    row.map((k, d) => {
      const o = opts[d]?.[k];
      return o ? `${live.jobs[o.job]!.id}@${o.level}` : 'off';
    }),
  );
  const moved = plan.slots.map((_, t) => before[t]!.join() !== after[t]!.join());
  const changed = moved.some(Boolean);
  const standing = standingNotes(live, modes, queued);
  // A changed slot leads with the mode; an unchanged one keeps the planner's words and adds any
  // note (a `now` the limits held back). Notes that say a heat-only run waits come with a change.
  const reason = (s: PlannedSlot, t: number) =>
    (moved[t] ? [...notes[t]!, `the planner alone had: ${s.reason}`] : [s.reason, ...notes[t]!])
      .concat(standing)
      .filter((x) => x !== '')
      .join('; ');
  if (!changed)
    return standing.length || notes.some((n) => n.length)
      ? { ...plan, slots: plan.slots.map((s, t) => ({ ...s, reason: reason(s, t) })) }
      : plan;

  const sourceW = live.thermal ? plan.slots.map((s, t) => (s.sourceHeatKWh * 1000) / live.slots[t]!.hours) : undefined;
  const ev = evaluate(live, choice, sourceW);
  const { sourceW: _w, objective: _o, ...figures } = ev;
  return {
    ...plan,
    ...figures,
    slots: ev.slots.map((s, t) => ({ ...s, reason: reason(plan.slots[t]!, t) })),
    status: {
      kind: 'heuristic',
      reason: 'the run modes (now, heat only) changed the planner’s plan; its figures are for what will run',
    },
  };
}

/** Modes that hold in every slot, said once per slot so each slot's reason names them. */
function standingNotes(input: PlanInput, modes: RunModes, queued: ReadonlySet<number>): string[] {
  const out: string[] = [];
  for (const [id, m] of Object.entries(modes.devices))
    if (m === 'off' && input.devices.some((d) => d.id === id)) out.push(`${id} switched off`);
  for (const [id, m] of Object.entries(modes.jobs))
    if (m === 'off' && queued.has(Number(id))) out.push(`job:${id} switched off`);
  return out;
}

/** What bends a plan besides its input: the modes, the currency the reasons quote, the queue. */
export type ModeContext = {
  modes: RunModes;
  currency: string;
  /** Every unfinished job, held ones too: a job switched off while it ran is paused and held. */
  jobs: readonly { id: number; state: JobState }[];
};

/**
 * The one way from a planning problem (its input already `modeInput`) to the plan carried out: the
 * planner's answer bent by the run modes. The scheduler and `hearth plan` both plan through this,
 * so the CLI prints the plan the app runs.
 */
export async function planInModes(
  input: PlanInput,
  solve: (input: PlanInput, currency: string) => Promise<Plan>,
  ctx: ModeContext,
): Promise<Plan> {
  const made = await solve(input, ctx.currency);
  const waiting = ctx.jobs.filter((j) => !FINAL_JOB_STATES.includes(j.state)).map((j) => j.id);
  return applyModes(input, made, ctx.modes, ctx.currency, new Set(waiting));
}
