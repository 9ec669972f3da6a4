import type { Job, JobCreate, JobSpec } from '#contract/job';
import type { JobRunner, RunGrant } from './runner.ts';

/**
 * What the planner and scheduler may do with jobs: see them all, create, start (or resume),
 * pause and cancel them, and hear when one changes. Every job kind looks the same here.
 */
export type JobService = {
  list(): Job[];
  get(id: number): Job | null;
  create(input: JobCreate): Job;
  /**
   * Starts a queued job or resumes a paused one; resolves once it is running (or failed to
   * start). `grant` is what the planner allows this run: `threads` caps a built-in job's worker
   * threads (its loss trajectory is reproducible per thread count).
   */
  start(id: number, grant?: RunGrant): Promise<Job>;
  /** A running job's new grant, in place where its runner can take one (mining); false where not. */
  regrant(id: number, grant: RunGrant): Promise<boolean>;
  /** Resolves once the job is paused and resumable (checkpoint written, or process stopped). */
  pause(id: number): Promise<Job>;
  cancel(id: number): Promise<Job>;
  /** Called on every state change and stored progress update. */
  onChange(listener: (job: Job) => void): () => void;
  /** Adds the runner for another job kind (see runner.ts). */
  registerRunner<S extends JobSpec>(runner: JobRunner<S>): void;
};
