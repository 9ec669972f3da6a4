/**
 * The narrow interface between the job domain and whatever does a job's work.
 *
 * The job domain owns everything common to jobs: the ledger rows, the state machine, events,
 * the log and loss history, and the order of start / pause / resume / cancel. A runner owns only
 * the work of one kind of job (`train`: Hearth's worker threads; `command`: a child process;
 * `mining`: the mining domain's hashing threads). To add a kind:
 *
 *   1. Declare its spec in main/contract/job.ts (the `kind` tag is the runner's key).
 *   2. Implement `JobRunner<YourSpec>` below: `prepare` validates a spec, `start` begins or
 *      resumes the work and returns a `RunHandle`.
 *   3. Register it in job/module.ts (declaring the services it needs in the module's `optional`),
 *      or with the job service's `registerRunner(r)` from a module listed after `job`.
 *
 * Rules a runner keeps:
 *   - `start` never blocks: heavy work runs in worker threads or child processes.
 *   - `handle.done` settles exactly once, when the work ends for any reason; a runner reports a
 *     failure by settling with `{ outcome: 'failed', error }` (what failed and what to do), never
 *     by throwing from a callback.
 *   - `pause` resolves once the work is stopped and resumable: either in place (the runner keeps
 *     `resume`), or from its own checkpoint (the domain calls `start` again, with `resuming`).
 *   - `stop('quit')` is the app quitting: save what lets the next `start` continue (a checkpoint),
 *     because the job stays `running` in the ledger and is started again on the next launch
 *     (unless the runner says `holdAfterCrash` and the stop was not clean).
 */
import type { JobProgress, JobSpec } from '#contract/job';

export type RunOutcome =
  | { outcome: 'finished' }
  | { outcome: 'failed'; error: string }
  /** Ended because `pause` was asked, or the work was stopped from outside (resumable). */
  | { outcome: 'paused' }
  /** Ended because `stop` was asked; `forced` when it had to be killed rather than stopped. */
  | { outcome: 'stopped'; forced?: true };

export type RunHandle = {
  pause(): Promise<void>;
  /** Present when a pause keeps the work in memory (e.g. SIGSTOP); absent means "start again". */
  resume?(): Promise<void>;
  stop(why: 'cancel' | 'quit'): Promise<void>;
  /** Present when the run can take a new grant in place (mining: threads and duty cycle). */
  regrant?(grant: RunGrant): Promise<void>;
  /** Resolves once the work really runs, where that takes a moment (mining: threads started); never rejects. */
  readonly ready?: Promise<void>;
  readonly done: Promise<RunOutcome>;
};

/** What the planner grants one run of a job. */
export type RunGrant = { threads?: number; /** Duty cycle, percent (mining). */ powerPct?: number };

export type RunContext<S extends JobSpec = JobSpec> = {
  jobId: number;
  spec: S;
  /** A folder that belongs to this job (checkpoints, progress files); kept across restarts. */
  dir: string;
  /** True when the job ran before (paused, or running when the app stopped): continue, don't restart. */
  resuming: boolean;
  /** The planner's grant for this run (a runner uses less than its spec asks where it says so). */
  grant: RunGrant;
  /** Work done so far as the ledger knows it. */
  done: number;
  /** Progress so far; the domain fills in ETA and stores it, throttled. */
  report(p: Partial<Omit<JobProgress, 'unit'>> & { done: number }): void;
  /** A point of the loss curve. */
  loss(step: number, loss: number): void;
  /** A line of the job's log (shown in the Jobs page, the last ones kept with a failure). */
  log(line: string): void;
  /** GPU readings attributed to this job (command jobs on an NVIDIA GPU). */
  gpu?(reading: { powerW: number | null; utilizationPct: number | null; temperatureC: number | null }): void;
};

export type JobRunner<S extends JobSpec = JobSpec> = {
  kind: S['kind'];
  /** Validates a spec (files exist, shapes fit) and fills defaults; throws Error with what to fix. */
  prepare(input: Partial<S> & { kind: S['kind'] }): S;
  /**
   * True where a run the app did not stop cleanly (a crash, a kill, a quit that had to force it)
   * must not be started again by itself on the next launch: the job fails with a reason and waits
   * for a person. External commands are held (one may be what brought the app down); Hearth's
   * own threads continue from their checkpoints.
   */
  holdAfterCrash?: boolean;
  /** The work the job needs, in steps; null means "until stopped". */
  total(spec: S): number | null;
  start(ctx: RunContext<S>): RunHandle;
};
