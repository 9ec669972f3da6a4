import { inTransaction, type Db, type Migration } from '#core/ledger/db';
import type { SpotSlot } from './adapter/types.ts';

export const tariffMigrations: Migration[] = [
  {
    id: 'tariff/1',
    sql: `
      CREATE TABLE price_slot (
        source TEXT NOT NULL,          -- series: "csv", "awattar:de", "entsoe:10YBE----------2", ...
        start INTEGER NOT NULL,        -- ms since epoch UTC
        end INTEGER NOT NULL,          -- exclusive
        spot REAL NOT NULL,            -- per kWh, before charges and tax
        currency TEXT NOT NULL,
        fetched_at INTEGER NOT NULL,   -- when this slot was fetched or imported
        PRIMARY KEY (source, start)
      ) WITHOUT ROWID;
    `,
  },
];

export type StoredSlot = SpotSlot & { fetchedAt: number };

/** The ledger's cache of fetched and imported prices, one series per source. */
export function createPriceStore(db: Db) {
  const del = db.prepare('DELETE FROM price_slot WHERE source = ? AND start < ? AND end > ?');
  const ins = db.prepare(
    'INSERT OR REPLACE INTO price_slot (source, start, end, spot, currency, fetched_at) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const range = db.prepare(
    'SELECT start, end, spot, currency, fetched_at FROM price_slot WHERE source = ? AND start < ? AND end > ? ORDER BY start',
  );
  const span = db.prepare('SELECT MIN(start) AS first, MAX(end) AS last FROM price_slot WHERE source = ?');
  const summary = db.prepare(
    'SELECT MAX(fetched_at) AS fetched_at, MAX(end) AS known_until, COUNT(*) AS n FROM price_slot WHERE source = ?',
  );
  return {
    /**
     * Replaces the source's slots over the span the new ones cover, atomically. The span is found
     * by a loop: `Math.min(...slots)` passes every slot as an argument and overflows the stack at
     * about 100 k slots (a year and a half of quarter hours).
     */
    replace(source: string, slots: readonly SpotSlot[], fetchedAt: number): void {
      if (slots.length === 0) return;
      let from = Infinity;
      let to = -Infinity;
      for (const s of slots) {
        if (s.start < from) from = s.start;
        if (s.end > to) to = s.end;
      }
      inTransaction(db, () => {
        del.run(source, to, from);
        for (const s of slots) ins.run(source, s.start, s.end, s.spot, s.currency, fetchedAt);
      });
    },
    range(source: string, from: number, to: number): StoredSlot[] {
      return (range.all(source, to, from) as Record<string, unknown>[]).map((r) => ({
        start: Number(r['start']),
        end: Number(r['end']),
        spot: Number(r['spot']),
        currency: String(r['currency']),
        fetchedAt: Number(r['fetched_at']),
      }));
    },
    /** The first start and last end stored for the source; null when it has none. */
    span(source: string): { from: number; to: number } | null {
      const r = span.get(source) as Record<string, unknown>;
      return r['first'] === null ? null : { from: Number(r['first']), to: Number(r['last']) };
    },
    summary(source: string): { fetchedAt: number | null; knownUntil: number | null; count: number } {
      const r = summary.get(source) as Record<string, unknown>;
      return {
        fetchedAt: r['fetched_at'] === null ? null : Number(r['fetched_at']),
        knownUntil: r['known_until'] === null ? null : Number(r['known_until']),
        count: Number(r['n']),
      };
    },
  };
}

export type PriceStore = ReturnType<typeof createPriceStore>;
