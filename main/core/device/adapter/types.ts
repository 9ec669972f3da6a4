/**
 * LAN heater-miners (issue 23): one interface every device kind implements, one adapter per file
 * (axeos.ts, cgminer.ts, braiins.ts), registered by kind in registry.ts as the tariff adapters are.
 * An adapter only speaks its device's protocol: what to run, when, is the planner's; retries and
 * offline marking are the device domain's. Every call takes an AbortSignal and a deadline, so a
 * device that hangs or floods never holds up its caller.
 */

import type { LanDeviceKind, LanDeviceLevel, LanDeviceTelemetry } from '#contract/device';

/** Where a device answers: host (an IPv4 address or a name) and the API's port. */
export type DeviceAddress = { host: string; port: number };

// One shape from the adapter to the page: the contract's types are the adapters' results.
export type DeviceKind = LanDeviceKind;
export type DeviceTelemetry = LanDeviceTelemetry;
export type DeviceLevel = LanDeviceLevel;

/** The device refused, timed out or answered something else: what happened, and what to do. */
export class DeviceError extends Error {
  /** `refused`: the device said no (privilege, a locked API); `unreachable`: no answer; `protocol`: an answer we cannot read. */
  readonly kind: 'refused' | 'unreachable' | 'protocol';
  constructor(kind: DeviceError['kind'], message: string) {
    super(message);
    this.name = 'DeviceError';
    this.kind = kind;
  }
}

/** Limits every call keeps: a device that hangs or sends 10 MB does not stall Hearth. */
export type DeviceIo = {
  /** The longest one call may take, ms. */
  timeoutMs: number;
  /** The most bytes one reply may have; more is a `protocol` DeviceError. */
  maxReplyBytes: number;
  /** Credentials for devices that need them (Braiins OS); null where none are set. */
  credentials: { user: string; password: string } | null;
  signal?: AbortSignal;
};

export const DEFAULT_DEVICE_IO: Omit<DeviceIo, 'credentials'> = { timeoutMs: 5_000, maxReplyBytes: 1024 * 1024 };

export type DeviceAdapter = {
  kind: DeviceKind;
  /** The protocol's name as people know it ("AxeOS", "cgminer API", "Braiins OS"). */
  label: string;
  /** The port the API listens on unless the user says otherwise. */
  defaultPort: number;
  /** Whether something answering at `address` is this kind of device (for the scan): a cheap, read-only call. */
  probe(address: DeviceAddress, io: DeviceIo): Promise<boolean>;
  read(address: DeviceAddress, io: DeviceIo): Promise<DeviceTelemetry>;
  /**
   * The steps the planner may choose from, lowest power first: from the device's documented safe
   * range and its last telemetry (measured power where the device reports it).
   */
  levels(address: DeviceAddress, io: DeviceIo, last: DeviceTelemetry | null): Promise<DeviceLevel[]>;
  /** Runs at `levels()[level]` (resuming if paused). */
  apply(address: DeviceAddress, io: DeviceIo, level: number): Promise<void>;
  /** Stops hashing (soft-off, pause, idle: the lowest-power state the protocol offers without a power cycle). */
  pause(address: DeviceAddress, io: DeviceIo): Promise<void>;
  resume(address: DeviceAddress, io: DeviceIo): Promise<void>;
};
