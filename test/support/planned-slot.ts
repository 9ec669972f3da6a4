import type { PlannedSlot } from '#contract/plan';

/** A planned slot for tests that read decisions and reasons: every figure 0 unless given. */
export function plannedSlot(over: Partial<PlannedSlot> & Pick<PlannedSlot, 'start' | 'decisions'>): PlannedSlot {
  return {
    price: 0,
    energyKWh: 0,
    heatKWh: 0,
    usefulHeatKWh: 0,
    heatCredit: 0,
    cost: 0,
    revenue: 0,
    sourceHeatKWh: 0,
    sourceCost: 0,
    net: 0,
    reason: '',
    ...over,
  };
}
