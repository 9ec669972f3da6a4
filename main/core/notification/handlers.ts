import type { NotificationHandlers } from '#contract/index';
import type { Notifier } from './service.ts';

export function notificationHandlers(n: Notifier): NotificationHandlers {
  return {
    'notification-list': async ({ limit }) => n.list(limit ?? 100),
    'notification-settings': async () => n.settings(),
    'notification-configure': async (s) => n.configure(s),
  };
}
