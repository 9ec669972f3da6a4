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

/**
 * Where a device's heat goes: `home`, the heated space the thermal model (or the heat demand)
 * describes, so its power counts as heat there; `unheated`, somewhere its heat is not wanted (a
 * garage, a shed): it is planned on its mining value alone and its heat counts for nothing.
 */
export const DEVICE_ZONES = ['home', 'unheated'] as const;
export type DeviceZone = (typeof DEVICE_ZONES)[number];

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
  zone: DeviceZone;
  /** Once started it runs at least this long, and once paused it stays paused this long, minutes. */
  minRunMin: number;
  minPauseMin: number;
};

/** What can be changed about an added device; fields left out stay as they are. */
export type DeviceConfigureInput = {
  id: string;
  name?: string;
  zone?: DeviceZone;
  minRunMin?: number;
  minPauseMin?: number;
};

/**
 * A scan for devices on request: `range` is `A.B.C.0/24` (prefix 24 to 32), `A.B.C.D-E` (last
 * octet from D to E) or one address; at most 256 addresses. `ports` overrides a kind's default port
 * (a test's simulators listen on their own ports).
 */
export type DeviceScanInput = {
  range: string;
  kinds?: LanDeviceKind[];
  ports?: Partial<Record<LanDeviceKind, number>>;
};

/** Something that answered as `kind` at `host:port`. */
export type DeviceScanHit = {
  kind: LanDeviceKind;
  host: string;
  port: number;
  /** The model it reported, where the probe read one. */
  model: string | null;
  /** Already added (at this address and port). */
  added: boolean;
};

export type DeviceScan = {
  id: string;
  range: string;
  state: 'running' | 'done' | 'cancelled';
  /** Addresses tried so far, of `total`. */
  done: number;
  total: number;
  found: DeviceScanHit[];
  startedAt: number;
  finishedAt: number | null;
};

export type DeviceScanStatus = {
  /** The scan running now, else the last one since the start; null: none yet. */
  scan: DeviceScan | null;
  /** The /24 of this machine's first private IPv4 address, as a default for the form; null: none found. */
  suggestedRange: string | null;
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
  /** Name, zone and minimum run/pause; the plan is made again. */
  'device-configure': Handler<DeviceConfigureInput, LanDevice>;
  /**
   * Starts a bounded scan of `range` (only on request; nothing scans by itself) and answers at once;
   * progress comes as `device-scan` events. Refused while another scan runs.
   */
  'device-scan': Handler<DeviceScanInput, DeviceScan>;
  'device-scan-cancel': Handler<{ id: string }, DeviceScan>;
  'device-scan-status': Handler<Record<string, never>, DeviceScanStatus>;
};

export type DeviceEvents = {
  'device-update': LanDevice[];
  /** A scan's progress: at most a few times a second, and once when it ends. */
  'device-scan': DeviceScan;
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

const minutes = z
  .number()
  .int()
  .min(0)
  .max(24 * 60);
const kinds = z.array(z.enum(LAN_DEVICE_KINDS)).min(1).max(LAN_DEVICE_KINDS.length);
const port = z.number().int().min(1).max(65535);

export const deviceConfigureSchema: z.ZodType<DeviceConfigureInput> = z
  .object({
    id: z.string().min(1),
    name: name.optional(),
    zone: z.enum(DEVICE_ZONES).optional(),
    minRunMin: minutes.optional(),
    minPauseMin: minutes.optional(),
  })
  .strict();

export const deviceScanSchema: z.ZodType<DeviceScanInput> = z
  .object({
    range: z
      .string()
      .trim()
      .min(1, 'enter a range such as 192.168.1.0/24')
      .max(40)
      .regex(/^[0-9./-]+$/, 'enter a range such as 192.168.1.0/24 or 192.168.1.10-40'),
    kinds: kinds.optional(),
    ports: z.object({ axeos: port.optional(), cgminer: port.optional(), braiins: port.optional() }).strict().optional(),
  })
  .strict();

export const deviceArgs: ArgSchemas<DeviceHandlers> = {
  'device-list': z.object({ refresh: z.boolean().optional() }).strict(),
  'device-add': deviceAddSchema,
  'device-remove': z.object({ id: z.string().min(1) }).strict(),
  'device-rename': z.object({ id: z.string().min(1), name }).strict(),
  'device-configure': deviceConfigureSchema,
  'device-scan': deviceScanSchema,
  'device-scan-cancel': z.object({ id: z.string().min(1) }).strict(),
  'device-scan-status': z.object({}).strict(),
};
