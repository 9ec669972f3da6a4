import type { PlanStatus, PlanTotals } from '#contract/plan';

/**
 * The planner's own input and output types. They are plain data so the planner stays a pure
 * function: callers (scheduler, backtest, bench) translate tariff/heating/job state into these.
 */

export type PlanSlot = {
  /** ms since the epoch, UTC. */
  start: number;
  /** Length in hours (0.25 for 15-minute slots). */
  hours: number;
  /** What a kWh drawn costs, per kWh. */
  price: number;
  /** Heat the house needs in this slot, W (mean over the slot). */
  heatDemandW: number;
  /** What a kWh of heat that meets demand is worth (the displaced boiler's cost), per kWh. */
  heatCreditPerKWh: number;
  /** Quiet hour: total power limited to `limits.quietCapW`. */
  quiet: boolean;
  /** Thermal model only: mean outdoor temperature over the slot, °C. */
  outdoorC?: number;
  /** Thermal model only: the comfort band the indoor temperature must stay in at the slot's end, °C. */
  comfort?: { minC: number; maxC: number };
};

/**
 * The home as one thermal node (see planner.md, "Thermal model"). With it the planner chooses the
 * heat source's output per slot as well as the compute, keeping the indoor temperature in each
 * slot's comfort band; `heatCreditPerKWh` is then what a kWh of the source's heat costs, and
 * `heatDemandW` is not used.
 */
export type ThermalModel = {
  /** Heat-loss coefficient, W/K. */
  uaWPerK: number;
  /** Heat capacity, Wh/K. */
  capacityWhPerK: number;
  /** Indoor temperature at the first slot's start, °C. */
  indoorC: number;
  /** Most heat the heat source can deliver, W (0: no heat source). */
  sourceCapW: number;
  /**
   * Money per kelvin-hour outside the band. The band is soft so that a cold snap the source
   * cannot cover still has a plan; this is large enough that no price makes leaving it pay.
   */
  comfortPenaltyPerKh?: number;
};

export type PowerLevel = {
  /** Electrical power at this level, W; all of it ends up as heat. */
  powerW: number;
  /** Work per hour at this level, per job kind (hashes, training steps …); absent = cannot run it. */
  rates: Record<string, number>;
  /** Expected steady temperature at this level, °C; levels over `maxTempC` are not used. */
  tempC?: number;
};

export type PlanDevice = {
  id: string;
  /** Running levels (off is implicit). */
  levels: PowerLevel[];
  /** Minimum number of consecutive slots once started (≥ 1). */
  minRunSlots?: number;
  /** Minimum number of consecutive slots once stopped (≥ 1). */
  minPauseSlots?: number;
  maxTempC?: number;
};

export type PlanJob = {
  id: string;
  /** Job kind, matched against `PowerLevel.rates`. */
  kind: string;
  /** Money per unit of work done (mining: expected revenue per hash). */
  valuePerWork: number;
  /** Work that must be done before `deadline`; absent = open-ended (mining). */
  workNeeded?: number;
  /** ms since the epoch; work in slots that end after it does not count towards `workNeeded`. */
  deadline?: number;
  /** Devices that may run it; absent = all. */
  devices?: string[];
  /**
   * 'cheapest' (default): may start and stop in any slots. 'continuous': one unbroken block on
   * one device at one level, from its start until its work is done (or the horizon ends): the
   * executor neither pauses such a job nor changes its threads while it runs, and a finished job
   * stops. Deadline jobs only.
   */
  mode?: 'cheapest' | 'continuous';
  /**
   * Keep running past a missed deadline until the work is done: work after the deadline counts
   * (value, up to `workNeeded`) but the shortfall at the deadline is still reported. Deadline jobs only.
   */
  runPastDeadline?: boolean;
};

export type PlanLimits = {
  /** Total power cap over all devices, W. */
  powerCapW?: number;
  /** Total power cap in quiet slots, W. */
  quietCapW?: number;
};

export type PlanInput = {
  slots: PlanSlot[];
  devices: PlanDevice[];
  jobs: PlanJob[];
  limits: PlanLimits;
  /** Absent: the demand model (heat counts up to each slot's `heatDemandW`). */
  thermal?: ThermalModel;
};

/** One device's decision in one slot; `job` null = off. */
export type DeviceDecision = { device: string; job: string | null; level: number; powerW: number; work: number };

export type SlotPlan = {
  start: number;
  /** The slot's price per kWh (as given). */
  price: number;
  decisions: DeviceDecision[];
  energyKWh: number;
  heatKWh: number;
  /** Heat that met demand, kWh. */
  usefulHeatKWh: number;
  heatCredit: number;
  cost: number;
  revenue: number;
  /** Thermal model: heat from the heat source (kWh) and what it cost; 0 in the demand model. */
  sourceHeatKWh: number;
  sourceCost: number;
  /** Thermal model: forecast indoor temperature at the slot's end, °C, and the band. */
  indoorC?: number;
  comfort?: { minC: number; maxC: number };
  net: number;
  reason: string;
};

/**
 * Work missing at the deadline. `missingAtEnd`: for a run-past-deadline job, what is still
 * missing when the horizon ends (0 = it catches up before then).
 */
export type Shortfall = { job: string; missingWork: number; missingAtEnd?: number };

/** How right the plan is (see the contract and planner.md, "Status"). */
export type { PlanStatus, PlanTotals };

/** Which method produced the plan: 'dp' the exact DP route (planner.md), 'milp' HiGHS, 'heuristic' the fast plan alone. */
export type PlanSolver = 'dp' | 'milp' | 'heuristic';

export type Plan = {
  slots: SlotPlan[];
  totals: PlanTotals;
  /** Deadline jobs whose work cannot fit; empty when every deadline is met. */
  shortfalls: Shortfall[];
  solver: PlanSolver;
  status: PlanStatus;
  /** How long planning took, ms. */
  planMs: number;
  /** What the plan cannot do that the settings ask (a comfort band it cannot hold), and which settings decide it. */
  warnings?: string[];
};


/** Per (slot, device) choice: index into the options list, 0 = off. */
export type Option = { level: number; job: number } | null;

/** Indexed access that fails loudly instead of yielding undefined (indices here are always in range). */
export function at<T>(a: readonly T[], i: number): T {
  const v = a[i];
  if (v === undefined) throw new RangeError(`index ${i} out of range (${a.length})`);
  return v;
}
