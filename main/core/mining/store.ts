import type { MiningShare, ShareCounts } from '#contract/index';
import type { Db, Migration } from '#core/ledger/db';

export const miningMigrations: Migration[] = [
  {
    id: 'mining/1',
    sql: `CREATE TABLE mining_share (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      at INTEGER NOT NULL,
      outcome TEXT NOT NULL CHECK (outcome IN ('accepted', 'rejected', 'stale')),
      job_id TEXT NOT NULL,
      pool TEXT,
      difficulty REAL NOT NULL,
      hash_difficulty REAL NOT NULL,
      reason TEXT
    );
    CREATE INDEX mining_share_at ON mining_share (at)`,
  },
];

export type ShareStore = {
  add(s: Omit<MiningShare, 'id'>): MiningShare;
  latest(limit: number): MiningShare[];
  /** Counts by outcome and rejection reason, over [from, to) or all time. */
  counts(from?: number, to?: number): ShareCounts;
};

export function createShareStore(db: Db): ShareStore {
  const insert = db.prepare(
    'INSERT INTO mining_share (at, outcome, job_id, pool, difficulty, hash_difficulty, reason) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const latest = db.prepare(
    'SELECT id, at, outcome, job_id, pool, difficulty, hash_difficulty, reason FROM mining_share ORDER BY id DESC LIMIT ?',
  );
  // Rejections are grouped by the pool's reason; stale shares' reasons are Hearth's own and vary.
  const counts = db.prepare(
    "SELECT outcome, CASE WHEN outcome = 'rejected' THEN COALESCE(reason, 'no reason given') ELSE '' END AS why, COUNT(*) AS n FROM mining_share WHERE at >= ? AND at < ? GROUP BY 1, 2",
  );
  const toShare = (r: Record<string, unknown>): MiningShare => ({
    id: Number(r['id']),
    at: Number(r['at']),
    outcome: r['outcome'] as MiningShare['outcome'],
    jobId: String(r['job_id']),
    pool: r['pool'] === null ? null : String(r['pool']),
    difficulty: Number(r['difficulty']),
    hashDifficulty: Number(r['hash_difficulty']),
    reason: r['reason'] === null ? null : String(r['reason']),
  });
  return {
    add(s) {
      // Infinity (a zero hash) does not fit a REAL column as JSON would; store the largest double.
      const info = insert.run(
        s.at,
        s.outcome,
        s.jobId,
        s.pool,
        s.difficulty,
        Number.isFinite(s.hashDifficulty) ? s.hashDifficulty : Number.MAX_VALUE,
        s.reason,
      );
      return { ...s, id: Number(info.lastInsertRowid) };
    },
    latest: (limit) => (latest.all(limit) as Record<string, unknown>[]).map(toShare),
    counts(from = 0, to = Number.MAX_SAFE_INTEGER) {
      const t: ShareCounts = { accepted: 0, rejected: 0, stale: 0, rejectReasons: {} };
      for (const r of counts.all(from, to) as {
        outcome: 'accepted' | 'rejected' | 'stale';
        why: string;
        n: number;
      }[]) {
        t[r.outcome] += Number(r.n);
        if (r.outcome === 'rejected') t.rejectReasons[r.why] = Number(r.n);
      }
      return t;
    },
  };
}
