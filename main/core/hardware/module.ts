import type { HardwareInfo } from '#contract/index';
import { defineModule, type CoreModule } from '#core/module';
import { daysBefore, dayOf } from './day.ts';
import { detectHardware } from './detect.ts';
import { powerModelFor } from './power-model.ts';
import { ratedPowerSetting, timeZoneSetting } from './setting.ts';
import { openRapl } from './rapl.ts';
import type { HardwareService } from './service.ts';
import { createTelemetryStore, hardwareMigrations } from './store.ts';
import { systemSources, TelemetrySampler, type TelemetrySources } from './telemetry.ts';

export const SAMPLE_EVERY_MS = 1_000;
/** One stored row per device per window; tests shorten it with HEARTH_TELEMETRY_STORE_MS. */
const STORE_EVERY_MS = Number(process.env['HEARTH_TELEMETRY_STORE_MS'] ?? 10_000) || 10_000;

export function hardwareModule(options: { sources?: (hw: HardwareInfo) => TelemetrySources; detect?: typeof detectHardware } = {}): CoreModule {
  return defineModule({
    name: 'hardware',
    migrations: hardwareMigrations,
    settings: [timeZoneSetting, ratedPowerSetting],
    async create(ctx) {
      const detect = options.detect ?? detectHardware;
      const ratedPowerW = ctx.settings.get(ratedPowerSetting) ?? undefined;
      let info = await detect(ratedPowerW === undefined ? {} : { ratedPowerW });
      const store = createTelemetryStore(ctx.db);
      const timeZone = () => ctx.settings.get(timeZoneSetting);
      const sources = options.sources?.(info) ?? systemSources(openRapl(), info.gpus.some((g) => g.vendor.toLowerCase().includes('nvidia')));
      const sampler = new TelemetrySampler(info, powerModelFor(info.cpu.model, info.cpu.physicalCores, ratedPowerW), sources, store, {
        storeEveryMs: STORE_EVERY_MS,
        timeZone,
      });
      let timer: { cancel(): void } | null = null;

      const service: HardwareService = {
        info: async () => info,
        latest: () => sampler.latest,
      };
      return {
        service,
        handlers: {
          'hardware-info': async ({ refresh }) => {
            if (refresh) info = await detect(ratedPowerW === undefined ? {} : { ratedPowerW });
            return info;
          },
          'telemetry-now': async () => sampler.latest,
          'energy-days': async ({ days }) => store.daysSince(daysBefore(dayOf(ctx.clock.now(), timeZone()), days - 1)),
        },
        start() {
          sampler.tick(ctx.clock.now());
          timer = ctx.clock.setInterval(() => {
            try {
              ctx.events.emit('telemetry', sampler.tick(ctx.clock.now()));
            } catch (err) {
              ctx.log.error(`telemetry sample failed: ${(err as Error).message}`);
            }
          }, SAMPLE_EVERY_MS);
        },
        stop() {
          timer?.cancel();
          sampler.flush(ctx.clock.now());
        },
      };
    },
  });
}
