import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_PREFERENCES, type Preferences } from '#contract/index';
import { preferencesSchema } from '#contract/preference';
import type { CoreModule, ModuleInstance } from '#core/module';
import { LEDGER_FILE } from '../ledger/db.ts';

const KEY = 'preferences';

/** Display units and how the desktop app starts; the shell applies autostart and start-minimised. */
export function preferenceModule(): CoreModule {
  return {
    name: 'preference',
    create(ctx): ModuleInstance {
      const read = (): Preferences => {
        // A value stored by an older version may lack fields or hold ones no longer known: keep what still parses.
        const parsed = preferencesSchema.safeParse({ ...DEFAULT_PREFERENCES, ...(ctx.settings.get<object>(KEY) ?? {}) });
        return parsed.success ? parsed.data : { ...DEFAULT_PREFERENCES };
      };
      return {
        // After a restore the core starts again on another ledger: pages showing units hear them anew.
        start() {
          ctx.events.emit('preferences-updated', read());
        },
        handlers: {
          'preferences-get': async () => read(),
          'preferences-set': async (patch) => {
            const next = preferencesSchema.parse({ ...read(), ...patch });
            ctx.settings.put(KEY, next);
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
  };
}
