import { describe, expect, it } from 'vitest';
import { deviceId, jobId, type JobSpec, type PlanApplied } from '#contract/index';
import { EventBus } from '#core/event';
import { openLedger } from '#core/ledger/db';
import type { JobRunner, RunHandle, RunOutcome } from '#core/job/runner';
import { JobManager } from '#core/job/service';
import { jobMigrations } from '#core/job/store';
import { quiet } from '../../../test/support/quiet-log.ts';
import { tempDirs } from '../../../test/support/temp-dir.ts';
import { TestClock } from '../../../test/support/test-clock.ts';
import { Executor, type Managed } from './executor.ts';
import { queuedJob } from './inputs.ts';

const tmp = tempDirs('hearth-executor-');

/** A promise and the hand that settles it: the test decides when a start is over. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

/** Lets every queued promise callback run (no timers, no wall clock). */
const settle = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

/**
 * A runner whose work is in memory (pause and resume in place, as a SIGSTOPped command), whose
 * `ready` and `resume` wait for the test to open them.
 */
function heldRunner() {
  const gates = { ready: gate(), resume: gate() };
  let starts = 0;
  const runner: JobRunner = {
    kind: 'train',
    prepare: (spec) => spec as JobSpec,
    total: () => null,
    start(): RunHandle {
      starts++;
      let end!: (o: RunOutcome) => void;
      const done = new Promise<RunOutcome>((r) => (end = r));
      return {
        ready: gates.ready.promise,
        pause: async () => undefined,
        resume: () => gates.resume.promise,
        stop: async () => end({ outcome: 'stopped' }),
        done,
      };
    },
  };
  return { runner, gates, starts: () => starts };
}

function setup() {
  const dataDir = tmp();
  const db = openLedger(dataDir, jobMigrations);
  const clock = new TestClock(Date.UTC(2026, 0, 15, 10, 0));
  const jobs = new JobManager({ db, dataDir, clock, events: new EventBus(), log: quiet });
  const r = heldRunner();
  jobs.registerRunner(r.runner);
  let managed: Managed = { jobs: [] };
  let held: number[] = [];
  const records: string[] = [];
  const executor = new Executor({
    jobs,
    poolProblem: () => null,
    telemetry: () => null,
    maxTempC: () => 90,
    record: (e) => records.push(e.message),
    loadManaged: () => ({ jobs: [...managed.jobs] }),
    saveManaged: (m) => (managed = { jobs: [...m.jobs] }),
    loadHeld: () => [...held],
    saveHeld: (ids) => (held = [...ids]),
  });
  const stop = executor.watch(jobs, () => undefined);
  const job = jobs.create({
    name: 'test',
    spec: { kind: 'train', steps: 100, threads: 1, hidden: 16, batchSize: 16 } as never,
  });
  const cpu = deviceId('cpu');
  const tables = {
    devices: [{ id: cpu, levels: [{ powerW: 40, rates: { train: 1 } }] }] as never,
    controls: new Map([['cpu', [{ threads: 1, dutyPct: 100 }]]]),
    queue: new Map([[jobId(`job:${job.id}`), queuedJob({ id: job.id, spec: job.spec })]]),
  };
  /** The slot the plan wants the job to run in. */
  const wanted: PlanApplied = {
    slotStart: clock.now(),
    decisions: [{ device: cpu, job: jobId(`job:${job.id}`), level: 0, powerW: 40, work: 1 }],
    reason: 'cheap',
    source: 'plan',
  };
  return {
    jobs,
    executor,
    id: job.id,
    runner: r,
    apply: () => executor.apply(wanted, [], tables),
    managed: () => managed.jobs,
    held: () => held,
    records,
    close: () => {
      stop();
      db.close();
    },
  };
}

describe('a pause by hand while the scheduler starts the same job', () => {
  it('stands when it comes while the start waits for the run to be ready: the job is held and stays paused', async () => {
    const t = setup();
    try {
      const applying = t.apply();
      await settle();
      // The start is under way: the run exists, its `ready` is held open.
      expect(t.jobs.get(t.id)!.state).toBe('running');
      const paused = await t.jobs.pause(t.id);
      expect(paused.state).toBe('paused');
      // The pause is the person's even though the executor is acting on this job right now.
      expect(t.held()).toEqual([t.id]);
      t.runner.gates.ready.open();
      await applying;
      expect(t.jobs.get(t.id)!.state).toBe('paused');
      expect(t.managed()).not.toContain(t.id);
      expect(t.records).toContain(`job ${t.id} was paused by hand while it was being started: it stays paused`);

      // The same slot applied again (a presence change, before a new plan is made) does not start it.
      await t.apply();
      expect(t.jobs.get(t.id)!.state).toBe('paused');
      expect(t.runner.starts()).toBe(1);
    } finally {
      t.close();
    }
  });

  it('waits for a resume under way, then pauses: the job ends paused and held, not running', async () => {
    const t = setup();
    try {
      // The scheduler ran the job, then paused it (a dear slot): paused, resumable in place.
      const first = t.apply();
      await settle();
      t.runner.gates.ready.open();
      await first;
      expect(t.managed()).toEqual([t.id]);
      await t.executor.apply({ slotStart: 0, decisions: [], reason: 'dear', source: 'plan' }, [], {
        devices: [],
        controls: new Map(),
        queue: new Map(),
      });
      expect(t.jobs.get(t.id)!.state).toBe('paused');
      expect(t.held()).toEqual([]);

      // A cheap slot resumes it; the resume takes a moment, and the person pauses meanwhile.
      const resuming = t.apply();
      await settle();
      expect(t.jobs.get(t.id)!.state).toBe('paused');
      const pausing = t.jobs.pause(t.id);
      await settle();
      t.runner.gates.resume.open();
      expect((await pausing).state).toBe('paused');
      await resuming;
      expect(t.jobs.get(t.id)!.state).toBe('paused');
      expect(t.held()).toEqual([t.id]);

      await t.apply();
      expect(t.jobs.get(t.id)!.state).toBe('paused');
    } finally {
      t.close();
    }
  });
});
