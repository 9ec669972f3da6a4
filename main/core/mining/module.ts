import { defineModule, type CoreModule, type ModuleInstance } from '#core/module';
import { miningHandlers } from './handlers.ts';
import { Mining, type MiningDeps } from './service.ts';
import { miningSetting } from './setting.ts';
import { createShareStore, miningMigrations } from './store.ts';

export type MiningModuleOptions = { stratum?: MiningDeps['stratum'] };

export function miningModule(options: MiningModuleOptions = {}): CoreModule {
  return defineModule({
    name: 'mining',
    migrations: miningMigrations,
    settings: [miningSetting],
    optional: ['hardware', 'tariff', 'market'],
    create(ctx, { hardware, tariff, market }): ModuleInstance<'mining'> {
      const mining = new Mining({
        shares: createShareStore(ctx.db),
        settings: ctx.settings,
        secrets: ctx.secrets,
        clock: ctx.clock,
        log: ctx.log,
        events: ctx.events,
        hardware,
        tariff,
        market,
        stratum: options.stratum,
      });
      return {
        service: mining,
        handlers: miningHandlers(mining),
        stop: async () => {
          await mining.stop();
        },
      };
    },
  });
}
