import type { Db } from '#core/ledger/db';

/**
 * Which setting keys have a stored row. A key without one runs on its declared default: nobody
 * saved or confirmed it, so the first-run setup calls its value assumed. Only reads the setting
 * table the core already made; no table of its own.
 */
export function createSetupStore(db: Db) {
  return {
    stored(keys: string[]): Set<string> {
      if (keys.length === 0) return new Set();
      const rows = db
        .prepare(`SELECT key FROM setting WHERE key IN (${keys.map(() => '?').join(', ')})`)
        .all(...keys) as { key: string }[];
      return new Set(rows.map((r) => r.key));
    },
  };
}

export type SetupStore = ReturnType<typeof createSetupStore>;
