import fs from 'node:fs';
import path from 'node:path';
import Database from 'libsql';
import { LEDGER_FILE } from './db.ts';

export class RestoreError extends Error {}

/** The staged copy and the note saying where the replaced ledger goes; applied before the ledger opens. */
const STAGED = `${LEDGER_FILE}.restore`;
const PENDING = 'restore-pending.json';

type Pending = { keepAs: string; from: string };

/**
 * Checks that `file` is a Hearth ledger: an SQLite file that passes PRAGMA integrity_check and
 * holds the ledger's tables. Returns its slot-row count. Throws RestoreError saying what is wrong.
 */
export function checkLedgerFile(file: string): { slots: number } {
  const target = path.resolve(file);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(target);
  } catch {
    throw new RestoreError(
      `${target} does not exist: choose a backup file (hearth-….db in the data folder's backups folder)`,
    );
  }
  if (!stat.isFile()) throw new RestoreError(`${target} is not a file: choose a backup file`);
  const head = Buffer.alloc(16);
  const fd = fs.openSync(target, 'r');
  try {
    fs.readSync(fd, head, 0, 16, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (head.toString('latin1') !== 'SQLite format 3\0')
    throw new RestoreError(`${target} is not a Hearth ledger (not an SQLite database): nothing was changed`);
  let copy: InstanceType<typeof Database>;
  try {
    copy = new Database(target, { readonly: true });
  } catch (err) {
    throw new RestoreError(`${target} cannot be opened as a database (${(err as Error).message}): nothing was changed`);
  }
  try {
    let integrity: string;
    try {
      integrity = (copy.prepare('PRAGMA integrity_check').all() as { integrity_check: string }[])
        .map((r) => String(r.integrity_check))
        .join('; ');
    } catch (err) {
      throw new RestoreError(`${target} is damaged (${(err as Error).message}): nothing was changed`);
    }
    if (integrity !== 'ok')
      throw new RestoreError(`${target} fails the integrity check (${integrity.slice(0, 200)}): nothing was changed`);
    const tables = new Set(
      (copy.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map(
        (r) => r.name,
      ),
    );
    if (!tables.has('schema_migration') || !tables.has('ledger_slot') || !tables.has('setting')) {
      throw new RestoreError(
        `${target} is an SQLite database but not a Hearth ledger (no ledger tables): nothing was changed`,
      );
    }
    const ids = (copy.prepare('SELECT id FROM schema_migration').all() as { id: string }[]).map((r) => r.id);
    if (!ids.includes('ledger/1'))
      throw new RestoreError(`${target} is not a Hearth ledger (its migrations are not Hearth's): nothing was changed`);
    const slots = Number((copy.prepare('SELECT COUNT(*) AS n FROM ledger_slot').get() as { n: number | bigint }).n);
    return { slots };
  } finally {
    copy.close();
  }
}

/**
 * Checks `file`, then copies it next to the ledger and notes where the current ledger is to be kept,
 * so the swap itself happens while no connection is open (before the ledger opens). A crash
 * between staging and the swap only means the swap happens on the next start.
 */
export function stageRestore(
  dataDir: string,
  file: string,
  now: number,
): { keepAs: string; slots: number; from: string } {
  const from = path.resolve(file);
  const { slots } = checkLedgerFile(from);
  if (path.resolve(dataDir, LEDGER_FILE) === from)
    throw new RestoreError(`${from} is the ledger in use: choose a backup file`);
  const stamp = new Date(now).toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  const keepAs = path.join(dataDir, 'backups', `hearth-before-restore-${stamp}.db`);
  const tmp = path.join(dataDir, `${STAGED}.tmp`);
  fs.rmSync(tmp, { force: true });
  // VACUUM INTO rather than a file copy: a ledger kept in WAL mode has rows in its -wal file too.
  const src = new Database(from, { readonly: true });
  try {
    src.prepare('VACUUM INTO ?').run(tmp);
  } finally {
    src.close();
  }
  fs.renameSync(tmp, path.join(dataDir, STAGED));
  const pending: Pending = { keepAs, from };
  fs.writeFileSync(path.join(dataDir, `${PENDING}.tmp`), JSON.stringify(pending));
  fs.renameSync(path.join(dataDir, `${PENDING}.tmp`), path.join(dataDir, PENDING));
  return { keepAs, slots, from };
}

/**
 * Puts a staged backup in place of the ledger, if one is staged: the current ledger is first copied
 * to the noted backups/ name, so nothing is lost. Runs before the ledger opens. Returns what was
 * done, or null.
 */
export function applyPendingRestore(dataDir: string): Pending | null {
  const note = path.join(dataDir, PENDING);
  const staged = path.join(dataDir, STAGED);
  if (!fs.existsSync(note)) return null;
  if (!fs.existsSync(staged)) {
    fs.rmSync(note, { force: true });
    return null;
  }
  const pending = JSON.parse(fs.readFileSync(note, 'utf8')) as Pending;
  const live = path.join(dataDir, LEDGER_FILE);
  fs.mkdirSync(path.dirname(pending.keepAs), { recursive: true });
  // The replaced ledger is kept as one self-contained file (its WAL folded in). A second run after
  // a crash finds it already kept and goes on with the swap.
  if (fs.existsSync(live) && !fs.existsSync(pending.keepAs)) {
    fs.rmSync(`${pending.keepAs}.tmp`, { force: true });
    const old = new Database(live, { readonly: true });
    try {
      old.prepare('VACUUM INTO ?').run(`${pending.keepAs}.tmp`);
    } finally {
      old.close();
    }
    fs.renameSync(`${pending.keepAs}.tmp`, pending.keepAs);
  }
  // The old WAL must not be replayed onto the restored file.
  for (const suffix of ['-wal', '-shm']) fs.rmSync(live + suffix, { force: true });
  fs.renameSync(staged, live);
  fs.rmSync(note);
  return pending;
}

export function listBackups(dataDir: string): { file: string; bytes: number; modifiedAt: number }[] {
  const dir = path.join(dataDir, 'backups');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.db'))
    .map((n) => {
      const st = fs.statSync(path.join(dir, n));
      return { file: path.join(dir, n), bytes: st.size, modifiedAt: st.mtimeMs };
    })
    .sort((a, b) => b.modifiedAt - a.modifiedAt);
}
