import fs from 'node:fs';
import path from 'node:path';
import { preferencesSchema } from '#contract/preference';
import { LEDGER_FILE } from '#core/ledger/db';
import { defineModule, type CoreModule, type ModuleInstance } from '#core/module';
import { preferenceSetting } from './setting.ts';

/** Display units and how the desktop app starts; the shell applies autostart and start-minimised. */
export function preferenceModule(): CoreModule {
  return defineModule({
    name: 'preference',
    settings: [preferenceSetting],
    create(ctx): ModuleInstance {
      const read = () => ctx.settings.get(preferenceSetting);
      return {
        // After a restore the core starts again on another ledger: pages showing units hear them anew.
        start() {
          ctx.events.emit('preferences-updated', read());
        },
        handlers: {
          'preferences-get': async () => read(),
          'preferences-set': async (patch) => {
            const next = ctx.settings.set(preferenceSetting, preferencesSchema.parse({ ...read(), ...patch }));
            ctx.events.emit('preferences-updated', next);
            return next;
          },
          'data-folder': async () => {
            const dataDir = path.resolve(ctx.dataDir);
            const ledgerFile = path.join(dataDir, LEDGER_FILE);
            return {
              dataDir,
              ledgerFile,
              // With the write-ahead log: recent rows live there until SQLite folds them into the file.
              ledgerBytes: fs.statSync(ledgerFile).size + (fs.statSync(`${ledgerFile}-wal`, { throwIfNoEntry: false })?.size ?? 0),
              backupsDir: path.join(dataDir, 'backups'),
              howToChange:
                'Quit Hearth, move this folder (or start fresh), then start it with --data-dir DIR (hearth serve) or with HEARTH_DATA_DIR=DIR set (desktop app and hearth serve).',
            };
          },
        },
      };
    },
  });
}
