import { defineModule, type CoreModule, type ModuleInstance } from '#core/module';
import type { DeviceIo } from './adapter/types.ts';
import { deviceHandlers } from './handlers.ts';
import { DeviceScanner } from './scan.ts';
import { Devices } from './service.ts';
import { deviceLoginSetting, devicePollingSetting } from './setting.ts';
import { createDeviceStore, deviceMigrations } from './store.ts';

/** LAN heater-miners (issue 23): added by address, read on a timer; the planner is not yet theirs. */
export function deviceModule(options: { io?: Omit<DeviceIo, 'credentials' | 'signal'> } = {}): CoreModule {
  return defineModule({
    name: 'device',
    migrations: deviceMigrations,
    settings: [devicePollingSetting, deviceLoginSetting],
    create(ctx): ModuleInstance {
      const devices = new Devices({
        store: createDeviceStore(ctx.db),
        settings: ctx.settings,
        secrets: ctx.secrets,
        clock: ctx.clock,
        random: ctx.random,
        events: ctx.events,
        log: ctx.log,
        ...options,
      });
      // Only on request: nothing here scans by itself.
      const scanner = new DeviceScanner({
        clock: ctx.clock,
        events: ctx.events,
        log: ctx.log,
        added: () => devices.list(),
      });
      return {
        handlers: deviceHandlers(devices, scanner),
        service: devices,
        start: () => devices.start(),
        stop: async () => {
          devices.stop();
          await scanner.stop();
        },
      };
    },
  });
}
