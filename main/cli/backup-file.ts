import fs from 'node:fs';
import path from 'node:path';
import { HandlerError } from '#contract/index';
import { backupsDir } from '#core/ledger/backup';
import { applyPendingRestore, checkLedgerFile, copyLedgerFile, RestoreError, stageRestore } from '#core/ledger/restore';
import { findServer } from '#transport/discovery';
import { dataDirOf, remoteClient, type Send } from './client.ts';
import { rethrowAsUsage, UsageError } from './command.ts';

/**
 * The outside half of backup and restore. Over the contract (a page, the remote API) a backup is
 * only ever named inside the data folder's backups/; the CLI on the machine itself may name any
 * path, and moves the file across that line itself, so the server never takes a path from a caller.
 */

const inBackups = (dataDir: string, file: string) =>
  path.dirname(path.resolve(file)) === path.resolve(backupsDir(dataDir));

/** `hearth history --backup FILE`: a backup in backups/, copied to FILE when FILE lies elsewhere. */
export async function backupTo(dataDir: string, send: Send, target: string): Promise<number> {
  const inside = inBackups(dataDir, target);
  const dest = path.resolve(target);
  if (!inside && fs.existsSync(dest))
    throw new UsageError(`${dest} already exists: choose a new file name; nothing was overwritten`);
  const b = await send('ledger-backup', inside ? { file: path.basename(dest) } : {});
  if (!inside) {
    try {
      copyLedgerFile(b.file, dest);
    } catch (err) {
      throw new UsageError(
        `The backup was written to ${b.file} but could not be copied to ${dest} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      );
    }
    console.log(
      `Backed up the ledger to ${dest} (${fs.statSync(dest).size} bytes, integrity_check: ${b.integrity}); a copy stays in ${b.file}`,
    );
  } else console.log(`Backed up the ledger to ${b.file} (${b.bytes} bytes, integrity_check: ${b.integrity})`);
  return b.integrity === 'ok' ? 0 : 1;
}

/** A name in backups/ that is not taken: `name`, else `name-2`, `name-3` … before the extension. */
function freeName(dir: string, base: string): string {
  const ext = path.extname(base) || '.db';
  const stem = path.basename(base, path.extname(base));
  for (let n = 1; ; n++) {
    const name = `${stem}${n > 1 ? `-${n}` : ''}${ext}`;
    if (!fs.existsSync(path.join(dir, name))) return name;
  }
}

/**
 * `hearth history --restore FILE`: FILE is a name in backups/ or a path on this machine (copied into
 * backups/ first, after the same checks the restore makes). A running Hearth is asked to restore
 * it and restarts on it; when none runs, the swap is done here without opening the ledger, so it
 * also puts back a backup over a ledger too damaged to open.
 */
export async function restoreFrom(values: Record<string, unknown>, file: string): Promise<number> {
  const dataDir = dataDirOf(values);
  const dir = backupsDir(dataDir);
  let name: string;
  if (!/[/\\]/.test(file) && fs.existsSync(path.join(dir, file))) name = file;
  else if (inBackups(dataDir, file)) name = path.basename(file);
  else {
    const from = path.resolve(file);
    try {
      checkLedgerFile(from);
    } catch (err) {
      if (err instanceof RestoreError) throw new UsageError(`${err.message} (the ledger in use is unchanged)`);
      throw err;
    }
    name = freeName(dir, path.basename(from));
    copyLedgerFile(from, path.join(dir, name));
    console.error(`Copied ${from} into ${dir} as ${name}`);
  }
  const found = await findServer(dataDir);
  if (found.server) {
    try {
      const r = await remoteClient(found.server).send('ledger-restore', { file: name });
      console.log(
        `Restored the ledger from ${r.restoredFrom} (${r.slots} slot rows); the ledger it replaced is kept as ${r.keptAs}. ${r.restarted ? 'The running Hearth uses it now.' : 'It takes effect when Hearth starts next.'}`,
      );
      return 0;
    } catch (err) {
      if (err instanceof HandlerError && err.code !== 'failed') rethrowAsUsage(err);
      throw err;
    }
  }
  try {
    const staged = stageRestore(dataDir, path.join(dir, name), Date.now());
    applyPendingRestore(dataDir);
    console.log(
      `Restored the ledger from ${staged.from} (${staged.slots} slot rows); the ledger it replaced is kept in ${dir} (as ${path.basename(staged.keepAs)}, or with .damaged added when it could not be read). Hearth uses it when it starts.`,
    );
    return 0;
  } catch (err) {
    if (err instanceof RestoreError) throw new UsageError(`${err.message} (the ledger in use is unchanged)`);
    throw err;
  }
}
