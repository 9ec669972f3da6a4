import fs from 'node:fs';
import path from 'node:path';
import type { DataFolder, Preferences } from '#contract/index';
import { preferencesSchema } from '#contract/preference';
import type { EventBus } from '#core/event';
import { LEDGER_FILE } from '#core/ledger/db';
import type { Settings } from '#core/setting';
import { preferenceSetting } from './setting.ts';

export type PreferenceDeps = {
  settings: Settings;
  /** `preferences-updated` after each change, and once at start. */
  emit: EventBus['emit'];
  dataDir: string;
};

/** Display units and how the desktop app starts (the shell applies autostart and start-minimised); where the data is kept. */
export class Preference {
  constructor(private readonly d: PreferenceDeps) {}

  get(): Preferences {
    return this.d.settings.get(preferenceSetting);
  }

  /** Changes the fields given; a wrong value throws and nothing is saved. */
  set(patch: Partial<Preferences>): Preferences {
    const next = this.d.settings.set(preferenceSetting, preferencesSchema.parse({ ...this.get(), ...patch }));
    this.d.emit('preferences-updated', next);
    return next;
  }

  dataFolder(): DataFolder {
    const dataDir = path.resolve(this.d.dataDir);
    const ledgerFile = path.join(dataDir, LEDGER_FILE);
    return {
      dataDir,
      ledgerFile,
      // With the write-ahead log: recent rows live there until SQLite folds them into the file.
      ledgerBytes:
        fs.statSync(ledgerFile).size + (fs.statSync(`${ledgerFile}-wal`, { throwIfNoEntry: false })?.size ?? 0),
      backupsDir: path.join(dataDir, 'backups'),
      howToChange:
        'Quit Hearth, move this folder (or start fresh), then start it with --data-dir DIR (hearth serve) or with HEARTH_DATA_DIR=DIR set (desktop app and hearth serve).',
    };
  }

  // After a restore the core starts again on another ledger: pages showing units hear them anew.
  start(): void {
    this.d.emit('preferences-updated', this.get());
  }
}
