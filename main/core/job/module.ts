import { defineModule, type CoreModule } from '#core/module';
import { commandRunner } from './command-runner.ts';
import { JobManager } from './manager.ts';
import { miningRunner } from './mining-runner.ts';
import { nvidiaProbe, type GpuProbe } from './nvidia.ts';
import type { JobService } from './service.ts';
import { jobMigrations } from './store.ts';
import { trainRunner } from './train-runner.ts';

export type JobModuleOptions = {
  /** Continue jobs that were running when the app stopped (default true). */
  resumeOnStart?: boolean;
  /** GPU readings for command jobs; default: nvidia-smi when present. */
  gpu?: GpuProbe | null;
  /** How often a command's progress file is read. */
  pollMs?: number;
  /** How often nvidia-smi is asked about a command's GPU (default 5 s). */
  gpuEveryMs?: number;
};

/** Jobs: built-in training, external training commands, and mining where the mining domain runs. */
export function jobModule(options: JobModuleOptions = {}): CoreModule {
  return defineModule({
    name: 'job',
    migrations: jobMigrations,
    optional: ['mining'],
    async create(ctx, { mining }) {
      const manager = new JobManager(ctx);
      const gpu = options.gpu === undefined ? await nvidiaProbe() : options.gpu;
      manager.registerRunner(trainRunner());
      manager.registerRunner(commandRunner({ clock: ctx.clock, gpu, ...(options.pollMs ? { pollMs: options.pollMs } : {}), ...(options.gpuEveryMs ? { gpuEveryMs: options.gpuEveryMs } : {}) }));
      if (mining) manager.registerRunner(miningRunner(mining));

      const service: JobService = {
        list: () => manager.list(),
        get: (id) => manager.get(id),
        create: (input) => manager.create(input),
        start: (id, grant) => manager.start(id, grant),
        regrant: (id, grant) => manager.regrant(id, grant),
        pause: (id) => manager.pause(id),
        cancel: (id) => manager.cancel(id),
        onChange: (l) => manager.onChange(l),
        registerRunner: (r) => manager.registerRunner(r),
      };
      return {
        service,
        handlers: {
          'job-list': async () => manager.list(),
          'job-get': async ({ id }) => manager.detail(id),
          'job-create': async (input) => {
            const job = manager.create(input);
            return input.start ? manager.start(job.id) : job;
          },
          'job-start': ({ id }) => manager.start(id),
          'job-pause': ({ id }) => manager.pause(id),
          'job-cancel': ({ id }) => manager.cancel(id),
          'job-sample': async ({ id, length, temperature }) => manager.sample(id, length ?? 300, temperature ?? 0.8),
          'job-delete': async ({ id }) => {
            manager.delete(id);
            return { deleted: true as const };
          },
        },
        start() {
          if (options.resumeOnStart ?? true) manager.resumeAfterRestart();
        },
        stop: () => manager.quit(),
      };
    },
  });
}
