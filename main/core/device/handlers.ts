import type { DeviceHandlers } from '#contract/index';
import type { Devices } from './service.ts';

export function deviceHandlers(d: Devices): DeviceHandlers {
  return {
    'device-list': async ({ refresh }) => (refresh === true ? d.refresh() : d.list()),
    'device-add': async (input) => d.add(input),
    'device-remove': async ({ id }) => {
      d.remove(id);
      return { removed: true };
    },
    'device-rename': async ({ id, name }) => d.rename(id, name),
  };
}
