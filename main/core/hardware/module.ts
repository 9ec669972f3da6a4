import type { HardwareInfo } from '#contract/index';
import { defineModule, type CoreModule, type ModuleInstance } from '#core/module';
import { detectHardware } from './detect.ts';
import { hardwareHandlers } from './handlers.ts';
import { powerModelFor } from './power-model.ts';
import { openRapl } from './rapl.ts';
import { Hardware } from './service.ts';
import { ratedPowerSetting, timeZoneSetting } from './setting.ts';
import { createTelemetryStore, hardwareMigrations } from './store.ts';
import { systemSources, TelemetrySampler, type TelemetrySources } from './telemetry.ts';

/** One stored row per device per window; tests shorten it with HEARTH_TELEMETRY_STORE_MS. */
const STORE_EVERY_MS = Number(process.env['HEARTH_TELEMETRY_STORE_MS'] ?? 10_000) || 10_000;

export function hardwareModule(
  options: { sources?: (hw: HardwareInfo) => TelemetrySources; detect?: typeof detectHardware } = {},
): CoreModule {
  return defineModule({
    name: 'hardware',
    migrations: hardwareMigrations,
    settings: [timeZoneSetting, ratedPowerSetting],
    async create(ctx): Promise<ModuleInstance<'hardware'>> {
      const ratedPowerW = ctx.settings.get(ratedPowerSetting) ?? undefined;
      const detect = () => (options.detect ?? detectHardware)(ratedPowerW === undefined ? {} : { ratedPowerW });
      const info = await detect();
      const store = createTelemetryStore(ctx.db);
      const timeZone = () => ctx.settings.get(timeZoneSetting);
      const sources =
        options.sources?.(info) ??
        systemSources(
          openRapl(),
          info.gpus.some((g) => g.vendor.toLowerCase().includes('nvidia')),
        );
      const sampler = new TelemetrySampler(
        info,
        powerModelFor(info.cpu.model, info.cpu.physicalCores, ratedPowerW),
        sources,
        store,
        { storeEveryMs: STORE_EVERY_MS, timeZone },
      );
      const hardware = new Hardware({
        info,
        detect,
        sampler,
        store,
        timeZone,
        clock: ctx.clock,
        log: ctx.log,
        events: ctx.events,
      });
      return {
        service: hardware,
        handlers: hardwareHandlers(hardware),
        start: () => hardware.start(),
        stop: () => hardware.stop(),
      };
    },
  });
}
