import { inTransaction, type Db, type Migration } from '#core/ledger/db';
import { deviceId } from '#contract/id';
import type { Job, JobKind, JobMode, JobProgress, JobSpec, JobState, LossPoint } from '#contract/job';

export const jobMigrations: Migration[] = [
  {
    id: 'job/1',
    sql: `
      CREATE TABLE job (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,              -- train | command | mining
        spec TEXT NOT NULL,              -- JSON, the kind's spec with defaults filled in
        state TEXT NOT NULL,             -- see main/contract/job.ts JobState
        devices TEXT NOT NULL,           -- JSON array of device ids
        deadline INTEGER,                -- ms since epoch
        value_per_hour REAL,
        done REAL NOT NULL DEFAULT 0,    -- work done, in steps
        total REAL,                      -- work needed; NULL = until stopped
        loss REAL,
        samples_per_sec REAL,
        eta_sec REAL,
        error TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX job_state ON job (state);
      CREATE TABLE job_loss (
        job_id INTEGER NOT NULL REFERENCES job (id) ON DELETE CASCADE,
        step INTEGER NOT NULL,
        loss REAL NOT NULL,
        at INTEGER NOT NULL,
        PRIMARY KEY (job_id, step)
      ) WITHOUT ROWID;
    `,
  },
  {
    // Rows from job/1 read as "cheapest slots, stop at the deadline", which is how they were planned.
    id: 'job/2',
    sql: `
      ALTER TABLE job ADD COLUMN mode TEXT NOT NULL DEFAULT 'cheapest' CHECK (mode IN ('cheapest', 'continuous'));
      ALTER TABLE job ADD COLUMN run_past_deadline INTEGER NOT NULL DEFAULT 0;
    `,
  },
  {
    // 1 while a run is under way and has not ended or been stopped cleanly: still 1 on the next
    // launch means the app crashed, was killed, or had to force the run to stop. Rows from
    // job/2 read as stopped cleanly, which is what that code assumed.
    id: 'job/3',
    sql: `ALTER TABLE job ADD COLUMN run_open INTEGER NOT NULL DEFAULT 0;`,
  },
];

export type NewJob = Pick<
  Job,
  'name' | 'spec' | 'devices' | 'deadline' | 'valuePerHour' | 'mode' | 'runPastDeadline'
> & { total: number | null };

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function toJob(r: Record<string, unknown>): Job {
  return {
    id: Number(r['id']),
    name: String(r['name']),
    kind: String(r['kind']) as JobKind,
    spec: JSON.parse(String(r['spec'])) as JobSpec,
    state: String(r['state']) as JobState,
    devices: (JSON.parse(String(r['devices'])) as string[]).map(deviceId),
    deadline: num(r['deadline']),
    valuePerHour: num(r['value_per_hour']),
    mode: r['mode'] === 'continuous' ? 'continuous' : ('cheapest' satisfies JobMode),
    runPastDeadline: Number(r['run_past_deadline']) === 1,
    progress: {
      done: Number(r['done']),
      total: num(r['total']),
      unit: 'steps',
      loss: num(r['loss']),
      samplesPerSec: num(r['samples_per_sec']),
      etaSec: num(r['eta_sec']),
    },
    error: r['error'] === null ? null : String(r['error']),
    createdAt: Number(r['created_at']),
    updatedAt: Number(r['updated_at']),
  };
}

/** The ledger's job table: every write is one statement or one transaction. */
export function createJobStore(db: Db) {
  const insert = db.prepare(
    'INSERT INTO job (name, kind, spec, state, devices, deadline, value_per_hour, mode, run_past_deadline, total, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const byId = db.prepare('SELECT * FROM job WHERE id = ?');
  const all = db.prepare('SELECT * FROM job ORDER BY id DESC');
  const setState = db.prepare('UPDATE job SET state = ?, error = ?, updated_at = ? WHERE id = ?');
  const setProgress = db.prepare(
    'UPDATE job SET done = ?, total = ?, loss = ?, samples_per_sec = ?, eta_sec = ?, updated_at = ? WHERE id = ?',
  );
  const addLoss = db.prepare('INSERT OR REPLACE INTO job_loss (job_id, step, loss, at) VALUES (?, ?, ?, ?)');
  const losses = db.prepare('SELECT step, loss, at FROM job_loss WHERE job_id = ? ORDER BY step');
  const del = db.prepare('DELETE FROM job WHERE id = ?');
  const setRunOpen = db.prepare('UPDATE job SET run_open = ? WHERE id = ?');
  const runOpen = db.prepare('SELECT run_open FROM job WHERE id = ?');
  return {
    create(j: NewJob, now: number): Job {
      const r = insert.run(
        j.name,
        j.spec.kind,
        JSON.stringify(j.spec),
        'queued',
        JSON.stringify(j.devices),
        j.deadline,
        j.valuePerHour,
        j.mode,
        j.runPastDeadline ? 1 : 0,
        j.total,
        now,
        now,
      );
      return this.get(Number(r.lastInsertRowid))!;
    },
    get(id: number): Job | null {
      const r = byId.get(id) as Record<string, unknown> | undefined;
      return r ? toJob(r) : null;
    },
    list(): Job[] {
      return (all.all() as Record<string, unknown>[]).map(toJob);
    },
    setState(id: number, state: JobState, error: string | null, now: number): void {
      setState.run(state, error, now, id);
    },
    setProgress(id: number, p: JobProgress, now: number): void {
      setProgress.run(p.done, p.total, p.loss, p.samplesPerSec, p.etaSec, now, id);
    },
    addLoss(id: number, step: number, loss: number, at: number): void {
      addLoss.run(id, step, loss, at);
    },
    /** Many points in one transaction: a job may report thousands a second. */
    addLosses(id: number, points: LossPoint[]): void {
      inTransaction(db, () => {
        for (const p of points) addLoss.run(id, p.step, p.loss, p.at);
      });
    },
    losses(id: number): LossPoint[] {
      return (losses.all(id) as Record<string, unknown>[]).map((r) => ({
        step: Number(r['step']),
        loss: Number(r['loss']),
        at: Number(r['at']),
      }));
    },
    delete(id: number): void {
      inTransaction(db, () => del.run(id));
    },
    /** Marks a run under way (true) or ended or stopped cleanly (false); see migration job/3. */
    setRunOpen(id: number, open: boolean): void {
      setRunOpen.run(open ? 1 : 0, id);
    },
    runOpen(id: number): boolean {
      const r = runOpen.get(id) as { run_open: number } | undefined;
      return Number(r?.run_open ?? 0) === 1;
    },
  };
}

export type JobStore = ReturnType<typeof createJobStore>;
