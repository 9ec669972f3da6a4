import type { SetupHandlers } from '#contract/index';
import type { Setup } from './service.ts';

export function setupHandlers(s: Setup): SetupHandlers {
  return {
    'setup-status': async () => s.status(),
    'setup-confirm': async ({ topic }) => s.confirm(topic),
    'setup-finish': async ({ state }) => s.finish(state),
  };
}
