import type { HardwareInfo, Telemetry } from '#contract/index';

/** What other domains may ask of the hardware domain. */
export type HardwareService = {
  info(): Promise<HardwareInfo>;
  /** The latest snapshot, or null before the first second has been sampled. */
  latest(): Telemetry | null;
};
