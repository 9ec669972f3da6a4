import { defineModule, type CoreModule, type ModuleInstance } from '#core/module';
import type { ProviderIo } from './adapter/types.ts';
import { Uploads } from '#core/upload/uploads';
import { tariffHandlers } from './handlers.ts';
import { Tariff } from './service.ts';
import { tariffSetting } from './setting.ts';
import { createPriceStore, tariffMigrations } from './store.ts';

export type TariffModuleOptions = {
  /** Network access for the day-ahead adapters; tests inject a local server's origin. */
  io?: ProviderIo;
  /** Starts the node-cron fetch schedule (off in tests that drive refreshes themselves). */
  cron?: boolean;
};

export function tariffModule(options: TariffModuleOptions = {}): CoreModule {
  return defineModule({
    name: 'tariff',
    migrations: tariffMigrations,
    settings: [tariffSetting],
    create(ctx): ModuleInstance<'tariff'> {
      const tariff = new Tariff({
        store: createPriceStore(ctx.db),
        settings: ctx.settings,
        secrets: ctx.secrets,
        clock: ctx.clock,
        log: ctx.log,
        events: ctx.events,
        io: options.io ?? { fetch: globalThis.fetch },
        cron: options.cron !== false,
      });
      // Chunked uploads serve the price import, the one import large enough to need them.
      const uploads = new Uploads(ctx.clock);
      return {
        service: tariff,
        handlers: tariffHandlers(tariff, uploads),
        start: () => {
          uploads.start();
          tariff.start();
        },
        stop: () => {
          uploads.stop();
          return tariff.stop();
        },
        reload: () => tariff.reload(),
      };
    },
  });
}
