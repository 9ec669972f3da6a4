/** A slot as the band needs it: its length, the outdoor temperature, the band from the schedule. */
export type BandSlot = { hours: number; outdoorC: number; comfort: { minC: number; maxC: number } };

/**
 * The schedule's bands with each upper bound raised to what the room reaches by itself: nothing
 * cools it, so after the setpoint drops (21 °C to 17 °C at night) a house with a time constant of
 * days stays above the new upper bound for hours whatever is planned. Left as it is, that bound
 * would make the planner under-heat before the drop to shorten the time above it. Raised, it can
 * always be met by not heating: U_t = max(maxC_t, a·U_{t−1} + (1 − a)·T_out), with the room's
 * start temperature in place of U_{−1}, a = exp(−UA·h/C) (heating.md, "Thermal mode"). The lower
 * bounds are left alone: reaching those in time is what pre-heating is for.
 */
export function reachableBands(room: { uaWPerK: number; capacityWhPerK: number; indoorC: number }, slots: BandSlot[]): { minC: number; maxC: number }[] {
  let upper = room.indoorC;
  return slots.map((s) => {
    const a = Math.exp((-room.uaWPerK * s.hours) / room.capacityWhPerK);
    upper = Math.max(s.comfort.maxC, a * upper + (1 - a) * s.outdoorC);
    return { minC: s.comfort.minC, maxC: upper };
  });
}
