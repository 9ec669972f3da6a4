import { defineModule, type CoreModule, type ModuleInstance } from '#core/module';
import { accountingMigrations } from './accounting.ts';
import { ledgerHandlers } from './handlers.ts';
import { Ledger, type LedgerDeps } from './service.ts';
import { ledgerSetting } from './setting.ts';

export type LedgerOptions = Pick<LedgerDeps, 'slotMs' | 'sampleMs'>;

export function ledgerModule(options: LedgerOptions = {}): CoreModule {
  return defineModule({
    name: 'ledger',
    migrations: accountingMigrations,
    settings: [ledgerSetting],
    optional: ['hardware', 'tariff', 'heating', 'market', 'mining', 'job', 'device'],
    create(ctx, deps): ModuleInstance<'ledger'> {
      const ledger = new Ledger({
        ...deps,
        ...options,
        db: ctx.db,
        settings: ctx.settings,
        clock: ctx.clock,
        log: ctx.log,
        events: ctx.events,
        dataDir: ctx.dataDir,
        restart: ctx.restart,
      });
      return {
        service: ledger,
        handlers: ledgerHandlers(ledger),
        start: () => ledger.start(),
        stop: () => ledger.stop(),
      };
    },
  });
}
