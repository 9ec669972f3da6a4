import type { DaySummary, HardwareInfo, Telemetry } from '#contract/index';
import type { Clock } from '#core/clock';
import type { EventBus } from '#core/event';
import type { Logger } from '#core/log';
import { addDays, dayKey } from '#core/time';
import type { TelemetryStore } from './store.ts';
import type { TelemetrySampler } from './telemetry.ts';

/** What other domains may ask of the hardware domain. */
export type HardwareService = {
  info(): Promise<HardwareInfo>;
  /** The latest snapshot, or null before the first second has been sampled. */
  latest(): Telemetry | null;
};

export const SAMPLE_EVERY_MS = 1_000;

export type HardwareDeps = {
  /** What the first probe found. */
  info: HardwareInfo;
  /** Probes the machine again. */
  detect: () => Promise<HardwareInfo>;
  sampler: TelemetrySampler;
  store: TelemetryStore;
  /** The zone energy days are counted in. */
  timeZone: () => string;
  clock: Clock;
  log: Logger;
  events: Pick<EventBus, 'emit'>;
};

/** This machine: what it has, and its telemetry sampled every second once started. */
export class Hardware implements HardwareService {
  private current: HardwareInfo;
  private timer: { cancel(): void } | null = null;

  constructor(private readonly deps: HardwareDeps) {
    this.current = deps.info;
  }

  async info(): Promise<HardwareInfo> {
    return this.current;
  }

  async detect(): Promise<HardwareInfo> {
    this.current = await this.deps.detect();
    return this.current;
  }

  latest(): Telemetry | null {
    return this.deps.sampler.latest;
  }

  /** The stored per-day rollups of the last `days` days (today included), newest first. */
  energyDays(days: number): DaySummary[] {
    return this.deps.store.daysSince(addDays(dayKey(this.deps.clock.now(), this.deps.timeZone()), -(days - 1)));
  }

  start(): void {
    const { sampler, clock, events, log } = this.deps;
    sampler.tick(clock.now());
    this.timer = clock.setInterval(() => {
      try {
        events.emit('telemetry', sampler.tick(clock.now()));
      } catch (err) {
        log.error(`telemetry sample failed: ${(err as Error).message}`);
      }
    }, SAMPLE_EVERY_MS);
  }

  stop(): void {
    this.timer?.cancel();
    this.deps.sampler.flush(this.deps.clock.now());
  }
}
