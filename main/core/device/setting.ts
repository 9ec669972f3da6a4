import { z } from 'zod';
import type { SealedSetting } from '#core/secret';
import { defineSetting } from '#core/setting';

export type DevicePolling = {
  /** Seconds between two readings of a device that answers. */
  intervalSec: number;
  /** Failed readings in a row after which a device is shown offline. */
  offlineAfter: number;
  /** The longest wait between two tries at a device that does not answer, s. */
  maxBackoffSec: number;
};

export const DEFAULT_DEVICE_POLLING: DevicePolling = { intervalSec: 30, offlineAfter: 3, maxBackoffSec: 600 };

export const devicePollingSetting = defineSetting<DevicePolling>({
  key: 'device.polling',
  schema: z
    .object({
      intervalSec: z.number().int().min(5).max(3600),
      offlineAfter: z.number().int().min(1).max(100),
      maxBackoffSec: z.number().int().min(5).max(86_400),
    })
    .strict(),
  default: () => ({ ...DEFAULT_DEVICE_POLLING }),
  version: 1,
  since: '0.1.0',
  doc: 'LAN heater-miners: seconds between readings, failed readings in a row before a device is shown offline, and the longest wait (s) between retries at one that does not answer.',
});

/** A device's login (Braiins OS), the password sealed by the secret store. */
export type StoredDeviceLogin = { user: string; password: string };

export const deviceLoginSetting = defineSetting<Record<string, StoredDeviceLogin>>({
  key: 'device.logins',
  schema: z.record(z.string(), z.object({ user: z.string(), password: z.string() }).strict()),
  default: () => ({}),
  version: 1,
  since: '0.1.0',
  internal: true,
  doc: 'LAN heater-miners that need a login (Braiins OS): user name and password (sealed) by device id.',
});

/** Every device password, for sealing at rest (sealed-settings.ts). */
export const deviceLoginsSealed: SealedSetting<Record<string, StoredDeviceLogin>> = {
  def: deviceLoginSetting,
  map: (value, fn) =>
    Object.fromEntries(Object.entries(value).map(([id, l]) => [id, { ...l, password: fn(l.password) }])),
};
