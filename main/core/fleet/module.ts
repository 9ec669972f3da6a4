import type { FleetSettings } from '#contract/index';
import { defineModule, type CoreModule, type ModuleInstance } from '#core/module';
import { fleetHandlers } from './handlers.ts';
import { FleetService, type FleetDeps } from './service.ts';
import { fleetScheduleSetting, fleetSetting } from './setting.ts';

export type FleetModuleOptions = Partial<
  Pick<FleetDeps, 'keepaliveSec' | 'backoff' | 'settleMs' | 'offerEveryMs' | 'summaryEveryMs' | 'tickMs' | 'connect'>
> & {
  /** `hearth serve --fleet`: this role for the run, winning over the stored one. */
  override?: FleetSettings | null;
};

/**
 * Several Hearth nodes under one plan (issue 23): after the scheduler, which it attaches to, and the
 * home link, whose broker and node id it uses.
 */
export function fleetModule(options: FleetModuleOptions = {}): CoreModule {
  return defineModule({
    name: 'fleet',
    settings: [fleetSetting, fleetScheduleSetting],
    optional: ['scheduler', 'home', 'hardware'],
    create(ctx, { scheduler, home, hardware }): ModuleInstance {
      const fleet = new FleetService({
        ...options,
        settings: ctx.settings,
        clock: ctx.clock,
        random: ctx.random,
        log: ctx.log,
        events: ctx.events,
        scheduler,
        home,
        hardware,
      });
      return {
        handlers: fleetHandlers(fleet),
        start: () => fleet.start(),
        stop: () => fleet.stop(),
        // The role saved by another process on this data folder.
        reload: () => fleet.reload(),
      };
    },
  });
}
