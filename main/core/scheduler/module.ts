import { defineModule, type CoreModule, type ModuleInstance } from '#core/module';
import { plannerThread } from '#core/planner/planner-thread';
import { createPlanEventStore, schedulerMigrations } from './events.ts';
import { schedulerHandlers } from './handlers.ts';
import { idleSource, type IdleSource } from './presence.ts';
import { createScheduling } from './service.ts';
import {
  deviceSetting,
  hashRateSetting,
  heldSetting,
  limitSetting,
  managedSetting,
  presenceSetting,
} from './setting.ts';

export type SchedulerModuleOptions = {
  /** node-cron re-plans at 13:15 local time, when day-ahead prices are usually out (off in tests). */
  cron?: boolean;
  /** Idle time source; default: what the desktop shell registered (none under `hearth serve`). */
  idle?: IdleSource | null;
  /** Process names and battery state; default: systeminformation. */
  processes?: () => Promise<string[]>;
  battery?: () => Promise<boolean | null>;
  /** How often the process list and battery are read (default 30 s). */
  processEveryMs?: number;
};

export function schedulerModule(options: SchedulerModuleOptions = {}): CoreModule {
  return defineModule({
    name: 'scheduler',
    migrations: schedulerMigrations,
    settings: [limitSetting, presenceSetting, heldSetting, managedSetting, hashRateSetting, deviceSetting],
    requires: ['tariff', 'heating'],
    optional: ['hardware', 'mining', 'job', 'market'],
    create(ctx, { tariff, heating, hardware, mining, job, market }): ModuleInstance {
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
        start: () => scheduling.start(),
        stop: () => scheduling.stop(),
      };
    },
  });
}
