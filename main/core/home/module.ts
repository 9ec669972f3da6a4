import { defineModule, type CoreModule, type ModuleInstance } from '#core/module';
import { homeHandlers } from './handlers.ts';
import { probeBroker } from './probe.ts';
import { HomeLink, type HomeDeps } from './service.ts';
import { homeComputeOffSetting, homeLinkSetting } from './setting.ts';

export type HomeModuleOptions = Partial<
  Pick<
    HomeDeps,
    'urlOverride' | 'envCredentials' | 'backoff' | 'tickMs' | 'minIntervalMs' | 'keepaliveSec' | 'swVersion' | 'probe'
  >
>;

/** Hearth on the home's MQTT bus (issue 22); after the scheduler, whose plan and modes it shows and drives. */
export function homeModule(options: HomeModuleOptions = {}): CoreModule {
  return defineModule({
    name: 'home',
    settings: [homeLinkSetting, homeComputeOffSetting],
    optional: ['hardware', 'ledger', 'mining', 'job', 'tariff', 'heating', 'scheduler'],
    create(ctx, deps): ModuleInstance {
      const link = new HomeLink({
        ...deps,
        probe: (l) => probeBroker(l),
        ...options,
        settings: ctx.settings,
        secrets: ctx.secrets,
        clock: ctx.clock,
        random: ctx.random,
        log: ctx.log,
        events: ctx.events,
      });
      return {
        handlers: homeHandlers(link),
        service: link,
        start: () => link.start(),
        stop: () => link.stop(),
        // The link saved by another process on this data folder (a `hearth` command).
        reload: () => link.reload(),
      };
    },
  });
}
