import { z } from 'zod';
import {
  DEFAULT_PLAN_LIMITS,
  DEFAULT_PRESENCE,
  planLimitSettingsSchema,
  presenceSettingsSchema,
  runModeSchema,
  type PlanLimitSettings,
  type PresenceSettings,
  type RunModes,
} from '#contract/index';
import { deviceIdSchema } from '#contract/id';
import { defineSetting } from '#core/setting';
import type { Managed } from './executor.ts';
import type { ConfiguredDevice } from './inputs.ts';

export const limitSetting = defineSetting<PlanLimitSettings>({
  key: 'scheduler.limits',
  schema: planLimitSettingsSchema,
  default: () => structuredClone(DEFAULT_PLAN_LIMITS),
  version: 1,
  since: '0.1.0',
  doc: "Planner limits: power cap (W), quiet hours and their cap, minimum run and pause minutes, the device temperature limit (°C), and the planner's time limit (s).",
});

export const presenceSetting = defineSetting<PresenceSettings>({
  key: 'scheduler.presence',
  schema: presenceSettingsSchema,
  default: () => structuredClone(DEFAULT_PRESENCE),
  version: 1,
  since: '0.1.0',
  doc: 'Presence rules: pause or cap the work while the user is at the computer, while named programs run, or on battery.',
});

export const heldSetting = defineSetting<number[]>({
  key: 'scheduler.held',
  schema: z.array(z.number().int().min(1)),
  default: () => [],
  version: 1,
  since: '0.1.0',
  internal: true,
  doc: 'Jobs paused by hand: left out of the plan until started by hand again.',
});

export const managedSetting = defineSetting<Managed>({
  key: 'scheduler.managed',
  schema: z.object({ jobs: z.array(z.number().int().min(1)) }).strict(),
  default: () => ({ jobs: [] }),
  version: 2,
  since: '0.1.0',
  // Version 1 also said whether the scheduler had started mining outside a job; mining is a job now.
  migrate: { 1: (old) => ({ jobs: (old as { jobs?: unknown }).jobs ?? [] }) },
  internal: true,
  doc: 'What the scheduler started (and may therefore pause or stop); work started by hand is left alone.',
});

export const hashRateSetting = defineSetting<number | null>({
  key: 'scheduler.hashesPerThreadSec',
  schema: z.number().positive().finite().nullable(),
  default: () => null,
  version: 1,
  since: '0.1.0',
  internal: true,
  doc: "Hashes per second one mining thread did when last measured (H/s), kept for the next start's plan.",
});

const configuredLevel = z
  .object({
    powerW: z.number().min(0),
    rates: z.record(z.string(), z.number().min(0)),
    tempC: z.number().optional(),
    threads: z.number().int().min(0).optional(),
    dutyPct: z.number().min(0).max(100).optional(),
  })
  .strict();

export const deviceSetting = defineSetting<ConfiguredDevice[] | null>({
  key: 'planner.devices',
  schema: z
    .array(
      z
        .object({
          id: deviceIdSchema,
          levels: z.array(configuredLevel).min(1),
          minRunSlots: z.number().int().min(1).optional(),
          minPauseSlots: z.number().int().min(1).optional(),
          maxTempC: z.number().optional(),
        })
        .strict(),
    )
    .nullable(),
  default: () => null,
  version: 1,
  since: '0.1.0',
  doc: 'Devices described by hand instead of detected: an id, power levels (W) with their rates per job kind, and optionally the threads and duty cycle each level runs at. null: detected.',
});

export const modesSetting = defineSetting<RunModes>({
  key: 'scheduler.modes',
  schema: z
    .object({ devices: z.record(z.string(), runModeSchema), jobs: z.record(z.string(), runModeSchema) })
    .strict(),
  default: () => ({ devices: {}, jobs: {} }),
  version: 1,
  since: '0.1.0',
  doc: 'Run mode per device and per job: off, plan (the planner decides, the default), now (whatever the price) or heat (only in slots that need heat).',
});

/** Every setting the scheduler declares, for its module. */
export const schedulerSettings = [
  limitSetting,
  presenceSetting,
  heldSetting,
  managedSetting,
  hashRateSetting,
  deviceSetting,
  modesSetting,
];
