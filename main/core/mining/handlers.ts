import type { MiningHandlers } from '#contract/index';
import type { Mining } from './service.ts';

export function miningHandlers(m: Mining): MiningHandlers {
  return {
    'mining-status': async () => m.status(),
    'mining-settings-get': async () => m.publicSettings(),
    'mining-settings-set': (args) => m.configure(args),
    'mining-start': () => m.start(),
    'mining-stop': () => m.stop(),
    'mining-set-power': (p) => m.setPower(p),
    'mining-shares': async ({ limit }) => m.latestShares(limit ?? 50),
    'mining-check': (args) => m.check(args),
    'mining-earnings': async () => m.earnings(),
  };
}
