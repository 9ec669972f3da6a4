import type { JobHandlers } from '#contract/index';
import type { JobManager } from './service.ts';

export function jobHandlers(jobs: JobManager): JobHandlers {
  return {
    'job-list': async () => jobs.list(),
    'job-get': async ({ id }) => jobs.detail(id),
    'job-create': async (input) => {
      const job = jobs.create(input);
      return input.start ? jobs.start(job.id) : job;
    },
    'job-start': ({ id }) => jobs.start(id),
    'job-pause': ({ id }) => jobs.pause(id),
    'job-cancel': ({ id }) => jobs.cancel(id),
    'job-sample': async ({ id, length, temperature }) => jobs.sample(id, length ?? 300, temperature ?? 0.8),
    'job-delete': async ({ id }) => {
      jobs.delete(id);
      return { deleted: true as const };
    },
  };
}
