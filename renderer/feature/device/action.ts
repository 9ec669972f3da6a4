import type { PlanDecision, PlannedSlot, PlanOverride } from '#contract/index';
import { fmtClock, fmtSlot, fmtW } from '../../component/format.ts';

/** The scheduler's slot length when the last slot has no successor to say where it ends. */
const SLOT_MS = 15 * 60_000;
const DAY_MS = 86_400_000;

/** What one device does now and what it does next, in words for the Devices table. */
export type DeviceActions = { now: string; next: string };

export type ActionNames = {
  /** A level's name: a LAN device's own step label, else "level 2" (1 is the lowest). */
  level?: (level: number) => string | undefined;
  /** The planner's job id as people know it ("mining", a job's name). */
  job?: (planJob: string) => string;
};

/** A time in the app's clock style; with the weekday once it is a day or more away. */
function when(at: number, now: number): string {
  return at - now >= DAY_MS ? fmtSlot(at) : fmtClock(at);
}

function running(d: PlanDecision, names: ActionNames): string {
  const level = names.level?.(d.level) ?? `level ${d.level + 1}`;
  const job = d.job === null ? '' : `${names.job ? names.job(d.job) : d.job} · `;
  return `${job}${level} · ${fmtW(d.powerW, 1)}`;
}

/** "off" or the job, level and power: two decisions read the same when this is the same. */
const signature = (d: PlanDecision | undefined) => (d === undefined || d.job === null ? 'off' : `${d.job}|${d.level}`);

/**
 * The device's decision in the slot holding `now` and the first later slot that differs, from the
 * plan as the planner made it; a manual override wins while it lasts (a pause stops everything; a
 * run names one device and job).
 */
export function deviceActions(
  slots: PlannedSlot[] | null,
  override: PlanOverride | null,
  device: string,
  now: number,
  names: ActionNames = {},
): DeviceActions {
  if (override && override.until > now) {
    if (override.kind === 'pause')
      return { now: `paused by hand until ${when(override.until, now)}`, next: 'the plan' };
    if (override.device === device)
      return {
        now: `${running({ device: override.device, job: override.job, level: override.level, powerW: override.powerW, work: 0 }, names)} (by hand) until ${when(override.until, now)}`,
        next: 'the plan',
      };
  }
  if (!slots || slots.length === 0) return { now: 'no plan', next: 'no plan' };
  const i = slots.findIndex((s, k) => s.start <= now && (slots[k + 1]?.start ?? s.start + SLOT_MS) > now);
  if (i < 0) return { now: 'no plan', next: 'no plan' };
  const of = (s: PlannedSlot) => s.decisions.find((d) => d.device === device);
  const current = of(slots[i]!);
  if (current === undefined) return { now: 'not in the plan', next: 'not in the plan' };
  const nextSlot = slots.slice(i + 1).find((s) => signature(of(s)) !== signature(current));
  const until = nextSlot ? ` until ${when(nextSlot.start, now)}` : '';
  const nowText = current.job === null ? `off${until}` : `${running(current, names)}${until}`;
  if (!nextSlot) return { now: nowText, next: 'no change in the plan' };
  const d = of(nextSlot);
  const from = `from ${when(nextSlot.start, now)}`;
  return { now: nowText, next: d === undefined || d.job === null ? `off ${from}` : `${running(d, names)} ${from}` };
}
