import type { PlanHandlers, SchedulerHandlers } from '#contract/index';
import type { Scheduling } from './service.ts';

export function schedulerHandlers(s: Scheduling): PlanHandlers & SchedulerHandlers {
  return {
    'plan-get': async () => s.state(),
    'run-modes-get': async () => s.modes(),
    'run-mode-set': ({ target, mode }) => s.setMode(target, mode),
    'plan-override': ({ override }) => s.setOverride(override),
    'plan-events': async ({ limit }) => s.events(limit ?? 50),
    'plan-input': () => s.instance(),
    'presence-get': async () => s.presence(),
    'presence-set': (p) => s.setPresence(p),
    'plan-limits-get': async () => s.limits(),
    'plan-limits-set': async (l) => s.setLimits(l),
  };
}
