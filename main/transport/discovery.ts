import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { httpSend, HttpCallError } from './http-client.ts';

/**
 * A running Hearth (`hearth serve`, the desktop app) announces itself in its data folder with this
 * file, so that a `hearth` command on the same folder sends its calls there instead of opening the
 * ledger a second time. Mode 0600: the token in it controls Hearth.
 */
export const SERVER_FILE = 'server.json';

const serverFileSchema = z.object({
  by: z.enum(['serve', 'app']),
  pid: z.number().int().positive(),
  /** Where a process on this machine reaches the HTTP transport (loopback when it listens on all addresses). */
  url: z.string().url(),
  token: z.string().min(1),
  /** A data folder on a shared drive may hold another machine's file: its pid and url mean nothing here. */
  hostname: z.string(),
  startedAt: z.number(),
});

export type ServerFile = z.infer<typeof serverFileSchema>;

/** How long the CLI waits for a running Hearth to answer before opening the folder itself. */
export const PROBE_TIMEOUT_MS = 2_000;

const fileOf = (dataDir: string) => path.join(dataDir, SERVER_FILE);

/** The address a process on this machine uses for a transport listening on `host`. */
export function localUrl(host: string, port: number): string {
  const h =
    host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  return `http://${h}:${port}/`;
}

/**
 * Writes the file (atomically, 0600) and returns how to take it back. `withdraw` removes it only
 * while it is still this process's: a second Hearth started on the folder meanwhile keeps its own.
 */
export function announceServer(
  dataDir: string,
  entry: { by: ServerFile['by']; url: string; token: string },
): { withdraw(): void } {
  const file: ServerFile = { ...entry, pid: process.pid, hostname: os.hostname(), startedAt: Date.now() };
  const target = fileOf(dataDir);
  const tmp = `${target}.${process.pid}.tmp`;
  fs.mkdirSync(dataDir, { recursive: true });
  // A leftover temporary file would keep its own (maybe wider) mode: start from none.
  fs.rmSync(tmp, { force: true });
  fs.writeFileSync(tmp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  fs.renameSync(tmp, target);
  return {
    withdraw() {
      const now = readServerFile(dataDir);
      if (now && now.pid === file.pid && now.token === file.token) fs.rmSync(target, { force: true });
    },
  };
}

/**
 * After `hearth serve --rotate-token`: the running server's file carries the new token at once, so a
 * command started now is not refused (the server itself rewrites it within a second too).
 * Only a `hearth serve` file: the desktop app's endpoint has a token of its own.
 */
export function updateServerToken(dataDir: string, token: string): boolean {
  const file = readServerFile(dataDir);
  if (!file || file.by !== 'serve') return false;
  const target = fileOf(dataDir);
  const tmp = `${target}.${process.pid}.tmp`;
  fs.rmSync(tmp, { force: true });
  fs.writeFileSync(tmp, `${JSON.stringify({ ...file, token }, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  fs.renameSync(tmp, target);
  return true;
}

/**
 * Who holds the data folder's lock (see core/instance-lock.ts), from its server.json: the lock
 * itself can be read by its holder only. The caller adds what the user can do.
 */
export function describeHolder(dataDir: string): string {
  const file = readServerFile(dataDir);
  if (file && file.hostname === os.hostname() && processAlive(file.pid))
    return `Hearth is already running on ${dataDir}: ${file.by === 'app' ? 'the desktop app' : '`hearth serve`'} (pid ${file.pid}, ${file.url})`;
  return `Hearth is already running on ${dataDir} (the desktop app or \`hearth serve\`, still starting: it has not written ${SERVER_FILE} yet)`;
}

/** The file's contents, or null when there is none or it is not one (half-written, edited by hand). */
export function readServerFile(dataDir: string): ServerFile | null {
  let text: string;
  try {
    text = fs.readFileSync(fileOf(dataDir), 'utf8');
  } catch {
    return null;
  }
  try {
    const parsed = serverFileSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Whether a process with this id exists on this machine (ours or another user's). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function sameFolder(a: string, b: string): boolean {
  const real = (p: string) => {
    try {
      return fs.realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  return real(a) === real(b);
}

/**
 * What the CLI found in a data folder: a Hearth that answered, or none (with `note` when one seems
 * to run but did not answer, so the fallback is not silent).
 */
export type Discovery = { server: ServerFile; note?: undefined } | { server: null; note?: string };

/**
 * The running Hearth on `dataDir`, checked: its process is alive on this machine and it answers an
 * authenticated call for this very folder within `timeoutMs`. A file that is certainly stale (the
 * process is gone, nothing listens on its port, the port's listener refuses its token, or it
 * answers for another folder) is removed; a live one that is merely slow is left alone.
 */
export async function findServer(
  dataDir: string,
  { timeoutMs = PROBE_TIMEOUT_MS }: { timeoutMs?: number } = {},
): Promise<Discovery> {
  const file = readServerFile(dataDir);
  if (!file) return { server: null };
  if (file.hostname !== os.hostname()) return { server: null };
  const stale = (): Discovery => {
    // Only the file read above: one written since by a Hearth that just started stays.
    if (readServerFile(dataDir)?.token === file.token) fs.rmSync(fileOf(dataDir), { force: true });
    return { server: null };
  };
  if (!processAlive(file.pid)) return stale();
  try {
    const folder = await httpSend(file.url, file.token, { timeoutMs })('data-folder', {});
    return sameFolder(folder.dataDir, dataDir) ? { server: file } : stale();
  } catch (err) {
    if (err instanceof HttpCallError && (err.reason === 'unreachable' || err.reason === 'unauthorised')) return stale();
    return {
      server: null,
      note: `Hearth (pid ${file.pid}, ${file.url}) seems to run on this data folder but did not answer: ${(err as Error).message}`,
    };
  }
}
