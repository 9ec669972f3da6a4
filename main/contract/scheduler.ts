import { z } from 'zod';
import { deviceIdSchema, type DeviceId, type JobId } from './id.ts';
import type { ArgSchemas, Handler } from './rpc.ts';

/**
 * What the scheduler did or could not do, stored in the ledger (`plan_event`). A decision is a
 * change to a device's work; a deviation is reality departing from the plan (a device too hot, a
 * job failed, an apply error, a presence rule pausing or capping work).
 */
export type PlanEventKind = 'decision' | 'deviation' | 'override' | 'planned' | 'error';

export type PlanEvent = {
  id: number;
  at: number;
  kind: PlanEventKind;
  /** Device the event concerns ("cpu", "gpu:0"), or null for the whole plan. */
  device: DeviceId | null;
  /** Planner job id ("mining", "job:7"), or null. */
  job: JobId | null;
  message: string;
};

/** What a presence rule does while it holds: stop all work, or hold power to `capPct` of the device's maximum. */
export type PresenceAction = 'pause' | 'cap';

export type PresenceSettings = {
  /** While the user is active (keyboard or mouse used within `resumeAfterIdleMin`). */
  userActive: { enabled: boolean; action: PresenceAction; capPct: number };
  /** Work resumes once the user has been idle this long, minutes. */
  resumeAfterIdleMin: number;
  /** While one of these programs runs (process names, case-insensitive, ".exe" optional). */
  programs: { names: string[]; action: PresenceAction; capPct: number };
  /** While the computer runs on battery. */
  battery: { enabled: boolean; action: PresenceAction; capPct: number };
};

/** One rule that holds now, as the plan's reasons show it ("paused: user active"). */
export type PresenceRule = {
  rule: 'user-active' | 'program' | 'battery';
  action: PresenceAction;
  capPct: number;
  reason: string;
};

export type PresenceStatus = {
  settings: PresenceSettings;
  /** Seconds since the last keyboard or mouse input; null where no source exists (plain `hearth serve`). */
  idleSec: number | null;
  idleAvailable: boolean;
  /** Listed programs seen running at the last check (every ~30 s). */
  runningPrograms: string[];
  /** null where the machine reports no battery state. */
  onBattery: boolean | null;
  checkedAt: number | null;
  active: PresenceRule[];
};

/**
 * The planner's limits as the user sets them: a total power cap, quiet hours (local clock times of
 * this computer, may wrap past midnight) with their own cap, minimum run and pause lengths for every
 * device, and the temperature at which a device stops its work.
 */
export type PlanLimitSettings = {
  /** Total power over all devices, W; null = no cap. */
  powerCapW: number | null;
  quiet: { enabled: boolean; from: string; to: string; capW: number };
  /** Once started, a device runs at least this long (rounded up to whole slots). */
  minRunMin: number;
  /** Once stopped, a device stays off at least this long. */
  minPauseMin: number;
  /** A device at or above this stops its work for the slot; the planner skips levels expected to run hotter. */
  maxTempC: number;
  /**
   * How long HiGHS may search for the optimum, s (absent: 10). Past it the plan says how far from
   * the optimum it may be ("feasible, gap …") or that it is the fast plan alone.
   */
  timeLimitSec?: number;
};

export const DEFAULT_PLAN_LIMITS: PlanLimitSettings = {
  powerCapW: null,
  quiet: { enabled: false, from: '22:00', to: '07:00', capW: 0 },
  minRunMin: 15,
  minPauseMin: 15,
  maxTempC: 90,
};

const clockTime = (what: string) =>
  z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, `${what} must be a time like 22:00 (24-hour clock)`);

export const planLimitSettingsSchema: z.ZodType<PlanLimitSettings> = z
  .object({
    powerCapW: z
      .number()
      .min(1, 'the power cap must be at least 1 W; leave it empty for no cap')
      .max(100_000, 'the power cap must be at most 100,000 W')
      .nullable(),
    quiet: z
      .object({
        enabled: z.boolean(),
        from: clockTime('the start of the quiet hours'),
        to: clockTime('the end of the quiet hours'),
        capW: z
          .number()
          .min(0, 'the quiet-hours cap must be 0 W (nothing runs) or more')
          .max(100_000, 'the quiet-hours cap must be at most 100,000 W'),
      })
      .strict()
      .refine((q) => q.from !== q.to, {
        path: ['to'],
        message: 'the quiet hours must end at another time than they start (give the hours work is limited)',
      }),
    minRunMin: z
      .number()
      .min(0, 'the minimum run must be 0 or more minutes')
      .max(24 * 60, 'the minimum run must be at most 1,440 minutes (a day)'),
    minPauseMin: z
      .number()
      .min(0, 'the minimum pause must be 0 or more minutes')
      .max(24 * 60, 'the minimum pause must be at most 1,440 minutes (a day)'),
    maxTempC: z
      .number()
      .min(40, 'the temperature limit must be between 40 and 105 °C')
      .max(105, 'the temperature limit must be between 40 and 105 °C'),
    timeLimitSec: z
      .number()
      .min(1, "the planner's time limit must be between 1 and 300 s")
      .max(300, "the planner's time limit must be between 1 and 300 s")
      .optional(),
  })
  .strict();

/**
 * How one device or one job is run (evcc's load-point modes): `off` never; `plan` as the planner
 * decides; `now` in every slot at its highest level (within the power and quiet-hours caps)
 * whatever the price, until switched back;
 * `heat` only in slots where the heating needs heat (never for profit alone). Stored; a manual
 * `plan-override` still wins while it lasts. Device `off` wins over a job's `now`.
 */
export type RunMode = 'off' | 'plan' | 'now' | 'heat';

/** Modes other than `plan`, by device id ("cpu", "gpu:0") and by job id (the queue's number). */
export type RunModes = { devices: Record<string, RunMode>; jobs: Record<string, RunMode> };

export type RunModeTarget = { device: DeviceId } | { job: number };

export type SchedulerHandlers = {
  'run-modes-get': Handler<Record<string, never>, RunModes>;
  /** Sets one device's or job's mode and plans again; an unknown device or job is refused. */
  'run-mode-set': Handler<{ target: RunModeTarget; mode: RunMode }, RunModes>;
  'plan-limits-get': Handler<Record<string, never>, PlanLimitSettings>;
  'plan-limits-set': Handler<PlanLimitSettings, PlanLimitSettings>;
  /** The scheduler's decisions and deviations, newest first. */
  'plan-events': Handler<{ limit?: number }, PlanEvent[]>;
  'presence-get': Handler<Record<string, never>, PresenceStatus>;
  'presence-set': Handler<PresenceSettings, PresenceStatus>;
};

export type SchedulerEvents = {
  'run-modes-changed': RunModes;
  'plan-event': PlanEvent;
  'presence-changed': PresenceStatus;
};

const rule = z
  .object({
    action: z.enum(['pause', 'cap'], { message: 'the action must be "pause" or "cap"' }),
    capPct: z
      .number()
      .int()
      .min(0, "the cap must be between 0 and 100 % of the device's maximum power")
      .max(100, "the cap must be between 0 and 100 % of the device's maximum power"),
  })
  .strict();

export const presenceSettingsSchema: z.ZodType<PresenceSettings> = z
  .object({
    userActive: rule.extend({ enabled: z.boolean() }).strict(),
    resumeAfterIdleMin: z
      .number()
      .min(0.5, 'the idle time before resuming must be between 0.5 and 720 minutes')
      .max(720, 'the idle time before resuming must be between 0.5 and 720 minutes'),
    programs: rule
      .extend({
        names: z
          .array(
            z
              .string()
              .trim()
              .min(1, 'a program name may not be empty')
              .max(200)
              .regex(/^[^/\\]+$/, 'give a program name (like game.exe), not a path'),
          )
          .max(100, 'at most 100 programs'),
      })
      .strict(),
    battery: rule.extend({ enabled: z.boolean() }).strict(),
  })
  .strict();

export const DEFAULT_PRESENCE: PresenceSettings = {
  userActive: { enabled: true, action: 'pause', capPct: 25 },
  resumeAfterIdleMin: 10,
  programs: { names: [], action: 'pause', capPct: 25 },
  battery: { enabled: true, action: 'pause', capPct: 25 },
};

export const runModeSchema = z.enum(['off', 'plan', 'now', 'heat'], {
  message: 'the mode is off, plan, now or heat (heat only)',
});

export const schedulerArgs: ArgSchemas<SchedulerHandlers> = {
  'run-modes-get': z.object({}).strict(),
  'run-mode-set': z
    .object({
      target: z.union([
        z.object({ device: deviceIdSchema }).strict(),
        z.object({ job: z.number().int().min(1, 'a job id is a whole number from 1') }).strict(),
      ]),
      mode: runModeSchema,
    })
    .strict(),
  'plan-events': z.object({ limit: z.number().int().min(1).max(1000).optional() }).strict(),
  'presence-get': z.object({}).strict(),
  'presence-set': presenceSettingsSchema,
  'plan-limits-get': z.object({}).strict(),
  'plan-limits-set': planLimitSettingsSchema,
};
