import { rowWatch } from '#core/db-watch';
import { defineModule, type CoreModule, type ModuleInstance } from '#core/module';
import { heatingHandlers } from './handlers.ts';
import { Heating } from './service.ts';
import { heatingSetting, thermostatSetting } from './setting.ts';
import { createHeatingStore, heatingMigrations } from './store.ts';

export type HeatingModuleOptions = {
  fetch?: typeof globalThis.fetch;
  /** Open-Meteo's origin; tests point it at a local server. */
  openMeteoUrl?: string;
  /** How often HTTP indoor sources are read. */
  pollMs?: number;
  /** Starts the hourly forecast refresh (off in tests). */
  cron?: boolean;
  /** Without cron: fetch the forecast once at start when the cached one is over an hour old (the CLI). */
  refreshOnStart?: boolean;
};

export function heatingModule(options: HeatingModuleOptions = {}): CoreModule {
  return defineModule({
    name: 'heating',
    migrations: heatingMigrations,
    settings: [heatingSetting, thermostatSetting],
    requires: ['tariff'],
    optional: ['hardware'],
    create(ctx, { tariff, hardware }): ModuleInstance<'heating'> {
      const heating = new Heating({
        store: createHeatingStore(ctx.db),
        settings: ctx.settings,
        secrets: ctx.secrets,
        clock: ctx.clock,
        log: ctx.log,
        events: ctx.events,
        tariff,
        hardware,
        fetch: options.fetch ?? globalThis.fetch,
        openMeteoUrl: options.openMeteoUrl,
        pollMs: options.pollMs ?? 60_000,
        cron: options.cron !== false,
        refreshOnStart: options.refreshOnStart === true,
      });
      // Another process saved the heating settings: the same as a save here (the scheduler plans
      // again, pages hear heating-sensor and plan-updated). Its own saves are seen as they happen.
      const rows = rowWatch(
        () => JSON.stringify(ctx.settings.get(heatingSetting)),
        () =>
          void heating
            .reload()
            .catch((err: Error) => ctx.log.error(`reading the heating settings again failed: ${err.message}`)),
      );
      heating.onChange(() => rows.seen());
      return {
        service: heating,
        handlers: heatingHandlers(heating),
        start: () => heating.start(),
        stop: () => heating.stop(),
        reload: rows.reload,
      };
    },
  });
}
