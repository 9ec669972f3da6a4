import type { JobState } from '#contract/job';

/** What happens to a job; the state machine below says where each leads. */
export type JobEvent = 'start' | 'pause' | 'paused' | 'finish' | 'fail' | 'cancel' | 'requeue';

const next: Record<JobEvent, Partial<Record<JobState, JobState>>> = {
  start: { queued: 'running', paused: 'running' },
  pause: { running: 'pausing' },
  paused: { pausing: 'paused' },
  // A run may end by itself while a pause is being taken.
  finish: { running: 'finished', pausing: 'finished' },
  fail: { queued: 'failed', running: 'failed', pausing: 'failed', paused: 'failed' },
  cancel: { queued: 'cancelled', running: 'cancelled', pausing: 'cancelled', paused: 'cancelled' },
  // The planner may hand a paused job back to the queue; a failed one may be retried.
  requeue: { paused: 'queued', failed: 'queued' },
};

/** The state after `event`, or null when the event is not allowed in `from`. */
export function transition(from: JobState, event: JobEvent): JobState | null {
  return next[event][from] ?? null;
}

/** States an event is allowed in (for error messages). */
export function allowedFrom(event: JobEvent): JobState[] {
  return Object.keys(next[event]) as JobState[];
}
