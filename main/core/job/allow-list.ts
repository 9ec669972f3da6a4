import fs from 'node:fs';
import path from 'node:path';
import { HandlerError, type AllowedProgram, type AllowedPrograms } from '#contract/index';

/**
 * The programs command jobs may run on this machine, kept in a file in the data folder rather than
 * in the ledger: only someone who can write that folder (a person at this machine, the desktop
 * app, `hearth commands`) changes it, never the HTTP API. It is read again on every check, so a
 * running server sees a change without a restart.
 */
export const ALLOWED_PROGRAMS_FILE = 'allowed-programs.json';

type StoredProgram = Omit<AllowedProgram, 'runsAnything'>;
type Stored = { version: 1; programs: StoredProgram[] };

const listed = (p: StoredProgram): AllowedProgram => ({ ...p, runsAnything: isInterpreter(p.path) });

export function allowedProgramsFile(dataDir: string): string {
  return path.join(dataDir, ALLOWED_PROGRAMS_FILE);
}

/** The list as stored; a missing file is an empty list, a broken one is refused with what to do. */
export function readAllowed(dataDir: string): AllowedPrograms {
  const file = allowedProgramsFile(dataDir);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { programs: [], file };
    throw new HandlerError('failed', `Cannot read the list of allowed programs ${file}: ${(err as Error).message}`);
  }
  try {
    const stored = JSON.parse(text) as Partial<Stored>;
    if (!Array.isArray(stored.programs)) throw new Error('it has no "programs" list');
    const programs = stored.programs.filter(
      (p): p is StoredProgram => typeof p?.path === 'string' && path.isAbsolute(p.path),
    );
    return { programs: programs.map((p) => listed({ path: p.path, addedAt: Number(p.addedAt) || 0 })), file };
  } catch (err) {
    // Refusing every program is the safe reading of a list that cannot be read.
    throw new HandlerError(
      'failed',
      `The list of allowed programs ${file} cannot be read: ${(err as Error).message}`,
      'Fix or delete the file, then allow the programs again with `hearth commands allow PROGRAM`.',
    );
  }
}

function write(dataDir: string, programs: AllowedProgram[]): void {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = allowedProgramsFile(dataDir);
  const tmp = `${file}.${process.pid}.tmp`;
  const stored: Stored = { version: 1, programs: programs.map(({ path: p, addedAt }) => ({ path: p, addedAt })) };
  // Written aside and renamed: a reader never sees half a list, and the mode is the owner's only.
  fs.writeFileSync(tmp, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
}

function isExecutableFile(p: string): boolean {
  try {
    if (!fs.statSync(p).isFile()) return false;
    fs.accessSync(p, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The file a program name stands for, links followed, found the way a child process is started: a
 * name with a slash from `cwd`, a bare name through PATH. Null where there is no such program.
 */
export function resolveProgram(
  program: string,
  { cwd = process.cwd(), env = process.env }: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): string | null {
  const candidates =
    program.includes('/') || program.includes(path.sep)
      ? [path.resolve(cwd, program)]
      : (env['PATH'] ?? '')
          .split(path.delimiter)
          .filter((d) => d !== '')
          .map((d) => path.resolve(cwd, d, program));
  for (const c of candidates) {
    if (!isExecutableFile(c)) continue;
    try {
      return fs.realpathSync(c);
    } catch {
      // Gone between the two calls: try the next.
    }
  }
  return null;
}

function resolveOrRefuse(program: string, cwd: string, hint: string, field?: string): string {
  const resolved = resolveProgram(program, { cwd });
  if (resolved !== null) return resolved;
  throw new HandlerError(
    'not-found',
    `Cannot find the program "${program}": no executable file by that name${program.includes('/') ? '' : ' in PATH'}`,
    hint,
    field,
  );
}

/** The message a job with a program not on the list gets: what it is, and the two ways to allow it. */
export function notAllowedMessage(resolved: string): string {
  return `${resolved} is not on this machine's list of allowed programs. Allow it on this machine: \`hearth commands allow ${resolved}\`, or in the desktop app: Settings → Allowed programs.`;
}

/**
 * The resolved program a command job will run, or a refusal: no such program, or a program not
 * on the list. Called when a job is created and again before every start.
 */
export function checkProgram(dataDir: string, program: string, cwd: string): string {
  const resolved = resolveOrRefuse(
    program,
    cwd,
    'Check the command, or give the program as an absolute path.',
    'spec.command',
  );
  const allowed = readAllowed(dataDir).programs.some((p) => p.path === resolved);
  if (!allowed) throw new HandlerError('bad-request', notAllowedMessage(resolved), undefined, 'spec.command');
  return resolved;
}

/** Adds a program (resolved first, so the list holds what really runs). */
export function allowProgram(dataDir: string, program: string, now: number, cwd = process.cwd()) {
  const resolved = resolveOrRefuse(
    program,
    cwd,
    'Give the absolute path of an executable file, such as /usr/bin/python3.',
  );
  const list = readAllowed(dataDir);
  if (list.programs.some((p) => p.path === resolved)) return { ...list, program: resolved, changed: false };
  const programs = [...list.programs, listed({ path: resolved, addedAt: now })];
  write(dataDir, programs);
  return { programs, file: list.file, program: resolved, changed: true };
}

/** Takes a program off the list: as listed, or (a name, a link) as it resolves now. */
export function removeProgram(dataDir: string, program: string, cwd = process.cwd()) {
  const list = readAllowed(dataDir);
  const literal = path.isAbsolute(program) ? path.normalize(program) : null;
  const target =
    list.programs.find((p) => p.path === literal)?.path ?? resolveProgram(program, { cwd }) ?? literal ?? program;
  const programs = list.programs.filter((p) => p.path !== target);
  if (programs.length === list.programs.length) return { ...list, program: target, changed: false };
  write(dataDir, programs);
  return { programs, file: list.file, program: target, changed: true };
}

/** Programs that run whatever they are given: allowing one allows anything. */
export function isInterpreter(resolved: string): boolean {
  return /^(?:sh|bash|dash|zsh|ksh|fish|csh|tcsh|busybox|python[\d.]*|node|perl[\d.]*|ruby[\d.]*|env|pwsh|powershell|cmd\.exe)$/i.test(
    path.basename(resolved),
  );
}
