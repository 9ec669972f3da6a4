import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirs } from '../../../test/support/temp-dir.ts';
import { CorruptLedgerError, LEDGER_FILE, ledgerDamage, migrate, openLedger, type Migration } from './db.ts';

const tmp = tempDirs('hearth-db-');
const v1: Migration = { id: 'thing/1', sql: 'CREATE TABLE thing (id INTEGER PRIMARY KEY, name TEXT NOT NULL)' };
const v2: Migration = { id: 'thing/2', sql: "ALTER TABLE thing ADD COLUMN colour TEXT NOT NULL DEFAULT 'red'" };

describe('ledger', () => {
  it('opens one WAL file in the data folder and applies each migration once, in order', () => {
    const dir = tmp();
    const db = openLedger(path.join(dir, 'nested', 'data'), [v1]);
    expect(fs.existsSync(path.join(dir, 'nested', 'data', LEDGER_FILE))).toBe(true);
    expect((db.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode).toBe('wal');
    db.prepare("INSERT INTO thing (name) VALUES ('kept')").run();
    db.close();

    const again = openLedger(path.join(dir, 'nested', 'data'), [v1, v2]);
    expect(again.prepare('SELECT name, colour FROM thing').get()).toMatchObject({ name: 'kept', colour: 'red' });
    expect(migrate(again, [v1, v2])).toEqual([]);
    again.close();
  });

  it('rolls a failing migration back, names it, and keeps what was stored', () => {
    const dir = tmp();
    const db = openLedger(dir, [v1]);
    db.prepare("INSERT INTO thing (name) VALUES ('kept')").run();
    const broken: Migration = {
      id: 'thing/2',
      sql: 'CREATE TABLE other (x INTEGER); ALTER TABLE nope ADD COLUMN y TEXT',
    };
    expect(() => migrate(db, [v1, broken])).toThrow(/Migration thing\/2 failed: .*nope/);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'other'").get()).toBeUndefined();
    expect(db.prepare('SELECT COUNT(*) AS n FROM thing').get()).toMatchObject({ n: 1 });
    db.close();
  });

  it('refuses a migration id listed twice', () => {
    const db = openLedger(tmp(), []);
    expect(() => migrate(db, [v1, v1])).toThrow('Migration "thing/1" is listed twice');
    db.close();
  });

  it('creates the data folder 0700 and hearth.db, its -wal and -shm 0600', () => {
    const dir = path.join(tmp(), 'data');
    const db = openLedger(dir, [v1]);
    db.prepare("INSERT INTO thing (name) VALUES ('x')").run();
    const mode = (f: string) => fs.statSync(path.join(dir, f)).mode & 0o777;
    expect(mode('.')).toBe(0o700);
    expect([mode(LEDGER_FILE), mode(`${LEDGER_FILE}-wal`), mode(`${LEDGER_FILE}-shm`)]).toEqual([0o600, 0o600, 0o600]);
    db.close();
  });

  it('names a ledger overwritten with garbage or cut short as damaged, and changes none of its bytes', () => {
    const dir = tmp();
    const db = openLedger(dir, [v1]);
    const ins = db.prepare('INSERT INTO thing (name) VALUES (?)');
    for (let i = 0; i < 2000; i++) ins.run(`row ${i} `.repeat(20));
    db.close();
    const file = path.join(dir, LEDGER_FILE);
    const whole = fs.readFileSync(file);
    expect(ledgerDamage(file)).toBeNull();
    // libsql keeps the -wal file after close; a damaged main file is judged with it beside.
    expect(fs.existsSync(`${file}-wal`)).toBe(true);

    fs.writeFileSync(file, whole.subarray(0, whole.length / 2));
    expect(() => openLedger(dir, [v1])).toThrow(CorruptLedgerError);
    expect(() => openLedger(dir, [v1])).toThrow(
      /The ledger .*hearth\.db is damaged \(it is cut short: \d+ bytes where its header says \d+ pages/,
    );
    expect(fs.readFileSync(file)).toEqual(whole.subarray(0, whole.length / 2));

    const garbage = Buffer.alloc(whole.length, 0x5a);
    fs.writeFileSync(file, garbage);
    expect(() => openLedger(dir, [v1])).toThrow(/hearth\.db is damaged \(it is not an SQLite database/);
    expect(fs.readFileSync(file)).toEqual(garbage);

    expect(fs.readdirSync(dir).filter((n) => !n.startsWith(LEDGER_FILE))).toEqual([]);
  });

  it('says which folder it cannot write and what to do', () => {
    const file = path.join(tmp(), 'plain-file');
    fs.writeFileSync(file, '');
    expect(() => openLedger(path.join(file, 'data'), [])).toThrow(
      /Cannot write to the data folder .*plain-file.*ENOTDIR.*--data-dir/,
    );
  });
});
