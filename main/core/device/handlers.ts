import type { DeviceHandlers } from '#contract/index';
import type { DeviceScanner } from './scan.ts';
import type { Devices } from './service.ts';

export function deviceHandlers(d: Devices, scanner: DeviceScanner): DeviceHandlers {
  return {
    'device-list': async ({ refresh }) => (refresh === true ? d.refresh() : d.list()),
    'device-add': async (input) => d.add(input),
    'device-remove': async ({ id }) => {
      d.remove(id);
      return { removed: true };
    },
    'device-rename': async ({ id, name }) => d.rename(id, name),
    'device-configure': async (c) => d.configure(c),
    'device-scan': async (input) => scanner.start(input),
    'device-scan-cancel': async ({ id }) => scanner.cancel(id),
    'device-scan-status': async () => scanner.status(),
  };
}
