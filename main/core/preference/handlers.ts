import type { PreferenceHandlers } from '#contract/index';
import type { Preference } from './service.ts';

export function preferenceHandlers(p: Preference): PreferenceHandlers {
  return {
    'preferences-get': async () => p.get(),
    'preferences-set': async (patch) => p.set(patch),
    'data-folder': async () => p.dataFolder(),
  };
}
