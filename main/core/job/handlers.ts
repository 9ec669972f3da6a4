import { deviceId, HandlerError, type DeviceId, type HardwareInfo, type JobHandlers } from '#contract/index';
import { allowProgram, readAllowed, removeProgram } from './allow-list.ts';
import type { JobManager } from './service.ts';

/** The devices a job may name on this machine: the CPU and each GPU by its index ("gpu:0"). */
export function devicesOf(info: Pick<HardwareInfo, 'gpus'>): DeviceId[] {
  return [deviceId('cpu'), ...info.gpus.map((g) => deviceId(`gpu:${g.index}`))];
}

/**
 * `devices` lists what this machine has (null where the hardware domain is not there to ask): a
 * job for a device that does not exist is refused, not queued to wait for it forever.
 */
export function jobHandlers(
  jobs: JobManager,
  devices: (() => Promise<DeviceId[]>) | null = null,
  programs: { dataDir: string; now: () => number } | null = null,
): JobHandlers {
  const list = () => {
    if (!programs) throw new HandlerError('unavailable', 'This core keeps no list of allowed programs');
    return programs;
  };
  return {
    'job-list': async () => jobs.list(),
    'job-get': async ({ id }) => jobs.detail(id),
    'job-create': async (input) => {
      if (devices && input.devices) {
        const known = await devices();
        const unknown = input.devices.find((d) => !known.includes(d));
        if (unknown !== undefined)
          throw new HandlerError(
            'not-found',
            `This computer has no device "${unknown}": choose from ${known.join(', ')}`,
            undefined,
            'devices',
          );
      }
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
    'job-programs-list': async () => readAllowed(list().dataDir),
    // Local only (main/contract/local-only.ts): the HTTP transport never lets these through.
    'job-programs-allow': async ({ program }) => allowProgram(list().dataDir, program, list().now()),
    'job-programs-remove': async ({ program }) => removeProgram(list().dataDir, program),
    'job-settings': async () => jobs.logSettings(),
    'job-configure': async (next) => jobs.configureLogs(next),
  };
}
