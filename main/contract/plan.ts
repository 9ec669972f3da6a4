import { z } from 'zod';
import type { ArgSchemas, Handler } from './rpc.ts';

/** One device's decision in one slot; `job` null = off. */
export type PlanDecision = { device: string; job: string | null; level: number; powerW: number; work: number };

/** A planned slot with its expected figures (money in the tariff's currency) and why. */
export type PlannedSlot = {
  start: number;
  /** Price per kWh in this slot. */
  price: number;
  decisions: PlanDecision[];
  energyKWh: number;
  heatKWh: number;
  usefulHeatKWh: number;
  heatCredit: number;
  cost: number;
  revenue: number;
  /** Thermal model: heat from the home's heat source (kWh) and its cost; 0 otherwise. */
  sourceHeatKWh: number;
  sourceCost: number;
  /** Thermal model: forecast indoor temperature at the slot's end (°C) and the comfort band. */
  indoorC?: number;
  comfort?: { minC: number; maxC: number };
  net: number;
  reason: string;
};

/**
 * How right a plan is: `optimal` proven optimal (to 1e-6 relative); `feasible` HiGHS stopped at
 * its time limit with a plan at most `gap` (relative) below the optimum; `heuristic` the fast plan
 * alone, for `reason`.
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

/** The planner's result: every slot, totals, and deadline jobs whose work cannot fit. */
export type PlanResult = {
  slots: PlannedSlot[];
  totals: PlanTotals;
  /** missingAtEnd: for a job that may run past its deadline, work still missing when the horizon ends. */
  shortfalls: { job: string; missingWork: number; missingAtEnd?: number }[];
  /** Which method produced it: 'dp' the exact DP route, 'milp' HiGHS, 'heuristic' the fast plan alone. */
  solver?: 'dp' | 'milp' | 'heuristic';
  status?: PlanStatus;
  /** What the plan cannot do that the settings ask (a comfort band it cannot hold), naming the settings that decide it. */
  warnings?: string[];
  /** How long planning took, ms. */
  planMs?: number;
};

/** A manual override: wins over the plan until `until` (ms since the epoch), then expires. */
export type PlanOverride =
  | { kind: 'run'; device: string; job: string; level: number; powerW: number; until: number }
  | { kind: 'pause'; until: number };

/** What the scheduler put into effect for the slot that began. */
export type PlanApplied = { slotStart: number; decisions: PlanDecision[]; reason: string; source: 'plan' | 'override' | 'none' };

export type PlanHandlers = {
  /** The current 48-hour plan, or null before the first planning finished. */
  'plan-get': Handler<Record<string, never>, { plan: PlanResult | null; override: PlanOverride | null; applied: PlanApplied | null }>;
  /** Sets a manual override, or clears it with null. */
  'plan-override': Handler<{ override: PlanOverride | null }, { override: PlanOverride | null }>;
  /** The planning problem as the next planning would see it, with the time and time limit it would use. */
  'plan-input': Handler<Record<string, never>, PlanInstance>;
};

export type PlanEvents = {
  'plan-updated': PlanResult;
  'plan-applied': PlanApplied;
};

const overrideSchema = z.union([
  z.object({ kind: z.literal('run'), device: z.string().min(1), job: z.string().min(1), level: z.number().int().min(0), powerW: z.number().min(0), until: z.number() }).strict(),
  z.object({ kind: z.literal('pause'), until: z.number() }).strict(),
]);

export const planArgs: ArgSchemas<PlanHandlers> = {
  'plan-get': z.object({}).strict(),
  'plan-override': z.object({ override: overrideSchema.nullable() }).strict(),
  'plan-input': z.object({}).strict(),
};

// The planner's input (main/core/planner/model.ts, which documents each field) as a file may carry
// it. Strict objects: a misspelt field is named, not dropped, and a field this version does not
// know fails instead of being ignored.
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
const powerLevelSchema = z.object({ powerW: z.number().min(0), rates: z.record(z.string(), z.number().min(0)), tempC: z.number().optional() }).strict();
const planDeviceSchema = z
  .object({
    id: z.string().min(1),
    levels: z.array(powerLevelSchema),
    minRunSlots: z.number().int().min(1).optional(),
    minPauseSlots: z.number().int().min(1).optional(),
    maxTempC: z.number().optional(),
  })
  .strict();
const planJobSchema = z
  .object({
    id: z.string().min(1),
    kind: z.string().min(1),
    valuePerWork: z.number(),
    workNeeded: z.number().min(0).optional(),
    deadline: z.number().optional(),
    devices: z.array(z.string().min(1)).optional(),
    mode: z.enum(['cheapest', 'continuous']).optional(),
    runPastDeadline: z.boolean().optional(),
  })
  .strict();
const thermalSchema = z
  .object({ uaWPerK: z.number().positive(), capacityWhPerK: z.number().positive(), indoorC: z.number(), sourceCapW: z.number().min(0), comfortPenaltyPerKh: z.number().min(0).optional() })
  .strict();
export const planProblemSchema = z
  .object({
    slots: z.array(planSlotSchema),
    devices: z.array(planDeviceSchema),
    jobs: z.array(planJobSchema),
    limits: z.object({ powerCapW: z.number().min(0).optional(), quietCapW: z.number().min(0).optional() }).strict(),
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
    input: planProblemSchema,
  })
  .strict();

/** The planner's input: slots, devices, jobs, limits and the optional thermal model. */
export type PlanProblem = z.infer<typeof planProblemSchema>;

/**
 * One planning problem, whole: the input, the time the plan is made at (ms since the epoch: slots
 * that ended by then are not planned) and HiGHS's time limit, ms.
 */
export type PlanInstance = z.infer<typeof planInstanceSchema>;
