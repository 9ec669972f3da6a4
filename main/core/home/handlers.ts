import type { HomeHandlers } from '#contract/index';
import type { HomeLink } from './service.ts';

export function homeHandlers(h: HomeLink): HomeHandlers {
  return {
    'home-settings': async () => h.view(),
    'home-configure': (input) => h.configure(input),
    'home-status': async () => h.status(),
    'home-test': (partial) => h.test(partial),
  };
}
