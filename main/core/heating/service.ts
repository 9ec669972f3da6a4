import { schedule, type ScheduledTask } from 'node-cron';
import {
  DEFAULT_SOURCE_CAPACITY_W,
  type HeatingSettings,
  type HeatLossEstimate,
  type HeatSlot,
  type IndoorSource,
  type OutdoorStatus,
  type PriceSlot,
  type SensorStatus,
  type SourceTestResult,
  type TemperatureReading,
} from '#contract/index';
import type { Clock } from '#core/clock';
import type { EventBus } from '#core/event';
import type { HardwareService } from '#core/hardware/service';
import type { Logger } from '#core/log';
import { masked, opened, sealed, type SecretStore } from '#core/secret';
import type { Settings } from '#core/setting';
import type { TariffService } from '#core/tariff/service';
import { creditFor } from './credit.ts';
import { heatDemand, INDOOR_MAX_AGE_MS, Thermostat } from './demand.ts';
import { estimateRoom, type RoomSample } from './estimate.ts';
import { setpointAt } from './schedule.ts';
import { heatingSecret, heatingSetting, thermostatSetting } from './setting.ts';
import { readHomeAssistant } from './source/home-assistant.ts';
import { readHttpJson } from './source/http-json.ts';
import { probeMqtt, subscribeMqtt } from './source/mqtt.ts';
import { fetchOpenMeteo, interpolate, type ForecastPoint } from './source/open-meteo.ts';
import { SourceError, type SourceRunner } from './source/types.ts';
import type { HeatingStore } from './store.ts';

export type RoomModel = { uaWPerK: number; capacityWhPerK: number; indoorC: number | null; sourceCapW: number };

/** What other domains (the planner) may ask of the heating domain. */
export type HeatingService = {
  /**
   * Heat demand and heat credit for each given slot (same order, same start/end). Synchronous:
   * uses the cached outdoor forecast and the last indoor reading.
   */
  demand(slots: PriceSlot[]): HeatSlot[];
  /** Value (currency) of `heatW` delivered through `slot`: only heat up to demand counts. */
  credit(slot: HeatSlot, heatW: number): number;
  indoor(): TemperatureReading | null;
  /**
   * Thermal mode: the room as one thermal node for the planner (the comfort band and outdoor
   * temperature come per slot with `demand`). `indoorC`: the last reading if it is fresh, else
   * null (the caller starts the room at the band's lower bound). Null in the other modes.
   */
  thermal(): RoomModel | null;
  /** The settings in use, the indoor secret masked. */
  settings(): HeatingSettings;
  /** Called when demand may have changed (new reading, forecast or settings). */
  onChange(listener: () => void): () => void;
};

const FORECAST_MAX_AGE_MS = 60 * 60_000;

export type HeatingDeps = {
  store: HeatingStore;
  settings: Settings;
  secrets: SecretStore;
  clock: Clock;
  log: Logger;
  events: Pick<EventBus, 'emit'>;
  tariff: TariffService;
  /** The PC's heat output, logged with each reading for the heat-loss estimate; null where the hardware domain does not run. */
  hardware: HardwareService | null;
  fetch: typeof globalThis.fetch;
  /** Open-Meteo's origin (its public one when not given). */
  openMeteoUrl?: string | undefined;
  /** How often HTTP indoor sources are read. */
  pollMs: number;
  /** Whether start() runs the hourly forecast refresh. */
  cron: boolean;
  /** Without cron: fetch the forecast once at start when the cached one is over an hour old (the CLI). */
  refreshOnStart: boolean;
};

/** A new indoor source refused the check before saving; the previous settings stay. */
export class IndoorSourceRefused extends Error {
  constructor(readonly failure: Error) {
    super(failure.message);
  }
}

type Sensors = { indoor: SensorStatus; outdoor: OutdoorStatus };

/** The room: settings, the indoor source and its readings, the outdoor forecast, the thermostat. */
export class Heating implements HeatingService {
  private readonly listeners = new Set<() => void>();
  private readonly thermostat: Thermostat;
  private inUse: HeatingSettings;
  private last: TemperatureReading | null;
  private indoorReason: string | null = null;
  private outdoorReason: string | null = null;
  private forecast: ForecastPoint[];
  private runner: SourceRunner | null = null;
  private poll: { cancel(): void } | null = null;
  private task: ScheduledTask | null = null;
  private started = false;

  constructor(private readonly deps: HeatingDeps) {
    this.thermostat = new Thermostat(deps.settings.get(thermostatSetting));
    this.inUse = this.load();
    this.last = deps.store.lastReading();
    this.forecast = deps.store.forecastSince(deps.clock.now() - 2 * 86_400_000);
  }

  /** The stored settings with the indoor secret opened (see setting.ts for invalid stored values). */
  private load(): HeatingSettings {
    const stored = this.deps.settings.get(heatingSetting);
    try {
      return opened(heatingSecret, stored, this.deps.secrets);
    } catch (err) {
      // Sealed by the desktop app's keychain and read where that is not at hand (`hearth serve`).
      this.deps.log.warn(
        `the indoor temperature source could not be read (${(err as Error).message}); readings are entered by hand until it is saved again`,
      );
      return { ...stored, indoor: { kind: 'manual' } };
    }
  }

  /** The settings in use, the indoor secret opened (the handlers and settings() mask it). */
  current(): HeatingSettings {
    return this.inUse;
  }

  settings(): HeatingSettings {
    return masked(heatingSecret, this.inUse);
  }

  demand(slots: PriceSlot[]): HeatSlot[] {
    return heatDemand(this.inUse, slots, {
      now: this.deps.clock.now(),
      indoor: this.last,
      outdoorAt: (ms) => this.outdoorAt(ms),
      thermostatOn: this.thermostat.on,
    });
  }

  /** Demand for the tariff's slots overlapping [from, to). */
  demandBetween(from: number, to: number): HeatSlot[] {
    return this.demand(this.deps.tariff.slots(from, to));
  }

  credit(slot: HeatSlot, heatW: number): number {
    return creditFor(slot, heatW);
  }

  indoor(): TemperatureReading | null {
    return this.last;
  }

  thermal(): RoomModel | null {
    const settings = this.inUse;
    if (settings.mode !== 'thermal') return null;
    const src = settings.heatSource;
    const last = this.last;
    const fresh = last && this.deps.clock.now() - last.at <= INDOOR_MAX_AGE_MS ? last.c : null;
    return {
      uaWPerK: settings.room.heatLossWPerK,
      capacityWhPerK: settings.room.capacityWhPerK,
      indoorC: fresh,
      sourceCapW: src.kind === 'none' ? 0 : (src.capacityW ?? DEFAULT_SOURCE_CAPACITY_W),
    };
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  private sensorStatus(): SensorStatus {
    const last = this.last;
    const stale = last !== null && this.deps.clock.now() - last.at > 30 * 60_000;
    const state: SensorStatus['state'] = this.indoorReason
      ? last
        ? 'stale'
        : 'error'
      : last === null
        ? 'idle'
        : stale
          ? 'stale'
          : 'ok';
    return {
      kind: this.inUse.indoor.kind,
      state,
      reason: this.indoorReason ?? (stale ? 'no reading for more than 30 minutes' : null),
      last,
    };
  }

  /** The indoor sensor and the outdoor forecast, each with its state. */
  sensors(): Sensors {
    const settings = this.inUse;
    const f = this.deps.store.forecastFetched();
    const hasForecast = this.forecast.length > 0;
    const state: SensorStatus['state'] = !settings.location
      ? 'idle'
      : this.outdoorReason
        ? hasForecast
          ? 'stale'
          : 'error'
        : hasForecast
          ? 'ok'
          : 'idle';
    const c = this.outdoorAt(this.deps.clock.now());
    return {
      indoor: this.sensorStatus(),
      outdoor: {
        kind: settings.location ? 'open-meteo' : 'fallback',
        state,
        reason: settings.location ? this.outdoorReason : `no location set: ${settings.fallbackOutdoorC} °C is assumed`,
        last: c === null || f.fetchedAt === null ? null : { c, at: f.fetchedAt, source: 'open-meteo' },
        forecastUntil: f.until,
      },
    };
  }

  /** A reading typed by a person (manual source), taken now. */
  typedReading(c: number): TemperatureReading {
    return this.accept(c, this.deps.clock.now(), 'manual');
  }

  /** Takes a reading (typed, polled or pushed): logs it, steps the thermostat, tells listeners. */
  private accept(c: number, at: number, source: TemperatureReading['source']): TemperatureReading {
    const { store, settings: stored, events } = this.deps;
    const settings = this.inUse;
    const reading: TemperatureReading = { c, at, source };
    this.last = reading;
    this.indoorReason = null;
    store.addReading(reading, this.pcHeatW());
    const sp = setpointAt(settings.schedule, at, settings.timeZone);
    if (sp !== null) {
      const before = this.thermostat.state;
      this.thermostat.update(at, c, sp, settings.thermostat);
      // Stored on every switch: a restart in the middle of a minimum on or off time must not
      // switch the heater early, nor forget that it was on.
      const after = this.thermostat.state;
      if (after.on !== before.on || after.since !== before.since) stored.set(thermostatSetting, after);
    }
    events.emit('indoor-reading', reading);
    events.emit('heating-sensor', this.sensorStatus());
    this.changed();
    return reading;
  }

  /** The PC's heat output now, where the hardware domain runs (not in tests that leave it out). */
  private pcHeatW(): number | null {
    return this.deps.hardware?.latest()?.heatW ?? null;
  }

  private sourceFailed(reason: string): void {
    if (this.indoorReason === reason) return;
    this.indoorReason = reason;
    this.deps.log.warn(`indoor temperature: ${reason}`);
    this.deps.events.emit('heating-sensor', this.sensorStatus());
  }

  /** MQTT waits `mqttWaitMs` for a message after subscribing (0: a connect and subscribe check only). */
  private async readOnce(src: IndoorSource, mqttWaitMs = 0): Promise<{ c: number; at: number } | null> {
    const { fetch, clock } = this.deps;
    if (src.kind === 'home-assistant') return readHomeAssistant(src, fetch);
    if (src.kind === 'http-json') return { c: await readHttpJson(src, fetch), at: clock.now() };
    if (src.kind === 'mqtt') return probeMqtt(src, { waitMs: mqttWaitMs, now: () => clock.now() });
    return null;
  }

  private async stopSource(): Promise<void> {
    this.poll?.cancel();
    this.poll = null;
    const r = this.runner;
    this.runner = null;
    await r?.stop();
  }

  private startSource(): void {
    const src = this.inUse.indoor;
    const { clock } = this.deps;
    if (src.kind === 'mqtt') {
      this.runner = subscribeMqtt(
        src,
        { reading: (c, at) => this.accept(c, at, 'mqtt'), error: (reason) => this.sourceFailed(reason) },
        () => clock.now(),
      );
    } else if (src.kind === 'home-assistant' || src.kind === 'http-json') {
      const tick = () => {
        this.readOnce(src).then(
          (r) => r && this.accept(r.c, r.at, src.kind),
          (err: unknown) => this.sourceFailed((err as Error).message),
        );
      };
      tick();
      this.poll = clock.setInterval(tick, this.deps.pollMs);
    }
  }

  /** Fetches the outdoor forecast; a failure keeps the last one and says why in the sensors. */
  async refreshForecast(): Promise<void> {
    const loc = this.inUse.location;
    if (!loc) return;
    const { store, clock, log } = this.deps;
    try {
      const points = await fetchOpenMeteo(loc, this.deps.fetch, this.deps.openMeteoUrl);
      store.putForecast(points, clock.now());
      this.forecast = store.forecastSince(clock.now() - 2 * 86_400_000);
      this.outdoorReason = null;
      this.changed();
    } catch (err) {
      this.outdoorReason = `${(err as Error).message}; the last forecast stays in use`;
      log.warn(`outdoor forecast: ${this.outdoorReason}`);
    }
  }

  private outdoorAt(ms: number): number | null {
    return this.inUse.location ? interpolate(this.forecast, ms) : null;
  }

  /**
   * Saves new settings (the indoor secret already unmasked). A new indoor source is asked once
   * first: a rejected token, a wrong entity, a refused MQTT login or subscription throws
   * IndoorSourceRefused and the previous settings stay. An unreachable one is saved and shows as a
   * sensor error. A running MQTT subscription is not probed again on every save.
   */
  async configure(candidate: HeatingSettings): Promise<void> {
    const sourceChanged = JSON.stringify(candidate.indoor) !== JSON.stringify(this.inUse.indoor);
    let first: { c: number; at: number } | null = null;
    try {
      if (candidate.indoor.kind !== 'mqtt' || sourceChanged) first = await this.readOnce(candidate.indoor);
    } catch (err) {
      if (!(err instanceof SourceError) || !err.transient) throw new IndoorSourceRefused(err as Error);
      this.indoorReason = err.message;
    }
    const locationChanged = JSON.stringify(candidate.location) !== JSON.stringify(this.inUse.location);
    this.inUse = candidate;
    this.deps.settings.set(heatingSetting, sealed(heatingSecret, candidate, this.deps.secrets));
    if (sourceChanged) {
      this.indoorReason = first ? null : this.indoorReason;
      await this.stopSource();
      if (first) this.accept(first.c, first.at, candidate.indoor.kind);
      if (this.started) this.startSource();
    }
    if (locationChanged) {
      this.forecast = [];
      await this.refreshForecast();
    }
    this.changed();
  }

  /**
   * Another process saved the heating settings (the ledger watch, heating/module.ts): use them as
   * a save here would, without asking the indoor source first (the other process saved it), and
   * tell listeners, so the scheduler plans again and pages read them again.
   */
  async reload(): Promise<void> {
    const next = this.load();
    const sourceChanged = JSON.stringify(next.indoor) !== JSON.stringify(this.inUse.indoor);
    const locationChanged = JSON.stringify(next.location) !== JSON.stringify(this.inUse.location);
    this.inUse = next;
    if (sourceChanged) {
      this.indoorReason = null;
      await this.stopSource();
      if (this.started) this.startSource();
    }
    if (locationChanged) {
      this.forecast = [];
      await this.refreshForecast();
    }
    this.deps.events.emit('heating-sensor', this.sensorStatus());
    this.changed();
  }

  /** Reads the given source once (MQTT: waits up to `waitMs` for a message); saves nothing. */
  async testSource(src: IndoorSource, waitMs = 10_000): Promise<SourceTestResult> {
    if (src.kind === 'manual')
      return { ok: true, reading: null, message: 'Readings are entered by hand: nothing to connect to' };
    const where = 'topic' in src ? src.topic : src.url;
    try {
      const r = await this.readOnce(src, waitMs);
      if (r) return { ok: true, reading: r, message: `${where} reads ${r.c.toFixed(1)} °C` };
      return {
        ok: true,
        reading: null,
        message: `Connected and subscribed to ${where}; no message within ${Math.round(waitMs / 1000)} s (a sensor may publish only every few minutes)`,
      };
    } catch (err) {
      const field = err instanceof SourceError && err.field ? ` (indoor.${err.field})` : '';
      return { ok: false, reading: null, message: `${(err as Error).message}${field}` };
    }
  }

  /** Fits the room's heat loss to the readings of the last `days` days that have the PC's heat logged. */
  estimate(days = 14): HeatLossEstimate {
    const { store, clock } = this.deps;
    const from = clock.now() - days * 86_400_000;
    const points = store.forecastSince(from);
    const samples: RoomSample[] = [];
    for (const r of store.loggedSince(from)) {
      const outdoorC = interpolate(points, r.at);
      if (outdoorC !== null) samples.push({ at: r.at, indoorC: r.c, outdoorC, heatW: r.heatW });
    }
    const result = estimateRoom(samples);
    if (samples.length === 0 && !this.inUse.location)
      return { ...result, reason: 'Set a location: the estimate needs logged outdoor temperatures (Open-Meteo)' };
    return result;
  }

  /** Logged readings in [from, to), oldest first, thinned to at most `max`. */
  readings(from: number, to: number, max: number): TemperatureReading[] {
    return this.deps.store.readings(from, to, max);
  }

  async start(): Promise<void> {
    const { store, clock, cron, refreshOnStart } = this.deps;
    this.started = true;
    this.startSource();
    const f = store.forecastFetched();
    const stale = f.fetchedAt === null || clock.now() - f.fetchedAt > FORECAST_MAX_AGE_MS;
    if (!cron) {
      if (refreshOnStart && stale) await this.refreshForecast();
      return;
    }
    if (stale) void this.refreshForecast();
    this.task = schedule('7 * * * *', () => void this.refreshForecast(), { name: 'heating-forecast', noOverlap: true });
  }

  async stop(): Promise<void> {
    this.started = false;
    await this.task?.destroy();
    this.task = null;
    await this.stopSource();
  }
}
