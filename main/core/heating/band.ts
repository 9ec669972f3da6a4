import { at } from '#workers/planner/at';
import { sourceStep } from '#workers/planner/evaluate';

/** A slot as the band needs it: its length, the outdoor temperature, the band from the schedule. */
export type BandSlot = { hours: number; outdoorC: number; comfort: { minC: number; maxC: number } };

/**
 * The schedule's bands with each upper bound raised to what the room can meet (heating.md,
 * "Thermal mode"). Twice:
 * - to what the room must be pre-heated to, with the source at full output, to reach a later
 *   lower bound in time (a backward pass). Before the setpoint rises in the morning a thermostat
 *   with optimum start warms the room above the night's upper bound; penalised for that as for
 *   being cold, the planner would rather stay below the morning's setpoint;
 * - to what the room reaches by itself: nothing cools it, so after the setpoint drops (21 °C to
 *   17 °C at night) a house with a time constant of days stays above the new upper bound for
 *   hours whatever is planned, and the planner would under-heat before the drop to shorten that:
 *   U_t = max(maxC_t, need_t, a·U_{t−1} + (1 − a)·T_out), the room's start temperature for U_{−1}.
 * The lower bounds are left alone: reaching those in time is what pre-heating is for.
 */
export function reachableBands(
  room: { uaWPerK: number; capacityWhPerK: number; indoorC: number; sourceCapW: number },
  slots: BandSlot[],
): { minC: number; maxC: number }[] {
  const need = new Array<number>(slots.length).fill(-Infinity);
  let next = -Infinity;
  for (let t = slots.length - 1; t >= 0; t--) {
    const s = at(slots, t);
    need[t] = Math.max(s.comfort.minC, next);
    const { a, b } = sourceStep(room, s.hours);
    next = (at(need, t) - (1 - a) * s.outdoorC - b * room.sourceCapW) / a;
  }
  let upper = room.indoorC;
  return slots.map((s, t) => {
    const { a } = sourceStep(room, s.hours);
    upper = Math.max(s.comfort.maxC, at(need, t), a * upper + (1 - a) * s.outdoorC);
    return { minC: s.comfort.minC, maxC: upper };
  });
}
