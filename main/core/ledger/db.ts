import fs from 'node:fs';
import path from 'node:path';
import Database from 'libsql';

/** The driver's database handle (libsql: an N-API binding whose prebuilt binary ships in npm). */
export type Db = InstanceType<typeof Database>;

/**
 * A schema change. `id` is "<domain>/<n>"; each domain numbers its own migrations so domains can
 * grow their tables independently. Applied once, in the order given, inside a transaction; `run`
 * moves data that SQL alone cannot (a JSON setting's field to another setting).
 */
export type Migration = { id: string; sql: string } | { id: string; run(db: Db): void };

export const LEDGER_FILE = 'hearth.db';

/**
 * Opens (creating if needed) the ledger in `dataDir`, in WAL mode, and applies pending migrations.
 * Fails with a message that names the folder when it cannot be created or written.
 */
export function openLedger(dataDir: string, migrations: Migration[]): Db {
  try {
    makeDirs(dataDir);
    fs.accessSync(dataDir, fs.constants.W_OK);
    // Root passes access checks on read-only mounts such as /proc: try a real write.
    const probe = path.join(dataDir, `.write-test-${process.pid}`);
    fs.writeFileSync(probe, '');
    fs.rmSync(probe);
  } catch (err) {
    throw new Error(
      `Cannot write to the data folder ${dataDir} (${(err as NodeJS.ErrnoException).code ?? String(err)}): choose another with --data-dir or fix its permissions`,
      { cause: err },
    );
  }
  const db = new Database(path.join(dataDir, LEDGER_FILE));
  db.exec('PRAGMA journal_mode = WAL');
  // NORMAL is durable across application crashes in WAL mode; only a power cut may lose the
  // last transactions, never corrupt the file.
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec('PRAGMA foreign_keys = ON');
  db.exec('PRAGMA busy_timeout = 5000');
  migrate(db, migrations);
  return db;
}

/**
 * mkdir -p, one level at a time: Node's recursive mkdir never returns on some pseudo file systems
 * (a path under /proc spins forever), and a data folder there must fail with a message instead.
 */
function makeDirs(dir: string): void {
  const missing: string[] = [];
  let d = path.resolve(dir);
  while (!fs.existsSync(d)) {
    missing.unshift(d);
    const parent = path.dirname(d);
    if (parent === d) break;
    d = parent;
  }
  for (const m of missing) fs.mkdirSync(m);
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
