import type { Db } from '#core/ledger/db';

/**
 * Writes a setting row as another version of the app (or a damaged file) could have left it:
 * raw text, any shape version. The typed settings API cannot, on purpose.
 */
export function storeRawSetting(db: Db, key: string, value: unknown, version = 1): void {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  db.prepare(
    'INSERT INTO setting (key, value, version, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, version = excluded.version, updated_at = excluded.updated_at',
  ).run(key, text, version, new Date().toISOString());
}
