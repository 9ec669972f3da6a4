import { z } from 'zod';
import type { ArgSchemas, Handler } from './rpc.ts';

/** LAN heater-miners (issue 23): the kinds a device is added as; one adapter each. */
export const LAN_DEVICE_KINDS = ['axeos', 'cgminer', 'braiins'] as const;
export type LanDeviceKind = (typeof LAN_DEVICE_KINDS)[number];

/** The last reading of a device; null where it does not report a figure. */
export type LanDeviceTelemetry = {
  /** ms since epoch, when read. */
  at: number;
  /** Wall power, W. */
  powerW: number | null;
  /** Whether the device measured `powerW` or Hearth estimated it from its steps. */
  powerSource: 'measured' | 'estimated' | null;
  /** Hashes per second. */
  hashRate: number | null;
  /** The hottest temperature it reports (chip or board), °C. */
  tempC: number | null;
  state: 'running' | 'paused' | 'unknown';
  /** The device's model and firmware, for people. */
  model: string | null;
  /** Shares since the device started. */
  accepted: number | null;
  rejected: number | null;
  /** Index into `levels` the device runs at now, null where none matches. */
  level: number | null;
};

/** One step a device can run at. */
export type LanDeviceLevel = {
  /** Wall power, W. */
  powerW: number;
  /** Hashes per second. */
  hashRate: number;
  label: string;
};

/** A heater-miner on the LAN, as Hearth last saw it. */
export type LanDevice = {
  id: string;
  kind: LanDeviceKind;
  name: string;
  host: string;
  /** TCP port of its API. */
  port: number;
  /** `unknown` until the first reading after a start; `offline` after consecutive failed readings. */
  status: 'online' | 'offline' | 'unknown';
  /** ms since epoch of the last good reading; null: never read. */
  lastSeen: number | null;
  telemetry: LanDeviceTelemetry | null;
  /** Lowest power first; empty until read. */
  levels: LanDeviceLevel[];
  /** What went wrong last, and what to do; null while it answers. */
  error: string | null;
};

export type DeviceAddInput = {
  kind: LanDeviceKind;
  host: string;
  /** The API's port; the kind's default (80, 4028) when left out. */
  port?: number;
  name?: string;
  /** Braiins OS login; the password is sealed at rest. */
  user?: string;
  password?: string;
};

export type DeviceHandlers = {
  /** `refresh`: reads every device first, all at once, each within its deadline (the CLI, on a folder it opened). */
  'device-list': Handler<{ refresh?: boolean }, LanDevice[]>;
  /** Probes the address first; refuses when it does not answer as `kind`. */
  'device-add': Handler<DeviceAddInput, LanDevice>;
  'device-remove': Handler<{ id: string }, { removed: true }>;
  'device-rename': Handler<{ id: string; name: string }, LanDevice>;
};

export type DeviceEvents = {
  'device-update': LanDevice[];
};

// A host name or an IPv4 address: no scheme, path or port (the port is its own field).
const host = z
  .string()
  .trim()
  .min(1, 'enter the device address')
  .max(253)
  .regex(/^[A-Za-z0-9.-]+$/, 'enter an IPv4 address or a host name, without http:// or a port');
const name = z.string().trim().min(1, 'enter a name').max(60);

export const deviceAddSchema: z.ZodType<DeviceAddInput> = z
  .object({
    kind: z.enum(LAN_DEVICE_KINDS),
    host,
    port: z.number().int().min(1).max(65535).optional(),
    name: name.optional(),
    user: z.string().min(1).max(100).optional(),
    password: z.string().max(200).optional(),
  })
  .strict();

export const deviceArgs: ArgSchemas<DeviceHandlers> = {
  'device-list': z.object({ refresh: z.boolean().optional() }).strict(),
  'device-add': deviceAddSchema,
  'device-remove': z.object({ id: z.string().min(1) }).strict(),
  'device-rename': z.object({ id: z.string().min(1), name }).strict(),
};
