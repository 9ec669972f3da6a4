import fs from 'node:fs';
import path from 'node:path';
import Database from 'libsql';
import { privateDir, touchPrivateFile } from '../file-mode.ts';

/** The driver's database handle (libsql: an N-API binding whose prebuilt binary ships in npm). */
export type Db = InstanceType<typeof Database>;

/**
 * A schema change. `id` is "<domain>/<n>"; each domain numbers its own migrations so domains can
 * grow their tables independently. Applied once, in the order given, inside a transaction; `run`
 * moves data that SQL alone cannot (a JSON setting's field to another setting).
 */
export type Migration = { id: string; sql: string } | { id: string; run(db: Db): void };

export const LEDGER_FILE = 'hearth.db';

/** The ledger file cannot be read as a database: `reason` says what was found. Nothing was changed. */
export class CorruptLedgerError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`The ledger ${file} is damaged (${reason})`, options);
    this.name = 'CorruptLedgerError';
  }
}

/**
 * Opens (creating if needed) the ledger in `dataDir`, in WAL mode, and applies pending migrations.
 * Fails with a message that names the folder when it cannot be created or written, and with
 * CorruptLedgerError when the file is not a whole SQLite database.
 */
export function openLedger(dataDir: string, migrations: Migration[]): Db {
  const file = path.join(dataDir, LEDGER_FILE);
  try {
    privateDir(dataDir);
    fs.accessSync(dataDir, fs.constants.W_OK);
    // Root passes access checks on read-only mounts such as /proc: try a real write.
    const probe = path.join(dataDir, `.write-test-${process.pid}`);
    fs.writeFileSync(probe, '', { mode: 0o600 });
    fs.rmSync(probe);
    // SQLite creates the -wal and -shm files with the main file's mode: made 0600 here first, they
    // are private too (opened by SQLite, all three would follow the umask, 0644 as a rule).
    touchPrivateFile(file);
  } catch (err) {
    throw new Error(
      `Cannot write to the data folder ${dataDir} (${(err as NodeJS.ErrnoException).code ?? String(err)}): choose another with --data-dir or fix its permissions`,
      { cause: err },
    );
  }
  const damage = ledgerDamage(file);
  if (damage && !damage.check) throw new CorruptLedgerError(file, damage.reason);
  let db: Db | null = null;
  try {
    db = new Database(file);
    if (damage) {
      let found: string | null;
      try {
        found = quickCheck(db);
      } catch (err) {
        found = (err as Error).message;
      }
      if (found) throw new CorruptLedgerError(file, `${damage.reason}; SQLite's check finds: ${found}`);
    }
    db.exec('PRAGMA journal_mode = WAL');
    // NORMAL is durable across application crashes in WAL mode; only a power cut may lose the
    // last transactions, never corrupt the file.
    db.exec('PRAGMA synchronous = NORMAL');
    db.exec('PRAGMA foreign_keys = ON');
    db.exec('PRAGMA busy_timeout = 5000');
    migrate(db, migrations);
    return db;
  } catch (err) {
    db?.close();
    if (err instanceof CorruptLedgerError) throw err;
    const corrupt = corruption(err);
    if (corrupt) throw new CorruptLedgerError(file, corrupt, { cause: err });
    throw err;
  }
}

/** SQLite's own word that the file is no database or a damaged one, from an error or its causes. */
function corruption(err: unknown): string | null {
  for (let e = err; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT' || /not a database|malformed/i.test(e.message))
      return e.message.replace(/^Migration \S+ failed: /, '');
  }
  return null;
}

/**
 * What is wrong with the ledger file before SQLite reads it: no SQLite header (overwritten), or a
 * file shorter than its header says (cut short). SQLite itself would notice the latter only when it
 * reads a missing page, perhaps days later in the middle of booking a slot. A main file may be
 * short for a good reason (a checkpoint cut off by a power cut, the pages still in the -wal file):
 * then SQLite's quick_check, run only in that case, decides. An empty file is a new ledger.
 */
export function ledgerDamage(file: string): { reason: string; check: boolean } | null {
  let size: number;
  const head = Buffer.alloc(100);
  let read: number;
  try {
    size = fs.statSync(file).size;
    if (size === 0) return null;
    const fd = fs.openSync(file, 'r');
    try {
      read = fs.readSync(fd, head, 0, 100, 0);
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    return { reason: `it cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, check: false };
  }
  if (read < 100 || head.toString('latin1', 0, 16) !== 'SQLite format 3\0')
    return { reason: 'it is not an SQLite database: its first bytes are not the SQLite header', check: false };
  const pageSize = head.readUInt16BE(16) === 1 ? 65536 : head.readUInt16BE(16);
  const pages = head.readUInt32BE(28);
  // The page count is valid only where the change counter matches "version-valid-for" (file format).
  const counted = head.readUInt32BE(24) === head.readUInt32BE(92) && pages > 0;
  if (counted && size < pages * pageSize)
    return {
      reason: `it is cut short: ${size} bytes where its header says ${pages} pages of ${pageSize} bytes (${pages * pageSize} bytes)`,
      check: true,
    };
  return null;
}

/** SQLite's quick_check of the whole file: null when it passes, else what it found. */
function quickCheck(db: Db): string | null {
  const rows = db.prepare('PRAGMA quick_check').all() as { quick_check: string }[];
  const found = rows.map((r) => String(r.quick_check)).join('; ');
  return found === 'ok' ? null : found.slice(0, 300);
}

export function migrate(db: Db, migrations: Migration[]): string[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migration (
    id TEXT PRIMARY KEY,
    applied_at TEXT NOT NULL
  )`);
  const seen = new Set<string>();
  for (const m of migrations) {
    if (seen.has(m.id)) throw new Error(`Migration "${m.id}" is listed twice`);
    seen.add(m.id);
  }
  const done = new Set((db.prepare('SELECT id FROM schema_migration').all() as { id: string }[]).map((r) => r.id));
  const applied: string[] = [];
  for (const m of migrations) {
    if (done.has(m.id)) continue;
    db.exec('BEGIN IMMEDIATE');
    try {
      if ('sql' in m) db.exec(m.sql);
      else m.run(db);
      db.prepare('INSERT INTO schema_migration (id, applied_at) VALUES (?, ?)').run(m.id, new Date().toISOString());
      db.exec('COMMIT');
    } catch (err) {
      db.exec('ROLLBACK');
      throw new Error(`Migration ${m.id} failed: ${(err as Error).message}`, { cause: err });
    }
    applied.push(m.id);
  }
  return applied;
}

/** Runs `fn` in one transaction; rolls back if it throws. */
export function inTransaction<T>(db: Db, fn: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const out = fn();
    db.exec('COMMIT');
    return out;
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
}
