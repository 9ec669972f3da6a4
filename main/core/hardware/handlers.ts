import type { HardwareHandlers } from '#contract/index';
import type { Hardware } from './service.ts';

export function hardwareHandlers(hw: Hardware): HardwareHandlers {
  return {
    'hardware-info': async ({ refresh }) => (refresh ? hw.detect() : hw.info()),
    'telemetry-now': async () => hw.latest(),
    'energy-days': async ({ days }) => hw.energyDays(days),
  };
}
