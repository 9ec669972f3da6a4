import { notificationSettingsSchema, type NotificationSettings } from '#contract/index';
import { defineSetting, wholeSince } from '#core/setting';

const DEFAULTS: NotificationSettings = {
  maxTemperatureC: 90,
  poolUnreachableMin: 5,
  pricesExpectedBy: '14:00',
  dailySummary: false,
};

export const notificationSetting = defineSetting<NotificationSettings>({
  key: 'notification',
  schema: notificationSettingsSchema,
  ...wholeSince('0.1.0', () => ({ ...DEFAULTS })),
  doc: "When to tell the user: the device temperature limit (°C), minutes a pool may be unreachable, the local time tomorrow's prices are expected by, and whether to post a daily summary.",
});
