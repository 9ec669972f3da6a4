import type { FleetHandlers } from '#contract/index';
import type { FleetService } from './service.ts';

export function fleetHandlers(f: FleetService): FleetHandlers {
  return {
    'fleet-status': async () => f.status(),
    'fleet-configure': (input) => f.configure(input),
  };
}
