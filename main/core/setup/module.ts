import { defineModule, type CoreModule, type ModuleInstance } from '#core/module';
import { setupHandlers } from './handlers.ts';
import { Setup } from './service.ts';
import { setupSetting } from './setting.ts';
import { createSetupStore } from './store.ts';

/**
 * The first-run setup's state and the defaults still assumed. Reads the other domains' settings
 * (declared there); no table of its own and no service the others use.
 */
export function setupModule(): CoreModule {
  return defineModule({
    name: 'setup',
    settings: [setupSetting],
    create(ctx): ModuleInstance {
      const setup = new Setup({
        settings: ctx.settings,
        store: createSetupStore(ctx.db),
        clock: ctx.clock,
        emit: (event, payload) => ctx.events.emit(event, payload),
      });
      return { handlers: setupHandlers(setup) };
    },
  });
}
