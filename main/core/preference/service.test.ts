import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_PREFERENCES, type Preferences } from '#contract/index';
import { LEDGER_FILE, openLedger, type Db } from '#core/ledger/db';
import { createSettings, settingMigrations } from '#core/setting';
import { tempDirs } from '../../../test/support/temp-dir.ts';
import { Preference } from './service.ts';

const tmp = tempDirs('hearth-preference-');
const open: Db[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

describe('Preference, built without the core', () => {
  it('changes only the fields given and announces them; a wrong value saves nothing; says where the data is', () => {
    const dataDir = tmp();
    const db = openLedger(dataDir, settingMigrations);
    open.push(db);
    const heard: Preferences[] = [];
    const p = new Preference({
      settings: createSettings(
        db,
        () => 0,
        () => undefined,
      ),
      emit: (_, payload) => heard.push(payload as Preferences),
      dataDir,
    });
    p.start();
    expect(heard).toEqual([DEFAULT_PREFERENCES]);
    expect(p.set({ temperatureUnit: 'F' })).toEqual({ ...DEFAULT_PREFERENCES, temperatureUnit: 'F' });
    expect(() => p.set({ energyUnit: 'MWh' as 'kWh' })).toThrow(/the energy unit is/);
    expect(p.get()).toEqual({ ...DEFAULT_PREFERENCES, temperatureUnit: 'F' });
    expect(heard).toHaveLength(2);
    const where = p.dataFolder();
    expect(where).toMatchObject({
      dataDir: path.resolve(dataDir),
      ledgerFile: path.join(path.resolve(dataDir), LEDGER_FILE),
      backupsDir: path.join(path.resolve(dataDir), 'backups'),
    });
    expect(where.ledgerBytes).toBeGreaterThan(0);
  });
});
