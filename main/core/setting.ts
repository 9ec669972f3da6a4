import type { Db, Migration } from './ledger/db.ts';

export const settingMigrations: Migration[] = [
  {
    id: 'setting/1',
    sql: `CREATE TABLE setting (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL,
      updated_at TEXT NOT NULL
    )`,
  },
];

/**
 * Small JSON documents per key ("tariff", "heating", "mining.pools", ...). Callers validate what
 * they read back with their own schema: a value written by an older version may not match.
 */
export type Settings = {
  get<T>(key: string): T | undefined;
  put(key: string, value: unknown): void;
  delete(key: string): void;
};

export function createSettings(db: Db, now: () => number): Settings {
  const getStmt = db.prepare('SELECT value FROM setting WHERE key = ?');
  const putStmt = db.prepare(
    'INSERT INTO setting (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
  );
  const delStmt = db.prepare('DELETE FROM setting WHERE key = ?');
  return {
    get<T>(key: string): T | undefined {
      const row = getStmt.get(key) as { value: string } | undefined;
      return row ? (JSON.parse(row.value) as T) : undefined;
    },
    put(key, value) {
      putStmt.run(key, JSON.stringify(value), new Date(now()).toISOString());
    },
    delete(key) {
      delStmt.run(key);
    },
  };
}
