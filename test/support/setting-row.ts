import type { Db } from '#core/ledger/db';
import { UPSERT_SETTING } from '#core/setting';

/**
 * Writes a setting row as another version of the app (or a damaged file) could have left it:
 * raw text, any shape version. The typed settings API cannot, on purpose.
 */
export function storeRawSetting(db: Db, key: string, value: unknown, version = 1): void {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  db.prepare(UPSERT_SETTING).run(key, text, version, new Date().toISOString());
}
