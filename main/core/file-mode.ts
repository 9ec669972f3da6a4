import fs from 'node:fs';
import path from 'node:path';

/**
 * The data folder holds the ledger (settings, sealed secrets, history), the secret key and the
 * access token: only its owner may read it. Folders are made 0700 and files 0600 when they are
 * created, whatever the umask; `tightenDataDir` fixes what an older Hearth left readable.
 * Windows has no such modes (its folders under %APPDATA% are the user's own): these are no-ops there.
 */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

const posix = process.platform !== 'win32';

/**
 * mkdir -p, one level at a time, each created level 0700: Node's recursive mkdir never returns on
 * some pseudo file systems (a path under /proc spins forever), and a data folder there must fail
 * with a message instead. Folders that already exist keep their mode.
 */
export function privateDir(dir: string): string {
  const missing: string[] = [];
  let d = path.resolve(dir);
  while (!fs.existsSync(d)) {
    missing.unshift(d);
    const parent = path.dirname(d);
    if (parent === d) break;
    d = parent;
  }
  for (const m of missing) {
    fs.mkdirSync(m, { mode: PRIVATE_DIR_MODE });
    // The umask may take bits away from the mode given, never add them; a chmod makes it exact.
    if (posix) fs.chmodSync(m, PRIVATE_DIR_MODE);
  }
  return path.resolve(dir);
}

/** Creates `file` empty (0600) if it does not exist; an existing file is left as it is. */
export function touchPrivateFile(file: string): void {
  fs.closeSync(fs.openSync(file, 'a', PRIVATE_FILE_MODE));
}

/** writeFileSync for a file in the data folder: created 0600, and made 0600 if it was wider. */
export function writePrivateFile(file: string, data: string | Uint8Array, flag: 'w' | 'wx' = 'w'): void {
  fs.writeFileSync(file, data, { mode: PRIVATE_FILE_MODE, flag });
  narrow(file);
}

/** appendFileSync for a file in the data folder (a job's log): created 0600. */
export function appendPrivateFile(file: string, data: string | Uint8Array): void {
  fs.appendFileSync(file, data, { mode: PRIVATE_FILE_MODE });
}

/** createWriteStream for a file in the data folder: created 0600. */
export function privateWriteStream(file: string, flags: 'a' | 'w' = 'a'): fs.WriteStream {
  return fs.createWriteStream(file, { flags, mode: PRIVATE_FILE_MODE });
}

/** Makes `file` (a file just written, not a link) no wider than 0600 plus its owner's execute bit. */
function narrow(file: string): void {
  if (!posix) return;
  const st = fs.lstatSync(file);
  if (st.isFile() && (st.mode & 0o077) !== 0) fs.chmodSync(file, st.mode & 0o700);
}

/** What `tightenDataDir` changed, relative to the data folder ("." for the folder itself). */
export type ModeFix = { path: string; from: number; to: number };

/**
 * Takes group and other permissions off the data folder and everything in it: folders become 0700,
 * files 0600 (an owner's execute bit is kept: a script a job runs still runs). Symbolic links are
 * neither followed nor changed: what they point to is not the data folder's. Returns what changed.
 */
export function tightenDataDir(dataDir: string): ModeFix[] {
  if (!posix) return [];
  const fixes: ModeFix[] = [];
  const root = path.resolve(dataDir);
  const visit = (p: string) => {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(p);
    } catch {
      return; // removed meanwhile (a job's temp file)
    }
    if (st.isSymbolicLink()) return;
    const mode = st.mode & 0o7777;
    const target = st.isDirectory() ? PRIVATE_DIR_MODE : st.isFile() ? mode & 0o700 : mode;
    if (target !== mode) {
      try {
        fs.chmodSync(p, target);
        fixes.push({ path: path.relative(root, p) || '.', from: mode, to: target });
      } catch {
        // A file owned by someone else (root ran Hearth once): left, the folder's 0700 still shields it.
      }
    }
    if (st.isDirectory()) {
      let names: string[];
      try {
        names = fs.readdirSync(p);
      } catch {
        return;
      }
      for (const n of names) visit(path.join(p, n));
    }
  };
  visit(root);
  return fixes;
}

/** One log line for what `tightenDataDir` fixed, naming the first few paths; null when nothing was. */
export function modeFixText(dataDir: string, fixes: ModeFix[]): string | null {
  if (fixes.length === 0) return null;
  const octal = (m: number) => m.toString(8).padStart(4, '0');
  const shown = fixes
    .slice(0, 5)
    .map((f) => `${f.path} ${octal(f.from)} → ${octal(f.to)}`)
    .join(', ');
  const more = fixes.length > 5 ? ` and ${fixes.length - 5} more` : '';
  return `the data folder ${dataDir} was readable by other users: made ${fixes.length} ${fixes.length === 1 ? 'entry' : 'entries'} private to you (${shown}${more})`;
}
