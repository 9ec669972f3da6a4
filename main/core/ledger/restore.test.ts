import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dispatch } from '#core/handler';
import { startHostedCore, type HostedCore } from '#core/host';
import { preferenceModule } from '#core/preference/module';
import { quiet } from '../../../test/support/quiet-log.ts';
import { tempDirs } from '../../../test/support/temp-dir.ts';
import { ledgerModule } from './module.ts';
import { applyPendingRestore, stageRestore } from './restore.ts';

const tmp = tempDirs('hearth-restore-');
const SLOTS_CSV = (n: number) => {
  const lines = [
    'start_utc,end_utc,device,job,energy_kwh,energy_source,heat_kwh,heat_met_kwh,currency,price_per_kwh,cost,heat_credit,revenue_expected,revenue_credited,training_work,training_value',
  ];
  for (let i = 0; i < n; i++) {
    const t = Date.UTC(2026, 0, 1) + i * 900_000;
    lines.push(
      `${new Date(t).toISOString()},${new Date(t + 900_000).toISOString()},cpu,mining,0.25,measured,0.25,0.1,EUR,0.3,0.075,0.0025,0.000000042,0,0,0`,
    );
  }
  return `${lines.join('\n')}\n`;
};

const open: HostedCore[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
});

async function hosted(dataDir: string): Promise<HostedCore> {
  const c = await startHostedCore({
    dataDir,
    log: quiet,
    modules: [ledgerModule({ sampleMs: 3_600_000 }), preferenceModule()],
  });
  open.push(c);
  return c;
}

const slotCount = async (c: HostedCore) =>
  (await c.handlers['ledger-export-csv']({ kind: 'slots', days: 3660, until: '2026-12-31' })).rows;

describe('ledger restore', () => {
  it('backs up, changes the ledger, restores the backup with the core restarted in place, and keeps the replaced ledger aside', async () => {
    const dataDir = tmp();
    const c = await hosted(dataDir);
    await c.handlers['ledger-import-csv']({ csv: SLOTS_CSV(8) });
    await c.handlers['preferences-set']({ temperatureUnit: 'F' });
    const backup = await c.handlers['ledger-backup']({});
    expect(backup.integrity).toBe('ok');
    expect((await c.handlers['ledger-backups']({})).map((b) => [b.name, b.file])).toEqual([
      [path.basename(backup.file), backup.file],
    ]);

    await c.handlers['ledger-import-csv']({ csv: SLOTS_CSV(20) });
    await c.handlers['preferences-set']({ temperatureUnit: 'C' });
    expect(await slotCount(c)).toBe(20);
    const before = c.current();
    const events: string[] = [];
    c.events.onAny((e) => events.push(e));

    // A call made while the core restarts waits for the restored ledger rather than failing.
    const restoring = c.handlers['ledger-restore']({ file: path.basename(backup.file) });
    const during = c.handlers['preferences-get']({});
    const r = await restoring;
    expect((await during).temperatureUnit).toBe('F');
    expect(r).toMatchObject({ restoredFrom: backup.file, restarted: true, slots: 8 });
    // Same handler object, new core underneath: the transport never noticed.
    expect(c.current()).not.toBe(before);
    expect(await slotCount(c)).toBe(8);
    expect((await c.handlers['preferences-get']({})).temperatureUnit).toBe('F');
    // Events of the new core reach listeners subscribed before the restart: the restored units are announced.
    expect(events).toContain('preferences-updated');
    // Nothing lost: the replaced ledger (20 slots) is kept and is itself restorable.
    expect(fs.existsSync(r.keptAs)).toBe(true);
    const back = await c.handlers['ledger-restore']({ file: path.basename(r.keptAs) });
    expect(back.slots).toBe(20);
    expect(await slotCount(c)).toBe(20);
  });

  it('refuses a file that is not a Hearth ledger, with a message naming it, and changes nothing', async () => {
    const dataDir = tmp();
    const c = await hosted(dataDir);
    await c.handlers['ledger-import-csv']({ csv: SLOTS_CSV(5) });
    fs.mkdirSync(path.join(dataDir, 'backups'));
    const text = path.join(dataDir, 'backups', 'notes.db');
    fs.writeFileSync(text, 'just some text, not a database\n'.repeat(100));
    const other = path.join(dataDir, 'backups', 'other.db');
    // A real SQLite database, but some other program's.
    const Database = (await import('libsql')).default;
    const db = new Database(other);
    db.exec('CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)');
    db.close();
    const truncated = path.join(dataDir, 'backups', 'truncated.db');
    const good = await c.handlers['ledger-backup']({});
    fs.writeFileSync(truncated, fs.readFileSync(good.file).subarray(0, 4096 + 100));

    for (const [file, message] of [
      [text, /not a Hearth ledger \(not an SQLite database\).*nothing was changed/],
      [other, /not a Hearth ledger \(no ledger tables\)/],
      [path.join(dataDir, 'backups', 'missing.db'), /does not exist/],
      [truncated, /integrity|damaged|malformed|cannot be opened|not a Hearth ledger/],
    ] as const) {
      const env = await dispatch(c.handlers, 'ledger-restore', { file: path.basename(file) });
      expect(env.ok).toBe(false);
      if (!env.ok) {
        expect(env.error.code).toBe('bad-request');
        expect(env.error.message).toMatch(message);
        expect(env.error.hint).toMatch(/unchanged/);
      }
    }
    expect(await slotCount(c)).toBe(5);
    expect(fs.readdirSync(dataDir).filter((n) => n.includes('restore'))).toEqual([]);
    const empty = await dispatch(c.handlers, 'ledger-restore', { file: '  ' });
    expect(empty).toMatchObject({ ok: false, error: { message: /ledger-restore: file: choose a backup file/ } });
  });

  it('over the contract, backup and restore name a file in backups/ only: a path is refused and nothing is written or read', async () => {
    const dataDir = tmp();
    const outside = tmp();
    const c = await hosted(dataDir);
    await c.handlers['ledger-import-csv']({ csv: SLOTS_CSV(3) });
    // A real ledger outside the folder: a remote caller must not be able to restore it (or learn it exists).
    const foreign = await c.handlers['ledger-backup']({ file: 'mine.db' });
    fs.copyFileSync(foreign.file, path.join(outside, 'theirs.db'));
    const names = [
      path.join(outside, 'x.db'),
      '../x.db',
      '..',
      'sub/x.db',
      'sub\\x.db',
      `../../${path.basename(outside)}/theirs.db`,
      '/etc/passwd',
    ];
    for (const file of names) {
      const b = await dispatch(c.handlers, 'ledger-backup', { file });
      expect(b).toMatchObject({
        ok: false,
        error: {
          code: 'bad-request',
          message: /is not a file name in the data folder's backups folder.*hearth history --backup PATH/,
        },
      });
      const r = await dispatch(c.handlers, 'ledger-restore', { file });
      expect(r).toMatchObject({
        ok: false,
        error: {
          code: 'bad-request',
          message: /is not a file name in the data folder's backups folder.*hearth history --restore PATH/,
        },
      });
    }
    expect(fs.readdirSync(outside)).toEqual(['theirs.db']);
    expect(fs.existsSync(path.join(dataDir, 'x.db'))).toBe(false);
    expect(await slotCount(c)).toBe(3);
    // A name in backups/ works, and the file is private.
    const named = await c.handlers['ledger-backup']({ file: 'before-upgrade.db' });
    expect(named.file).toBe(path.join(path.resolve(dataDir), 'backups', 'before-upgrade.db'));
    expect(fs.statSync(named.file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(dataDir, 'backups')).mode & 0o777).toBe(0o700);
  });

  it('a damaged ledger stops the start with a message naming the file, the latest backup with its date and the command; nothing is deleted', async () => {
    const dataDir = tmp();
    const c = await hosted(dataDir);
    await c.handlers['ledger-import-csv']({ csv: SLOTS_CSV(4) });
    const older = await c.handlers['ledger-backup']({ file: 'older.db' });
    const latest = await c.handlers['ledger-backup']({ file: 'latest.db' });
    await c.close();
    open.splice(0);
    fs.utimesSync(older.file, new Date('2026-11-01T10:00:00Z'), new Date('2026-11-01T10:00:00Z'));
    fs.utimesSync(latest.file, new Date('2026-12-06T21:15:00Z'), new Date('2026-12-06T21:15:00Z'));
    const ledger = path.join(dataDir, 'hearth.db');
    const garbage = Buffer.alloc(fs.statSync(ledger).size, 0x41);
    fs.writeFileSync(ledger, garbage);
    const before = fs.readdirSync(dataDir).sort();

    const failed = await hosted(dataDir).then(
      () => null,
      (err: Error) => err.message,
    );
    expect(failed).toContain(`The ledger ${ledger} is damaged and Hearth cannot open it (it is not an SQLite database`);
    expect(failed).toContain(`The latest backup is ${latest.file} (written 2026-12-06 21:15 UTC)`);
    expect(failed).toContain(
      `run \`hearth history --restore latest.db --data-dir ${JSON.stringify(path.resolve(dataDir))}\``,
    );
    expect(failed).not.toMatch(/^file is not a database$/);
    expect(fs.readFileSync(ledger)).toEqual(garbage);
    expect(fs.readdirSync(dataDir).sort()).toEqual(before);

    // What the message says to do works: the damaged file is kept aside, the backup is in place.
    const staged = stageRestore(dataDir, latest.file, Date.parse('2026-12-07T08:00:00Z'));
    expect(applyPendingRestore(dataDir)).not.toBeNull();
    expect(fs.readFileSync(`${staged.keepAs}.damaged`)).toEqual(garbage);
    const again = await hosted(dataDir);
    expect(await slotCount(again)).toBe(4);
  });

  it('the hosted handler map offers contract methods only (it is never mistaken for a promise)', async () => {
    const c = await hosted(tmp());
    expect((c.handlers as unknown as Record<string, unknown>)['then']).toBeUndefined();
    expect((c.handlers as unknown as Record<string, unknown>)['no-such-method']).toBeUndefined();
    expect(await Promise.resolve(c.handlers)).toBe(c.handlers);
  });

  it('preferences: refuses a wrong unit naming the field, and reports the data folder', async () => {
    const dataDir = tmp();
    const c = await hosted(dataDir);
    const bad = await dispatch(c.handlers, 'preferences-set', { temperatureUnit: 'K' });
    expect(bad).toMatchObject({
      ok: false,
      error: { code: 'bad-request', message: /temperatureUnit: the temperature unit is "C" \(°C\) or "F" \(°F\)/ },
    });
    expect(await c.handlers['preferences-get']({})).toEqual({
      temperatureUnit: 'C',
      energyUnit: 'auto',
      autostart: false,
      startMinimized: false,
    });
    const folder = await c.handlers['data-folder']({});
    expect(folder.dataDir).toBe(path.resolve(dataDir));
    expect(folder.ledgerBytes).toBeGreaterThan(0);
    expect(folder.howToChange).toMatch(/--data-dir/);
  });
});
