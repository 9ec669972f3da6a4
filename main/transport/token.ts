import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The access token of `hearth serve`, kept in the data folder (mode 0600) so that it survives a
 * restart and a bookmarked address keeps working. Only a process on this machine that can read the
 * folder can rotate it; no API call changes it.
 */
export const TOKEN_FILE = 'access-token';

const fileOf = (dataDir: string) => path.join(dataDir, TOKEN_FILE);
const fresh = (): string => crypto.randomBytes(32).toString('base64url');
// A token is base64url; anything else in the file (an editor's stray newline aside) was not written by us.
const VALID = /^[\w-]{32,}$/;

function write(dataDir: string, token: string): void {
  const target = fileOf(dataDir);
  const tmp = `${target}.${process.pid}.tmp`;
  fs.rmSync(tmp, { force: true });
  fs.writeFileSync(tmp, `${token}\n`, { mode: 0o600, flag: 'wx' });
  // Atomic: a server reading the file never sees half a token.
  fs.renameSync(tmp, target);
}

/** The stored token, or a new one stored now (also when the file holds something that is no token). */
export function loadOrCreateToken(dataDir: string): string {
  try {
    const text = fs.readFileSync(fileOf(dataDir), 'utf8').trim();
    if (VALID.test(text)) {
      // Older installs, or a copy made with a wide umask: the token controls Hearth.
      fs.chmodSync(fileOf(dataDir), 0o600);
      return text;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const token = fresh();
  write(dataDir, token);
  return token;
}

/** Replaces the stored token with a new one and returns it. */
export function rotateToken(dataDir: string): string {
  const token = fresh();
  write(dataDir, token);
  return token;
}

/**
 * The token as the file says now, re-read only when the file changed (a `stat` per call), so a
 * running server refuses the old token from the first request after `hearth serve --rotate-token`.
 * When the file is gone or unreadable the last token read stays: deleting it locks nobody out.
 */
export function watchedToken(dataDir: string, initial: string): () => string {
  let current = initial;
  let seen = stamp(fileOf(dataDir));
  return () => {
    const now = stamp(fileOf(dataDir));
    if (now !== null && now !== seen) {
      seen = now;
      try {
        const text = fs.readFileSync(fileOf(dataDir), 'utf8').trim();
        if (VALID.test(text)) current = text;
      } catch {
        // keep the last good token
      }
    }
    return current;
  };
}

function stamp(file: string): string | null {
  try {
    const s = fs.statSync(file);
    return `${s.ino}:${s.mtimeMs}:${s.size}`;
  } catch {
    return null;
  }
}
