import { defineModule, type CoreModule, type ModuleInstance } from '#core/module';
import { marketHandlers } from './handlers.ts';
import { Market, type MarketDeps } from './service.ts';
import { marketSetting, marketSettingMigration } from './setting.ts';
import { createQuoteStore, marketMigrations } from './store.ts';

export type MarketOptions = Pick<MarketDeps, 'endpoints' | 'fetch' | 'refreshMs'>;

export function marketModule(options: MarketOptions = {}): CoreModule {
  return defineModule({
    name: 'market',
    migrations: [...marketMigrations, marketSettingMigration],
    settings: [marketSetting],
    create(ctx): ModuleInstance<'market'> {
      const market = new Market({
        ...options,
        store: createQuoteStore(ctx.db),
        settings: ctx.settings,
        clock: ctx.clock,
        log: ctx.log,
        emit: (event, payload) => ctx.events.emit(event, payload),
      });
      return {
        service: market,
        handlers: marketHandlers(market),
        start: () => market.start(),
        stop: () => market.stop(),
      };
    },
  });
}
