import { notificationSettingsSchema, type NotificationSettings } from '#contract/index';
import { defineSetting } from '#core/setting';

const DEFAULTS: NotificationSettings = {
  maxTemperatureC: 90,
  poolUnreachableMin: 5,
  pricesExpectedBy: '14:00',
  dailySummary: false,
};

export const notificationSetting = defineSetting<NotificationSettings>({
  key: 'notification',
  schema: notificationSettingsSchema,
  default: () => ({ ...DEFAULTS }),
  version: 2,
  since: '0.1.0',
  // Version 1 was merged over the defaults at every read, so a row could lack any field.
  migrate: { 1: (old) => ({ ...DEFAULTS, ...(old as object) }) },
  doc: "When to tell the user: the device temperature limit (°C), minutes a pool may be unreachable, the local time tomorrow's prices are expected by, and whether to post a daily summary.",
});
