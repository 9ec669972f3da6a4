import { deviceId, jobId, type DeviceId, type JobId, type PlanEvent, type PlanEventKind } from '#contract/index';
import type { Db, Migration } from '#core/ledger/db';

export const schedulerMigrations: Migration[] = [
  {
    id: 'scheduler/1',
    sql: `CREATE TABLE plan_event (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      at INTEGER NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('decision', 'deviation', 'override', 'planned', 'error')),
      device TEXT,
      job TEXT,
      message TEXT NOT NULL
    );
    CREATE INDEX plan_event_at ON plan_event (at)`,
  },
];

/** Rows kept; older ones go (the log explains recent behaviour, the ledger's slots keep the money). */
const KEEP = 5_000;

export function createPlanEventStore(db: Db) {
  const insert = db.prepare('INSERT INTO plan_event (at, kind, device, job, message) VALUES (?, ?, ?, ?, ?)');
  const latest = db.prepare('SELECT id, at, kind, device, job, message FROM plan_event ORDER BY id DESC LIMIT ?');
  const prune = db.prepare('DELETE FROM plan_event WHERE id <= ?');
  return {
    add(e: {
      at: number;
      kind: PlanEventKind;
      device?: DeviceId | null;
      job?: JobId | null;
      message: string;
    }): PlanEvent {
      const r = insert.run(e.at, e.kind, e.device ?? null, e.job ?? null, e.message);
      const id = Number(r.lastInsertRowid);
      if (id % 500 === 0 && id > KEEP) prune.run(id - KEEP);
      return { id, at: e.at, kind: e.kind, device: e.device ?? null, job: e.job ?? null, message: e.message };
    },
    latest(limit: number): PlanEvent[] {
      return (latest.all(limit) as Record<string, unknown>[]).map((r) => ({
        id: Number(r['id']),
        at: Number(r['at']),
        kind: String(r['kind']) as PlanEventKind,
        device: r['device'] === null ? null : deviceId(String(r['device'])),
        job: r['job'] === null ? null : jobId(String(r['job'])),
        message: String(r['message']),
      }));
    },
  };
}

export type PlanEventStore = ReturnType<typeof createPlanEventStore>;
