import type { z } from 'zod';
import { inTransaction, type Db, type Migration } from './ledger/db.ts';

export const settingMigrations: Migration[] = [
  {
    id: 'setting/1',
    sql: `CREATE TABLE setting (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL,
      updated_at TEXT NOT NULL
    )`,
  },
  {
    // Rows written before settings carried a version are version 1: what that code stored.
    id: 'setting/2',
    sql: `ALTER TABLE setting ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
    CREATE TABLE setting_backup (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      key TEXT NOT NULL,
      value TEXT NOT NULL,
      version INTEGER NOT NULL,
      problem TEXT NOT NULL,
      backed_up_at TEXT NOT NULL
    )`,
  },
];

/** Writes one row as it is: key, JSON text, shape version, time (the typed writer, and migrations). */
export const UPSERT_SETTING =
  'INSERT INTO setting (key, value, version, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, version = excluded.version, updated_at = excluded.updated_at';

/**
 * One setting, declared once: its key, the shape it is stored in, its default, and how older
 * stored shapes become the current one. `version` counts the stored shape; `migrate[n]` turns a
 * version-n value into version n + 1. `since` is the app version the setting appeared in.
 */
export type SettingDef<T> = {
  key: string;
  schema: z.ZodType<T>;
  default: () => T;
  version: number;
  since: string;
  migrate?: Record<number, (old: unknown) => unknown>;
  /** One line for the settings reference (docs/settings.md). */
  doc: string;
  /** The default in words, where it depends on the machine (its time zone, its cores). */
  defaultDoc?: string;
  /** Kept by the app itself (a cache, a measured figure), not set by a person. */
  internal?: boolean;
  /**
   * Keeps what is still good of an invalid value (say, all but a source whose checks were
   * tightened); it is reported and backed up all the same. Without it the default replaces it.
   */
  salvage?: (value: unknown) => unknown;
};

const declared = new Map<string, SettingDef<unknown>>();

/** Every setting declared so far (the generated reference lists them all). */
export function declaredSettings(): SettingDef<unknown>[] {
  return [...declared.values()];
}

export function defineSetting<T>(def: SettingDef<T>): SettingDef<T> {
  for (let v = 1; v < def.version; v++) {
    if (!def.migrate?.[v])
      throw new Error(`setting "${def.key}" is at version ${def.version} but has no migration from version ${v}`);
  }
  if (declared.has(def.key)) throw new Error(`setting "${def.key}" is declared twice`);
  declared.set(def.key, def as SettingDef<unknown>);
  return def;
}

/**
 * For settings that appeared in `since` and were read merged over their defaults, so that a row
 * written then may lack any field: version 2 stores them whole, and migrating fills the gaps.
 */
export function wholeSince<T extends object>(
  since: string,
  defaults: () => T,
): Pick<SettingDef<T>, 'since' | 'default' | 'version' | 'migrate'> {
  return { since, default: defaults, version: 2, migrate: { 1: (old) => ({ ...defaults(), ...(old as object) }) } };
}

/** A stored value that could not be used: kept in setting_backup row `backupId`, then replaced by the default. */
export type SettingProblem = { key: string; problem: string; backupId: number; at: number };

/** Typed settings: a read is always a valid value of the declared shape. */
export type Settings = {
  get<T>(def: SettingDef<T>): T;
  /** Validates against the declared schema (a wrong value is a bug, and throws) and stores. */
  set<T>(def: SettingDef<T>, value: T): T;
  update<T>(def: SettingDef<T>, change: (current: T) => T): T;
  /** Problems found since the core started, oldest first (the notifier reports each once). */
  problems(): SettingProblem[];
  onProblem(listener: (p: SettingProblem) => void): () => void;
};

type Row = { value: string; version: number };

export function createSettings(db: Db, now: () => number, warn: (msg: string) => void): Settings {
  const getStmt = db.prepare('SELECT value, version FROM setting WHERE key = ?');
  const putStmt = db.prepare(UPSERT_SETTING);
  const backupStmt = db.prepare(
    'INSERT INTO setting_backup (key, value, version, problem, backed_up_at) VALUES (?, ?, ?, ?, ?)',
  );
  const found: SettingProblem[] = [];
  const listeners = new Set<(p: SettingProblem) => void>();

  const write = <T>(def: SettingDef<T>, value: T) => {
    putStmt.run(def.key, JSON.stringify(value), def.version, new Date(now()).toISOString());
  };

  // The stored text goes to the backup before the default overwrites it: a person can still
  // recover what they had typed (`SELECT * FROM setting_backup`).
  const reject = <T>(def: SettingDef<T>, row: Row, problem: string, value?: unknown): T => {
    const kept = value !== undefined && def.salvage ? def.schema.safeParse(def.salvage(value)) : null;
    const fallback = kept?.success ? kept.data : def.default();
    const backupId = inTransaction(db, () => {
      const r = backupStmt.run(def.key, row.value, row.version, problem, new Date(now()).toISOString());
      write(def, fallback);
      return Number(r.lastInsertRowid);
    });
    const p: SettingProblem = { key: def.key, problem, backupId, at: now() };
    found.push(p);
    warn(
      `setting "${def.key}": ${problem}. The stored value is kept in setting_backup row ${backupId}; ${kept?.success ? 'the rest of it stays in use' : 'the default is used instead'}.`,
    );
    for (const l of listeners) l(p);
    return fallback;
  };

  const read = <T>(def: SettingDef<T>, row: Row): T => {
    let value: unknown;
    try {
      value = JSON.parse(row.value);
    } catch {
      return reject(def, row, 'the stored value is not valid JSON');
    }
    if (row.version > def.version)
      return reject(
        def,
        row,
        `it was stored by a newer Hearth (shape version ${row.version}, this one knows ${def.version})`,
      );
    for (let v = row.version; v < def.version; v++) {
      try {
        value = def.migrate![v]!(value);
      } catch (err) {
        return reject(def, row, `migrating it from version ${v} failed: ${(err as Error).message}`);
      }
    }
    const parsed = def.schema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
      return reject(def, row, `${where}${issue?.message ?? 'invalid'}`, value);
    }
    if (row.version < def.version) write(def, parsed.data);
    return parsed.data;
  };

  const get = <T>(def: SettingDef<T>): T => {
    const row = getStmt.get(def.key) as Row | undefined;
    return row ? read(def, { value: row.value, version: Number(row.version) }) : def.default();
  };

  const set = <T>(def: SettingDef<T>, value: T): T => {
    const parsed = def.schema.parse(value);
    write(def, parsed);
    return parsed;
  };

  return {
    get,
    set,
    update: (def, change) => set(def, change(get(def))),
    problems: () => [...found],
    onProblem(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
