import { z } from 'zod';

// Devices, planner jobs and pools are all named by strings; branded, a job id handed where a
// device id belongs fails to compile. The schemas brand what arrives over a transport or from a
// file; the constructors are for the few places that mint an id (detection, stores, tests).

/** A device the planner plans: "cpu" or "gpu:<index>" when detected, or the id the user gave it in `planner.devices`. */
export const deviceIdSchema = z.string().min(1).brand<'DeviceId'>();
export type DeviceId = z.output<typeof deviceIdSchema>;
export const deviceId = (id: string): DeviceId => id as DeviceId;

/**
 * A job as the planner names it: "mining" (mining while no mining job is queued) or "job:<n>" for
 * the queued job whose `Job.id` is n.
 */
export const jobIdSchema = z.string().min(1).brand<'JobId'>();
export type JobId = z.output<typeof jobIdSchema>;
export const jobId = (id: string): JobId => id as JobId;

/** A pool preset's id ("ckpool-solo", "public-pool"). */
export const poolIdSchema = z.string().min(1).brand<'PoolId'>();
export type PoolId = z.output<typeof poolIdSchema>;
export const poolId = (id: string): PoolId => id as PoolId;
