import { defineModule, type CoreModule, type ModuleInstance } from '#core/module';
import { plannerThread } from '#core/planner/planner-thread';
import { createPlanEventStore, schedulerMigrations } from './events.ts';
import { schedulerHandlers } from './handlers.ts';
import { idleSource } from './presence.ts';
import { createScheduling, type SchedulingDeps } from './service.ts';
import { schedulerSettings } from './setting.ts';

/** Defaults: node-cron on, the idle source the desktop shell registered, systeminformation's process list and battery. */
export type SchedulerModuleOptions = Partial<
  Pick<SchedulingDeps, 'cron' | 'idle' | 'processes' | 'battery' | 'processEveryMs'>
>;

export function schedulerModule(options: SchedulerModuleOptions = {}): CoreModule {
  return defineModule({
    name: 'scheduler',
    migrations: schedulerMigrations,
    settings: schedulerSettings,
    requires: ['tariff', 'heating'],
    optional: ['hardware', 'mining', 'job', 'market', 'device'],
    create(ctx, { tariff, heating, hardware, mining, job, market, device }): ModuleInstance {
      const scheduling = createScheduling({
        store: createPlanEventStore(ctx.db),
        settings: ctx.settings,
        clock: ctx.clock,
        log: ctx.log,
        events: ctx.events,
        tariff,
        heating,
        hardware,
        mining,
        jobs: job,
        market,
        devices: device,
        // Off the core's thread: with deadline jobs a plan can take a few hundred ms.
        planner: (input, opts) => plannerThread.plan(input, opts),
        idle: options.idle === undefined ? idleSource() : options.idle,
        processes: options.processes,
        battery: options.battery,
        processEveryMs: options.processEveryMs,
        cron: options.cron !== false,
      });
      return {
        handlers: schedulerHandlers(scheduling),
        service: scheduling,
        start: () => scheduling.start(),
        stop: () => scheduling.stop(),
        // Plan limits, presence rules, run modes saved by another process (see service.ts).
        reload: () => scheduling.reload(),
      };
    },
  });
}
