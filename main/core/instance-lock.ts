import fs from 'node:fs';
import path from 'node:path';
import Database from 'libsql';
import { privateDir } from './file-mode.ts';

/**
 * The file whose exclusive SQLite lock says "a Hearth runs on this folder". An OS file lock, not a
 * pid in a file: it goes with the process however that ends (SIGKILL, a crash, a power cut), and
 * two processes that race for it cannot both win. Only long-running owners of the folder take it
 * (`hearth serve`, the desktop app); one-shot commands that open the ledger themselves do not.
 */
export const LOCK_FILE = 'hearth.lock';

export type InstanceLock = { release(): void };

/** Another process holds the folder: `message` names it as well as the folder lets us know. */
export class InstanceLockedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InstanceLockedError';
  }
}

/**
 * Takes the folder's lock or throws: InstanceLockedError when another process holds it (`owner()`
 * is asked then for who that is), or the "Cannot write to the data folder" error when the folder
 * cannot hold a file at all.
 */
export function acquireInstanceLock(dataDir: string, owner: () => string): InstanceLock {
  let db: InstanceType<typeof Database>;
  try {
    privateDir(dataDir);
    db = new Database(path.join(dataDir, LOCK_FILE));
  } catch (err) {
    throw new Error(
      `Cannot write to the data folder ${dataDir} (${(err as NodeJS.ErrnoException).code ?? String(err)}): choose another with --data-dir or fix its permissions`,
      { cause: err },
    );
  }
  try {
    fs.chmodSync(path.join(dataDir, LOCK_FILE), 0o600);
    // No waiting: the other holder is a long-running process, it will not let go in a moment.
    db.exec('PRAGMA busy_timeout = 0');
    // EXCLUSIVE mode keeps the write lock after the first transaction until the connection closes.
    db.exec('PRAGMA locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL, at INTEGER NOT NULL)');
    db.exec('DELETE FROM holder');
    db.prepare('INSERT INTO holder (pid, at) VALUES (?, ?)').run(process.pid, Date.now());
    db.exec('COMMIT');
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') throw new InstanceLockedError(owner());
    throw err;
  }
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      db.close();
    },
  };
}
