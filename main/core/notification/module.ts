import { defineModule, type CoreModule, type ModuleInstance } from '#core/module';
import { notificationHandlers } from './handlers.ts';
import { Notifier } from './service.ts';
import { notificationSetting } from './setting.ts';
import { createNotificationStore, notificationMigrations } from './store.ts';

/** Watches the other domains and posts notifications; runs last so every service exists. */
export function notificationModule(options: { checkMs?: number } = {}): CoreModule {
  return defineModule({
    name: 'notification',
    settings: [notificationSetting],
    optional: ['ledger', 'tariff', 'mining', 'job'],
    migrations: notificationMigrations,
    create(ctx, deps): ModuleInstance {
      const notifier = new Notifier({
        ...deps,
        ...options,
        store: createNotificationStore(ctx.db),
        settings: ctx.settings,
        clock: ctx.clock,
        events: ctx.events,
      });
      return { handlers: notificationHandlers(notifier), start: () => notifier.start(), stop: () => notifier.stop() };
    },
  });
}
