import { z } from 'zod';
import type { ArgSchemas, Handler } from './rpc.ts';

export type NotificationKind =
  | 'job-finished'
  | 'job-failed'
  | 'over-temperature'
  | 'pool-unreachable'
  | 'pool-rejecting'
  | 'pool-refused'
  | 'prices-missing'
  | 'daily-summary'
  | 'setting-invalid';

/** Something the user should hear about: a desktop notification in the app, a toast and the event log in a browser. */
export type Notification = {
  id: number;
  at: number;
  kind: NotificationKind;
  level: 'info' | 'warning' | 'error';
  title: string;
  body: string;
};

export type NotificationSettings = {
  /** Device temperature (°C) above which the user is told; again only after it fell 5 K below. */
  maxTemperatureC: number;
  /** Minutes the pool may be unreachable while mining before the user is told. */
  poolUnreachableMin: number;
  /** Local time ("HH:MM", ledger time zone) after which tomorrow's prices are expected. */
  pricesExpectedBy: string;
  /** A summary of yesterday's energy, cost and net after midnight. */
  dailySummary: boolean;
};

export type NotificationHandlers = {
  /** The event log, newest first. */
  'notification-list': Handler<{ limit?: number }, Notification[]>;
  'notification-settings': Handler<Record<string, never>, NotificationSettings>;
  'notification-configure': Handler<NotificationSettings, NotificationSettings>;
};

export type NotificationEvents = {
  notification: Notification;
};

export const notificationSettingsSchema: z.ZodType<NotificationSettings> = z
  .object({
    maxTemperatureC: z.number().min(40).max(120),
    poolUnreachableMin: z.number().int().min(1).max(1440),
    pricesExpectedBy: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'enter a time as HH:MM'),
    dailySummary: z.boolean(),
  })
  .strict();

export const notificationArgs: ArgSchemas<NotificationHandlers> = {
  'notification-list': z.object({ limit: z.number().int().min(1).max(1000).optional() }).strict(),
  'notification-settings': z.object({}).strict(),
  'notification-configure': notificationSettingsSchema,
};
