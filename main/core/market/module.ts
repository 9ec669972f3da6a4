import { rowWatch } from '#core/db-watch';
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
      // Another process set an override or a currency: pages hear market-update (the scheduler's
      // own watch plans again). The market reads its setting on every use: nothing to load.
      const rows = rowWatch(
        () => JSON.stringify(ctx.settings.get(marketSetting)),
        () => ctx.events.emit('market-update', market.status()),
      );
      ctx.events.on('market-update', () => rows.seen());
      return {
        service: market,
        handlers: marketHandlers(market),
        start: () => market.start(),
        stop: () => market.stop(),
        reload: rows.reload,
      };
    },
  });
}
