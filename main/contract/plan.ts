import { z } from 'zod';
import { deviceIdSchema, jobIdSchema, type DeviceId, type JobId } from './id.ts';
import type { ArgSchemas, Handler } from './rpc.ts';

// The planner's vocabulary: what it is asked (PlanInput) and what it answers (Plan). Plain data,
// so the planner stays a pure function: callers (scheduler, backtest, bench) translate tariff,
// heating and job state into these, and the plan crosses threads and transports as it is.

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
 * The home as one thermal node (see main/core/planner/planner.md, "Thermal model"). With it the
 * planner chooses the heat source's output per slot as well as the compute, keeping the indoor
 * temperature in each slot's comfort band; `heatCreditPerKWh` is then what a kWh of the source's
 * heat costs, and `heatDemandW` is not used.
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
  id: DeviceId;
  /** Running levels (off is implicit). */
  levels: PowerLevel[];
  /** Minimum number of consecutive slots once started (≥ 1). */
  minRunSlots?: number;
  /** Minimum number of consecutive slots once stopped (≥ 1). */
  minPauseSlots?: number;
  maxTempC?: number;
  /**
   * false: the device stands outside the heated space: its power costs electricity but its heat
   * counts for nothing (no heat credit in the demand model, no effect on the indoor temperature in
   * the thermal model); default true.
   */
  heats?: boolean;
};

export type PlanJob = {
  id: JobId;
  /** Job kind, matched against `PowerLevel.rates`. */
  kind: string;
  /** Money per unit of work done (mining: expected revenue per hash). */
  valuePerWork: number;
  /** Work that must be done before `deadline`; absent = open-ended (mining). */
  workNeeded?: number;
  /** ms since the epoch; work in slots that end after it does not count towards `workNeeded`. */
  deadline?: number;
  /** Devices that may run it; absent = all. */
  devices?: DeviceId[];
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

/** The planner's input: slots, devices, jobs, limits and the optional thermal model. */
export type PlanInput = {
  slots: PlanSlot[];
  devices: PlanDevice[];
  jobs: PlanJob[];
  limits: PlanLimits;
  /** Absent: the demand model (heat counts up to each slot's `heatDemandW`). */
  thermal?: ThermalModel;
};

/** One device's decision in one slot; `job` null = off (then `level` is −1). */
export type PlanDecision = { device: DeviceId; job: JobId | null; level: number; powerW: number; work: number };

/** A planned slot with its expected figures (money in the tariff's currency) and why. */
export type PlannedSlot = {
  start: number;
  /** The slot's price per kWh (as given). */
  price: number;
  decisions: PlanDecision[];
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
export type Shortfall = { job: JobId; missingWork: number; missingAtEnd?: number };

/**
 * How right a plan is: `optimal` proven optimal (to 1e-6 relative); `feasible` HiGHS stopped at
 * its time limit with a plan at most `gap` (relative) below the optimum; `heuristic` the fast plan
 * alone, for `reason` (planner.md, "Status").
 */
export type PlanStatus =
  | { kind: 'optimal' }
  /** `on`: the gap is on the missing deadline work ('shortfall') or late work ('late'), not on the net. */
  | { kind: 'feasible'; gap: number; on?: 'shortfall' | 'late' }
  | { kind: 'heuristic'; reason: string };

export type PlanTotals = {
  energyKWh: number;
  heatKWh: number;
  heatCredit: number;
  cost: number;
  revenue: number;
  /** Thermal model: heat from the home's heat source (kWh) and its cost; 0 otherwise. */
  sourceHeatKWh: number;
  sourceCost: number;
  /** Kelvin-hours below the comfort band (thermal model, at slot ends), K·h. */
  comfortKh: number;
  net: number;
};

/** Which method produced a plan: 'dp' the exact DP route (planner.md), 'milp' HiGHS, 'heuristic' the fast plan alone. */
export type PlanSolver = 'dp' | 'milp' | 'heuristic';

/** The planner's answer: every slot, totals, and deadline jobs whose work cannot fit. */
export type Plan = {
  slots: PlannedSlot[];
  totals: PlanTotals;
  /** Deadline jobs whose work cannot fit; empty when every deadline is met. */
  shortfalls: Shortfall[];
  solver: PlanSolver;
  status: PlanStatus;
  /** How long planning took, ms. */
  planMs: number;
  /** What the plan cannot do that the settings ask (a comfort band it cannot hold), naming the settings that decide it. */
  warnings?: string[];
};

/** A manual override: wins over the plan until `until` (ms since the epoch), then expires. */
export type PlanOverride =
  | { kind: 'run'; device: DeviceId; job: JobId; level: number; powerW: number; until: number }
  | { kind: 'pause'; until: number };

/** What the scheduler put into effect for the slot that began. */
export type PlanApplied = {
  slotStart: number;
  decisions: PlanDecision[];
  reason: string;
  source: 'plan' | 'override' | 'none';
};

export type PlanHandlers = {
  /** The current 48-hour plan, or null before the first planning finished. */
  'plan-get': Handler<
    Record<string, never>,
    { plan: Plan | null; override: PlanOverride | null; applied: PlanApplied | null }
  >;
  /** Sets a manual override, or clears it with null. */
  'plan-override': Handler<{ override: PlanOverride | null }, { override: PlanOverride | null }>;
  /** The planning problem as the next planning would see it, with the time and time limit it would use. */
  'plan-input': Handler<Record<string, never>, PlanInstance>;
};

export type PlanEvents = {
  'plan-updated': Plan;
  'plan-applied': PlanApplied;
};

const overrideSchema = z.union([
  z
    .object({
      kind: z.literal('run'),
      device: deviceIdSchema,
      job: jobIdSchema,
      level: z.number().int().min(0),
      powerW: z.number().min(0),
      until: z.number(),
    })
    .strict(),
  z.object({ kind: z.literal('pause'), until: z.number() }).strict(),
]);

export const planArgs: ArgSchemas<PlanHandlers> = {
  'plan-get': z.object({}).strict(),
  'plan-override': z.object({ override: overrideSchema.nullable() }).strict(),
  'plan-input': z.object({}).strict(),
};

// The planner's input as a file may carry it. Strict objects: a misspelt field is named, not
// dropped, and a field this version does not know fails instead of being ignored.
const comfortSchema = z.object({ minC: z.number(), maxC: z.number() }).strict();
const planSlotSchema = z
  .object({
    start: z.number().int(),
    hours: z.number().positive(),
    price: z.number(),
    heatDemandW: z.number().min(0),
    heatCreditPerKWh: z.number(),
    quiet: z.boolean(),
    outdoorC: z.number().optional(),
    comfort: comfortSchema.optional(),
  })
  .strict();
const powerLevelSchema = z
  .object({ powerW: z.number().min(0), rates: z.record(z.string(), z.number().min(0)), tempC: z.number().optional() })
  .strict();
const planDeviceSchema = z
  .object({
    id: deviceIdSchema,
    levels: z.array(powerLevelSchema),
    minRunSlots: z.number().int().min(1).optional(),
    minPauseSlots: z.number().int().min(1).optional(),
    maxTempC: z.number().optional(),
    heats: z.boolean().optional(),
  })
  .strict();
const planJobSchema = z
  .object({
    id: jobIdSchema,
    kind: z.string().min(1),
    valuePerWork: z.number(),
    workNeeded: z.number().min(0).optional(),
    deadline: z.number().optional(),
    devices: z.array(deviceIdSchema).optional(),
    mode: z.enum(['cheapest', 'continuous']).optional(),
    runPastDeadline: z.boolean().optional(),
  })
  .strict();
const planLimitsSchema = z
  .object({ powerCapW: z.number().min(0).optional(), quietCapW: z.number().min(0).optional() })
  .strict();
const thermalSchema = z
  .object({
    uaWPerK: z.number().positive(),
    capacityWhPerK: z.number().positive(),
    indoorC: z.number(),
    sourceCapW: z.number().min(0),
    comfortPenaltyPerKh: z.number().min(0).optional(),
  })
  .strict();
export const planInputSchema = z
  .object({
    slots: z.array(planSlotSchema),
    devices: z.array(planDeviceSchema),
    jobs: z.array(planJobSchema),
    limits: planLimitsSchema,
    thermal: thermalSchema.optional(),
  })
  .strict();

/** The file format `hearth plan --export` writes and `hearth plan --instance` reads (docs/plan-instance.md). */
export const planInstanceSchema = z
  .object({
    format: z.literal('hearth-plan-instance'),
    version: z.literal(1),
    now: z.number().int(),
    timeLimitMs: z.number().positive(),
    input: planInputSchema,
  })
  .strict();

/**
 * One planning problem, whole: the input, the time the plan is made at (ms since the epoch: slots
 * that ended by then are not planned) and HiGHS's time limit, ms.
 */
export type PlanInstance = {
  format: 'hearth-plan-instance';
  version: 1;
  now: number;
  timeLimitMs: number;
  input: PlanInput;
};

// The types above and the schemas describe one thing: a field added to one and not the other fails
// to compile here instead of failing a user's file (fields, and then their types: a device id is a DeviceId).
type SameFields<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never]
  ? [A] extends [B]
    ? [B] extends [A]
      ? true
      : never
    : never
  : never;
const sameFields: [
  SameFields<PlanInput, z.output<typeof planInputSchema>>,
  SameFields<PlanSlot, z.output<typeof planSlotSchema>>,
  SameFields<NonNullable<PlanSlot['comfort']>, z.output<typeof comfortSchema>>,
  SameFields<PlanDevice, z.output<typeof planDeviceSchema>>,
  SameFields<PowerLevel, z.output<typeof powerLevelSchema>>,
  SameFields<PlanJob, z.output<typeof planJobSchema>>,
  SameFields<PlanLimits, z.output<typeof planLimitsSchema>>,
  SameFields<ThermalModel, z.output<typeof thermalSchema>>,
  SameFields<PlanInstance, z.output<typeof planInstanceSchema>>,
] = [true, true, true, true, true, true, true, true, true];
void sameFields;
