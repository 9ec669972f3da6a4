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
    'device-configure': async (c) => d.configure(c),
    // The scan (scan.ts) lands next in this change.
    'device-scan': () => Promise.reject(new Error('not built yet')),
    'device-scan-cancel': () => Promise.reject(new Error('not built yet')),
    'device-scan-status': async () => ({ scan: null, suggestedRange: null }),
  };
}
