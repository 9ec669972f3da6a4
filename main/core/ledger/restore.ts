import fs from 'node:fs';
import path from 'node:path';
import Database from 'libsql';
import { defaultDataDir } from '../data-dir.ts';
import { PRIVATE_FILE_MODE, privateDir, writePrivateFile } from '../file-mode.ts';
import { backupsDir } from './backup.ts';
import { LEDGER_FILE, ledgerDamage, type CorruptLedgerError } from './db.ts';

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
  const keepAs = path.join(backupsDir(dataDir), `hearth-before-restore-${stamp}.db`);
  const tmp = path.join(dataDir, `${STAGED}.tmp`);
  fs.rmSync(tmp, { force: true });
  emptyPrivateFile(tmp);
  // VACUUM INTO rather than a file copy: a ledger kept in WAL mode has rows in its -wal file too.
  const src = new Database(from, { readonly: true });
  try {
    src.prepare('VACUUM INTO ?').run(tmp);
  } finally {
    src.close();
  }
  fs.renameSync(tmp, path.join(dataDir, STAGED));
  const pending: Pending = { keepAs, from };
  writePrivateFile(path.join(dataDir, `${PENDING}.tmp`), JSON.stringify(pending));
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
  privateDir(path.dirname(pending.keepAs));
  // The replaced ledger is kept as one self-contained file (its WAL folded in). A second run after
  // a crash finds it already kept and goes on with the swap. A damaged ledger (the reason for many
  // a restore) cannot be read that way: its bytes are kept as they are, WAL beside, under a name
  // the backup list leaves out, so it is never offered for a restore but nothing is deleted.
  const damaged = `${pending.keepAs}.damaged`;
  if (fs.existsSync(live) && !fs.existsSync(pending.keepAs) && !fs.existsSync(damaged)) {
    fs.rmSync(`${pending.keepAs}.tmp`, { force: true });
    try {
      // SQLite may read a damaged file without complaint (the -wal beside it answers for page 1).
      const damage = ledgerDamage(live);
      if (damage) throw new Error(damage.reason);
      emptyPrivateFile(`${pending.keepAs}.tmp`);
      const old = new Database(live, { readonly: true });
      try {
        old.prepare('VACUUM INTO ?').run(`${pending.keepAs}.tmp`);
      } finally {
        old.close();
      }
      fs.renameSync(`${pending.keepAs}.tmp`, pending.keepAs);
    } catch {
      fs.rmSync(`${pending.keepAs}.tmp`, { force: true });
      for (const suffix of ['-wal', '']) {
        if (!fs.existsSync(live + suffix)) continue;
        fs.copyFileSync(live + suffix, `${damaged}${suffix}.tmp`);
        fs.chmodSync(`${damaged}${suffix}.tmp`, PRIVATE_FILE_MODE);
        fs.renameSync(`${damaged}${suffix}.tmp`, damaged + suffix);
      }
    }
  }
  // The old WAL must not be replayed onto the restored file.
  for (const suffix of ['-wal', '-shm']) fs.rmSync(live + suffix, { force: true });
  fs.renameSync(staged, live);
  fs.rmSync(note);
  return pending;
}

/**
 * A self-contained copy of the ledger file `from` (its -wal folded in) at `to`, 0600, for the CLI
 * to bring an outside file into backups/ or take one out. Refuses to overwrite.
 */
export function copyLedgerFile(from: string, to: string): void {
  privateDir(path.dirname(to));
  emptyPrivateFile(to);
  try {
    const src = new Database(from, { readonly: true });
    try {
      src.prepare('VACUUM INTO ?').run(to);
    } finally {
      src.close();
    }
  } catch (err) {
    fs.rmSync(to, { force: true });
    throw err;
  }
}

/** SQLite writes into this file (VACUUM INTO takes an empty one): made 0600 first, the copy is private. */
function emptyPrivateFile(file: string): void {
  fs.closeSync(fs.openSync(file, 'wx', PRIVATE_FILE_MODE));
}

export type BackupFile = { name: string; file: string; bytes: number; modifiedAt: number };

/** The `.db` files in backups/, newest first (`name` is what `ledger-restore` takes). */
export function listBackups(dataDir: string): BackupFile[] {
  const dir = backupsDir(dataDir);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.db'))
    .map((n) => {
      const st = fs.statSync(path.join(dir, n));
      return { name: n, file: path.join(dir, n), bytes: st.size, modifiedAt: st.mtimeMs };
    })
    .filter((b) => b.bytes > 0)
    .sort((a, b) => b.modifiedAt - a.modifiedAt);
}

/**
 * What a person reads when the ledger cannot be opened: the file, what is wrong with it, the
 * newest backup with its date and the command that puts it in place (the core does not start on a
 * damaged ledger, so no page can offer the restore). Nothing is deleted on this path.
 */
export function corruptLedgerMessage(
  dataDir: string,
  err: CorruptLedgerError,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const dirFlag =
    path.resolve(dataDir) === path.resolve(defaultDataDir(env))
      ? ''
      : ` --data-dir ${JSON.stringify(path.resolve(dataDir))}`;
  let latest: BackupFile | undefined;
  try {
    latest = listBackups(dataDir)[0];
  } catch {
    latest = undefined;
  }
  const head = `The ledger ${err.file} is damaged and Hearth cannot open it (${err.reason}). Nothing was changed or deleted.`;
  if (!latest)
    return `${head} There is no backup in ${backupsDir(dataDir)}. Restore a copy you have with \`hearth history --restore FILE${dirFlag}\`, or move ${err.file} (and its -wal file) elsewhere to start with an empty ledger.`;
  const when = new Date(latest.modifiedAt)
    .toISOString()
    .replace('T', ' ')
    .replace(/:\d\d\.\d+Z$/, ' UTC');
  return `${head} The latest backup is ${latest.file} (written ${when}). To go back to it, run \`hearth history --restore ${latest.name}${dirFlag}\` (the damaged ledger is kept beside it in ${backupsDir(dataDir)}), then start Hearth again.`;
}
