import fs from 'node:fs';
import path from 'node:path';
import Database from 'libsql';
import type { Db } from './db.ts';

export class BackupError extends Error {}

/**
 * Copies the open ledger to `file` with VACUUM INTO: one read transaction, so the copy is a
 * consistent snapshot even while other connections keep writing (WAL). The copy is then opened
 * on its own and checked with PRAGMA integrity_check.
 */
export function backupLedger(db: Db, file: string): { file: string; bytes: number; integrity: string } {
  const target = path.resolve(file);
  if (fs.existsSync(target))
    throw new BackupError(`${target} already exists: choose a new file name; nothing was overwritten`);
  try {
    fs.mkdirSync(path.dirname(target), { recursive: true });
  } catch (err) {
    throw new BackupError(
      `Cannot create the folder ${path.dirname(target)} (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
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
  const name = (n: number) => path.join(dataDir, 'backups', `hearth-${stamp}${n > 1 ? `-${n}` : ''}.db`);
  let n = 1;
  while (fs.existsSync(name(n))) n++;
  return name(n);
}
