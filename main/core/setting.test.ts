import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startCore } from '#core/app';
import { openLedger } from '#core/ledger/db';
import { ledgerModule } from '#core/ledger/module';
import { marketModule } from '#core/market/module';
import { notificationModule } from '#core/notification/module';
import { preferenceModule } from '#core/preference/module';
import { quiet } from '../../test/support/quiet-log.ts';
import { storeRawSetting } from '../../test/support/setting-row.ts';
import { tempDirs } from '../../test/support/temp-dir.ts';
import { createSettings, defineSetting, settingMigrations } from './setting.ts';

const tmp = tempDirs('hearth-setting-');

const volume = defineSetting<{ level: number; muted: boolean }>({
  key: 'test.volume',
  schema: z.object({ level: z.number().int().min(0).max(10), muted: z.boolean() }).strict(),
  default: () => ({ level: 5, muted: false }),
  version: 2,
  since: '0.1.0',
  // Version 1 stored the level alone, as a number.
  migrate: { 1: (old) => ({ level: old as number, muted: false }) },
  doc: 'a test setting',
});

function open() {
  const db = openLedger(tmp(), settingMigrations);
  const warnings: string[] = [];
  const settings = createSettings(
    db,
    () => Date.UTC(2026, 11, 7),
    (m) => warnings.push(m),
  );
  const backups = () =>
    db.prepare('SELECT key, value, version, problem FROM setting_backup ORDER BY id').all() as {
      key: string;
      value: string;
      version: number;
      problem: string;
    }[];
  const row = () =>
    db.prepare('SELECT value, version FROM setting WHERE key = ?').get(volume.key) as
      { value: string; version: number } | undefined;
  return { db, settings, warnings, backups, row };
}

describe('settings declared once', () => {
  it('reads the default when nothing is stored, and what was stored after that', () => {
    const s = open();
    expect(s.settings.get(volume)).toEqual({ level: 5, muted: false });
    s.settings.set(volume, { level: 7, muted: true });
    expect(s.settings.get(volume)).toEqual({ level: 7, muted: true });
    expect(s.row()!.version).toBe(2);
    expect(() => s.settings.set(volume, { level: 11, muted: false })).toThrow();
    expect(s.settings.get(volume).level).toBe(7);
  });

  it('migrates an older stored shape on load and stores it in the new shape', () => {
    const s = open();
    storeRawSetting(s.db, volume.key, 3, 1);
    expect(s.settings.get(volume)).toEqual({ level: 3, muted: false });
    expect(s.row()).toMatchObject({ value: JSON.stringify({ level: 3, muted: false }), version: 2 });
    expect(s.backups()).toEqual([]);
    expect(s.settings.problems()).toEqual([]);
  });

  it.each([
    ['text that is not JSON', '{"level": 7,', 2, /not valid JSON/],
    ['a value of the wrong shape', JSON.stringify({ level: 'loud', muted: false }), 2, /level: /],
    [
      'a value stored by a newer version',
      JSON.stringify({ level: 7, muted: false, balance: 0 }),
      3,
      /newer Hearth \(shape version 3/,
    ],
  ])('reports %s, keeps it in a backup row, and only then uses the default', (_what, text, version, problem) => {
    const s = open();
    const heard: string[] = [];
    s.settings.onProblem((p) => heard.push(p.key));
    storeRawSetting(s.db, volume.key, text, version);
    expect(s.settings.get(volume)).toEqual({ level: 5, muted: false });
    expect(s.backups()).toEqual([{ key: volume.key, value: text, version, problem: expect.stringMatching(problem) }]);
    expect(s.warnings).toHaveLength(1);
    expect(s.warnings[0]).toMatch(/setting "test.volume": .*setting_backup row 1/);
    expect(heard).toEqual([volume.key]);
    expect(s.settings.problems()).toMatchObject([
      { key: volume.key, backupId: 1, problem: expect.stringMatching(problem) },
    ]);
    // Replaced once: the default is now stored, so the next read is quiet.
    expect(s.settings.get(volume)).toEqual({ level: 5, muted: false });
    expect(s.backups()).toHaveLength(1);
  });

  it('keeps what is still good when the setting knows how to salvage it', () => {
    const s = open();
    const withSalvage = defineSetting({
      ...volume,
      key: 'test.salvage',
      salvage: (v) => ({ ...(v as object), muted: false }),
    });
    storeRawSetting(s.db, withSalvage.key, { level: 9, muted: 'yes' }, 2);
    expect(s.settings.get(withSalvage)).toEqual({ level: 9, muted: false });
    expect(s.backups()).toHaveLength(1);
    expect(s.warnings[0]).toMatch(/the rest of it stays in use/);
  });

  it('refuses a declaration whose versions have no migration between them', () => {
    expect(() => defineSetting({ ...volume, key: 'test.gap', version: 3 })).toThrow(/no migration from version 2/);
  });
});

describe('an invalid setting in the app', () => {
  it('is told to the user as a notification naming the key and the problem, and the ledger keeps the stored text', async () => {
    const dataDir = tmp();
    const modules = () => [ledgerModule(), notificationModule(), preferenceModule()];
    let core = await startCore({ dataDir, log: quiet, modules: modules() });
    storeRawSetting(
      core.db,
      'preferences',
      { temperatureUnit: 'K', energyUnit: 'auto', autostart: false, startMinimized: false },
      2,
    );
    await core.close();

    core = await startCore({ dataDir, log: quiet, modules: modules() });
    try {
      expect(await core.handlers['preferences-get']({})).toMatchObject({ temperatureUnit: 'C' });
      const notes = await core.handlers['notification-list']({});
      expect(notes).toMatchObject([
        { kind: 'setting-invalid', level: 'warning', title: 'The stored setting "preferences" could not be used' },
      ]);
      expect(notes[0]!.body).toMatch(/temperatureUnit: .*setting_backup table, row 1/);
      const kept = core.db.prepare("SELECT value FROM setting_backup WHERE key = 'preferences'").get() as {
        value: string;
      };
      expect(JSON.parse(kept.value)).toMatchObject({ temperatureUnit: 'K' });
    } finally {
      await core.close();
    }
  });

  it('carries mean fees, the pool fee and typed market figures from where older versions kept them into the one market setting', async () => {
    const dataDir = tmp();
    // As the version before one market left the settings table.
    const db = openLedger(dataDir, settingMigrations.slice(0, 1));
    const put = db.prepare('INSERT INTO setting (key, value, updated_at) VALUES (?, ?, ?)');
    put.run(
      'ledger',
      JSON.stringify({
        currency: 'EUR',
        timeZone: 'UTC',
        standingPerDay: '0.41',
        monthlyFee: '0',
        feesBtc: 0.12,
        poolFee: 0.015,
      }),
      '2026-01-01',
    );
    put.run(
      'mining.market.manual',
      JSON.stringify({ btcPrice: 80_000, networkDifficulty: 1.2e14, currency: 'USD' }),
      '2026-01-01',
    );
    db.close();
    const core = await startCore({ dataDir, log: quiet, modules: [marketModule({ refreshMs: 0 }), ledgerModule()] });
    try {
      const st = await core.handlers['market-status']({});
      expect(st).toMatchObject({
        currency: 'USD',
        feesBtc: 0.12,
        poolFee: 0.015,
        btcPrice: { value: 80_000, state: 'override' },
        difficulty: { value: 1.2e14, state: 'override' },
      });
      expect(await core.handlers['ledger-settings']({})).toEqual({
        currency: 'EUR',
        timeZone: 'UTC',
        standingPerDay: '0.41',
        monthlyFee: '0',
      });
      expect(core.db.prepare("SELECT count(*) AS n FROM setting WHERE key LIKE 'mining.market%'").get()).toMatchObject({
        n: 0,
      });
      expect(core.db.prepare('SELECT count(*) AS n FROM setting_backup').get()).toMatchObject({ n: 0 });
    } finally {
      await core.close();
    }
  });
});
