import type { PlanDecision, PlannedSlot } from '#contract/index';
import { fmtW } from '../../component/format.ts';

const DAY_MS = 86_400_000;
/** The scheduler's slot length when a slot has no successor to say where it ends. */
const SLOT_MS = 15 * 60_000;

/** "mining on cpu at 65 W, train-a on gpu:0 at 180 W", or "everything off". */
export function describe(decisions: PlanDecision[], jobName: (planJob: string) => string = (id) => id): string {
  const on = decisions.filter((d) => d.job !== null);
  return on.length === 0
    ? 'everything off'
    : on.map((d) => `${jobName(d.job!)} on ${d.device} at ${fmtW(d.powerW)}`).join(', ');
}

/** The first planned slot after the current one that does something else. */
export function nextChange(
  slots: PlannedSlot[],
  now: number,
  jobName?: (planJob: string) => string,
): { at: number; what: string } | null {
  const signature = (s: PlannedSlot) => describe(s.decisions, jobName);
  const i = slots.findIndex((s, k) => s.start <= now && (slots[k + 1]?.start ?? Infinity) > now);
  if (i < 0) return slots[0] && slots[0].start > now ? { at: slots[0].start, what: signature(slots[0]) } : null;
  const current = signature(slots[i]!);
  const next = slots.slice(i + 1).find((s) => signature(s) !== current);
  return next ? { at: next.start, what: signature(next) } : null;
}

/** Sums of the plan's slots that overlap the next 24 hours. */
export function next24h(slots: PlannedSlot[], now: number) {
  const within = slots.filter((s, k) => (slots[k + 1]?.start ?? s.start + SLOT_MS) > now && s.start < now + DAY_MS);
  const sum = (f: (s: PlannedSlot) => number) => within.reduce((a, s) => a + f(s), 0);
  return {
    slots: within.length,
    energyKWh: sum((s) => s.energyKWh),
    heatKWh: sum((s) => s.heatKWh),
    cost: sum((s) => s.cost),
    revenue: sum((s) => s.revenue),
    heatCredit: sum((s) => s.heatCredit),
    net: sum((s) => s.net),
  };
}
