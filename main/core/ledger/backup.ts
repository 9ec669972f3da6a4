import fs from 'node:fs';
import path from 'node:path';
import Database from 'libsql';
import { PRIVATE_FILE_MODE, privateDir } from '../file-mode.ts';
import type { Db } from './db.ts';

export class BackupError extends Error {}

/** The data folder's backups folder: where backups are written, and the one folder a restore reads. */
export const BACKUPS_DIR = 'backups';

export function backupsDir(dataDir: string): string {
  return path.join(dataDir, BACKUPS_DIR);
}

/**
 * The file a page or the remote API names in the backups folder: a bare file name only, so a call
 * over the network can neither write nor read anywhere else on the machine. Returns null when
 * `name` is not one, for the caller to refuse in its own words.
 */
export function backupFileIn(dataDir: string, name: string): string | null {
  const n = name.trim();
  if (n === '' || n === '.' || n === '..' || /[/\\\0]/.test(n) || path.isAbsolute(n) || /^[A-Za-z]:/.test(n))
    return null;
  return path.join(backupsDir(dataDir), n);
}

/** Why a name was refused, and what to do instead; the same words for backup and restore. */
export function notABackupName(name: string, what: 'back up to' | 'restore from'): string {
  return `"${name}" is not a file name in the data folder's backups folder: give only a name such as hearth-backup.db (no folders, no ".."). To ${what} another path, run \`hearth history --${what === 'back up to' ? 'backup' : 'restore'} PATH\` on the machine Hearth runs on`;
}

/**
 * Copies the open ledger to `file` with VACUUM INTO: one read transaction, so the copy is a
 * consistent snapshot even while other connections keep writing (WAL). The copy is then opened
 * on its own and checked with PRAGMA integrity_check. The file is made 0600 before SQLite writes it
 * (VACUUM INTO accepts an empty file), so the copy is never readable by others, not for a moment.
 */
export function backupLedger(db: Db, file: string): { file: string; bytes: number; integrity: string } {
  const target = path.resolve(file);
  if (fs.existsSync(target))
    throw new BackupError(`${target} already exists: choose a new file name; nothing was overwritten`);
  try {
    privateDir(path.dirname(target));
  } catch (err) {
    throw new BackupError(
      `Cannot create the folder ${path.dirname(target)} (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
    );
  }
  try {
    fs.closeSync(fs.openSync(target, 'wx', PRIVATE_FILE_MODE));
  } catch (err) {
    throw new BackupError(
      `Cannot create ${target} (${(err as NodeJS.ErrnoException).code ?? String(err)}): choose a new file name; nothing was overwritten`,
    );
  }
  try {
    db.prepare('VACUUM INTO ?').run(target);
  } catch (err) {
    fs.rmSync(target, { force: true });
    throw new BackupError(`The backup to ${target} failed: ${(err as Error).message}`);
  }
  const copy = new Database(target, { readonly: true });
  try {
    const rows = copy.prepare('PRAGMA integrity_check').all() as { integrity_check: string }[];
    const integrity = rows.map((r) => String(r.integrity_check)).join('; ');
    return { file: target, bytes: fs.statSync(target).size, integrity };
  } finally {
    copy.close();
  }
}

/** `backups/hearth-YYYYMMDD-HHMMSS.db`; a second backup within the same second gets `-2`, `-3` … */
export function defaultBackupFile(dataDir: string, now: number): string {
  const stamp = new Date(now).toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  const name = (n: number) => path.join(backupsDir(dataDir), `hearth-${stamp}${n > 1 ? `-${n}` : ''}.db`);
  let n = 1;
  while (fs.existsSync(name(n))) n++;
  return name(n);
}
