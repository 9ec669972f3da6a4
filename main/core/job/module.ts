import { defineModule, type CoreModule } from '#core/module';
import { commandRunner } from './command-runner.ts';
import { devicesOf, jobHandlers } from './handlers.ts';
import { miningRunner } from './mining-runner.ts';
import { nvidiaProbe, type GpuProbe } from './nvidia.ts';
import { JobManager } from './service.ts';
import { jobSettings } from './setting.ts';
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
    settings: jobSettings,
    optional: ['mining', 'hardware'],
    async create(ctx, { mining, hardware }) {
      const manager = new JobManager(ctx);
      const gpu = options.gpu === undefined ? await nvidiaProbe() : options.gpu;
      manager.registerRunner(trainRunner());
      manager.registerRunner(
        commandRunner({
          clock: ctx.clock,
          dataDir: ctx.dataDir,
          gpu,
          ...(options.pollMs ? { pollMs: options.pollMs } : {}),
          ...(options.gpuEveryMs ? { gpuEveryMs: options.gpuEveryMs } : {}),
        }),
      );
      if (mining) manager.registerRunner(miningRunner(mining));

      return {
        service: manager,
        handlers: jobHandlers(manager, hardware ? async () => devicesOf(await hardware.info()) : null, {
          dataDir: ctx.dataDir,
          now: () => ctx.clock.now(),
        }),
        start() {
          if (options.resumeOnStart ?? true) manager.resumeAfterRestart();
        },
        stop: () => manager.quit(),
        // A job another process created or changed appears here too (see JobManager.reload).
        reload: () => manager.reload(),
      };
    },
  });
}
