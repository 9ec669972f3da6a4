import { rowWatch } from '#core/db-watch';
import { defineModule, type CoreModule, type ModuleInstance } from '#core/module';
import { preferenceHandlers } from './handlers.ts';
import { Preference } from './service.ts';
import { preferenceSetting } from './setting.ts';

/** Display units and how the desktop app starts; no table of its own (its setting lives in the setting table). */
export function preferenceModule(): CoreModule {
  return defineModule({
    name: 'preference',
    settings: [preferenceSetting],
    create(ctx): ModuleInstance {
      const preference = new Preference({
        settings: ctx.settings,
        emit: (event, payload) => ctx.events.emit(event, payload),
        dataDir: ctx.dataDir,
      });
      // Another process changed a unit or the start options: pages hear preferences-updated.
      const rows = rowWatch(
        () => JSON.stringify(preference.get()),
        () => ctx.events.emit('preferences-updated', preference.get()),
      );
      ctx.events.on('preferences-updated', () => rows.seen());
      return { handlers: preferenceHandlers(preference), start: () => preference.start(), reload: rows.reload };
    },
  });
}
