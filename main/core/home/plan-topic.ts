import { z } from 'zod';
import { homePlanSchema, type HomePlan } from '#contract/index';
import type { Plan, PlanDecision } from '#contract/plan';

const SLOT_MS = 900_000;

/** A slot's work as the home sees it: mining, training (any other job), or idle. */
export function slotAction(decisions: PlanDecision[]): 'mining' | 'training' | 'idle' {
  const running = decisions.filter((d) => d.job !== null && d.level >= 0);
  if (running.some((d) => d.job !== 'mining')) return 'training';
  return running.length > 0 ? 'mining' : 'idle';
}

/**
 * The plan as published retained on `hearth/<nodeId>/plan` (schema: homePlanSchema in the
 * contract; its JSON Schema is published retained on `hearth/<nodeId>/plan/schema`). Slots that
 * ended before `now` are left out.
 */
export function planMessage(plan: Plan, now: number, currency: string): HomePlan {
  const slots = plan.slots
    .map((s, i, all) => ({ s, end: all[i + 1]?.start ?? s.start + SLOT_MS }))
    .filter(({ end }) => end > now)
    .map(({ s, end }) => ({
      start: new Date(s.start).toISOString(),
      end: new Date(end).toISOString(),
      action: slotAction(s.decisions),
      jobs: [...new Set(s.decisions.filter((d) => d.job !== null && d.level >= 0).map((d) => d.job as string))],
      powerW: round(
        s.decisions.reduce((sum, d) => sum + Math.max(0, d.powerW), 0),
        1,
      ),
      price: s.price,
      expectedNet: round(s.net, 6),
      reason: s.reason,
    }));
  const kept = plan.slots.filter((s, i, all) => (all[i + 1]?.start ?? s.start + SLOT_MS) > now);
  return {
    version: 1,
    plannedAt: new Date(now).toISOString(),
    currency,
    slots,
    totals: {
      energyKWh: round(
        kept.reduce((sum, s) => sum + s.energyKWh, 0),
        6,
      ),
      expectedNet: round(
        kept.reduce((sum, s) => sum + s.net, 0),
        6,
      ),
    },
  };
}

/** The plan topic's JSON Schema (draft 2020-12), made from the contract's zod schema. */
export function planJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(homePlanSchema) as Record<string, unknown>;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
