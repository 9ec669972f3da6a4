import type { Db, Migration } from '#core/ledger/db';

/** The last fetched value per figure (and currency for the price), with when it was fetched. */
export const marketMigrations: Migration[] = [
  {
    id: 'market/1',
    sql: `CREATE TABLE market_quote (
      kind TEXT NOT NULL CHECK (kind IN ('btc-price', 'difficulty')),
      currency TEXT NOT NULL,
      value REAL NOT NULL,
      source TEXT NOT NULL,
      fetched_at INTEGER NOT NULL,
      PRIMARY KEY (kind, currency)
    )`,
  },
];

export type Quote = { value: number; source: string; fetchedAt: number };

export type QuoteStore = ReturnType<typeof createQuoteStore>;

export function createQuoteStore(db: Db) {
  const get = db.prepare('SELECT value, source, fetched_at FROM market_quote WHERE kind = ? AND currency = ?');
  const put = db.prepare(
    'INSERT OR REPLACE INTO market_quote (kind, currency, value, source, fetched_at) VALUES (?, ?, ?, ?, ?)',
  );
  return {
    get(kind: 'btc-price' | 'difficulty', currency: string): Quote | null {
      const r = get.get(kind, currency) as { value: number; source: string; fetched_at: number } | undefined;
      return r ? { value: Number(r.value), source: String(r.source), fetchedAt: Number(r.fetched_at) } : null;
    },
    put(kind: 'btc-price' | 'difficulty', currency: string, q: Quote): void {
      put.run(kind, currency, q.value, q.source, q.fetchedAt);
    },
  };
}
