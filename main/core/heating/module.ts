import { schedule, type ScheduledTask } from 'node-cron';
import {
  DEFAULT_SOURCE_CAPACITY_W,
  HandlerError,
  type HeatingHandlers,
  type HeatingSettings,
  type IndoorSource,
  type SensorStatus,
  type SourceTestResult,
  type TemperatureReading,
} from '#contract/index';
import { defineModule, type CoreContext, type CoreModule, type Deps, type ModuleInstance } from '#core/module';
import { masked, opened, sealed, unmasked as keepStored } from '#core/secret';
import { creditFor } from './credit.ts';
import { heatDemand, INDOOR_MAX_AGE_MS, Thermostat } from './demand.ts';
import { estimateRoom, type RoomSample } from './estimate.ts';
import { setpointAt } from './schedule.ts';
import type { HeatingService } from './service.ts';
import { heatingSecret, heatingSetting, indoorSecret, thermostatSetting } from './setting.ts';
import { readHomeAssistant } from './source/home-assistant.ts';
import { readHttpJson } from './source/http-json.ts';
import { probeMqtt, subscribeMqtt } from './source/mqtt.ts';
import { fetchOpenMeteo, interpolate, type ForecastPoint } from './source/open-meteo.ts';
import { SourceError, type SourceRunner } from './source/types.ts';
import { createHeatingStore, heatingMigrations } from './store.ts';

const FORECAST_MAX_AGE_MS = 60 * 60_000;

export type HeatingModuleOptions = {
  fetch?: typeof globalThis.fetch;
  /** Open-Meteo's origin; tests point it at a local server. */
  openMeteoUrl?: string;
  /** How often HTTP indoor sources are read. */
  pollMs?: number;
  /** Starts the hourly forecast refresh (off in tests). */
  cron?: boolean;
  /** Without cron: fetch the forecast once at start when the cached one is over an hour old (the CLI). */
  refreshOnStart?: boolean;
};

export function heatingModule(options: HeatingModuleOptions = {}): CoreModule {
  return defineModule({
    name: 'heating',
    migrations: heatingMigrations,
    settings: [heatingSetting, thermostatSetting],
    requires: ['tariff'],
    optional: ['hardware'],
    create(ctx, deps) {
      return createHeating(ctx, deps, options);
    },
  });
}

function createHeating(ctx: CoreContext, { tariff, hardware }: Deps<'tariff', 'hardware'>, options: HeatingModuleOptions): ModuleInstance<'heating'> {
  const fetchFn = options.fetch ?? globalThis.fetch;
  const pollMs = options.pollMs ?? 60_000;
  const store = createHeatingStore(ctx.db);
  const listeners = new Set<() => void>();
  const thermostat = new Thermostat(ctx.settings.get(thermostatSetting));
  let settings = load();
  let last: TemperatureReading | null = store.lastReading();
  let indoorReason: string | null = null;
  let outdoorReason: string | null = null;
  let forecast: ForecastPoint[] = store.forecastSince(ctx.clock.now() - 2 * 86_400_000);
  let runner: SourceRunner | null = null;
  let poll: { cancel(): void } | null = null;
  let task: ScheduledTask | null = null;
  let started = false;

  /** The stored settings with the indoor secret opened (see setting.ts for invalid stored values). */
  function load(): HeatingSettings {
    const stored = ctx.settings.get(heatingSetting);
    try {
      return opened(heatingSecret, stored, ctx.secrets);
    } catch (err) {
      // Sealed by the desktop app's keychain and read where that is not at hand (`hearth serve`).
      ctx.log.warn(`the indoor temperature source could not be read (${(err as Error).message}); readings are entered by hand until it is saved again`);
      return { ...stored, indoor: { kind: 'manual' } };
    }
  }

  function save(next: HeatingSettings): void {
    ctx.settings.set(heatingSetting, sealed(heatingSecret, next, ctx.secrets));
  }

  function changed(): void {
    for (const l of listeners) l();
  }

  function sensorStatus(): SensorStatus {
    const stale = last !== null && ctx.clock.now() - last.at > 30 * 60_000;
    const state: SensorStatus['state'] = indoorReason ? (last ? 'stale' : 'error') : last === null ? 'idle' : stale ? 'stale' : 'ok';
    return { kind: settings.indoor.kind, state, reason: indoorReason ?? (stale ? 'no reading for more than 30 minutes' : null), last };
  }

  function accept(c: number, at: number, source: TemperatureReading['source']): TemperatureReading {
    const reading: TemperatureReading = { c, at, source };
    last = reading;
    indoorReason = null;
    store.addReading(reading, pcHeatW());
    const sp = setpointAt(settings.schedule, at, settings.timeZone);
    if (sp !== null) {
      const before = thermostat.state;
      thermostat.update(at, c, sp, settings.thermostat);
      // Stored on every switch: a restart in the middle of a minimum on or off time must not
      // switch the heater early, nor forget that it was on.
      const after = thermostat.state;
      if (after.on !== before.on || after.since !== before.since) ctx.settings.set(thermostatSetting, after);
    }
    ctx.events.emit('indoor-reading', reading);
    ctx.events.emit('heating-sensor', sensorStatus());
    changed();
    return reading;
  }

  /** The PC's heat output now, where the hardware domain runs (not in tests that leave it out). */
  function pcHeatW(): number | null {
    return hardware?.latest()?.heatW ?? null;
  }

  function sourceFailed(reason: string): void {
    if (indoorReason === reason) return;
    indoorReason = reason;
    ctx.log.warn(`indoor temperature: ${reason}`);
    ctx.events.emit('heating-sensor', sensorStatus());
  }

  /** MQTT waits `mqttWaitMs` for a message after subscribing (0: a connect and subscribe check only). */
  async function readOnce(src: IndoorSource, mqttWaitMs = 0): Promise<{ c: number; at: number } | null> {
    if (src.kind === 'home-assistant') return readHomeAssistant(src, fetchFn);
    if (src.kind === 'http-json') return { c: await readHttpJson(src, fetchFn), at: ctx.clock.now() };
    if (src.kind === 'mqtt') return probeMqtt(src, { waitMs: mqttWaitMs, now: () => ctx.clock.now() });
    return null;
  }

  /** A masked secret from the page ("••••1234") stands for the stored one of the same source kind. */
  function unmasked(next: IndoorSource): IndoorSource {
    return keepStored(indoorSecret, next, settings.indoor, settings.indoor.kind === next.kind, (field) => new HandlerError('bad-request', `indoor.${field}: enter the ${field}`));
  }

  async function stopSource(): Promise<void> {
    poll?.cancel();
    poll = null;
    const r = runner;
    runner = null;
    await r?.stop();
  }

  function startSource(): void {
    const src = settings.indoor;
    if (src.kind === 'mqtt') {
      runner = subscribeMqtt(src, { reading: (c, at) => accept(c, at, 'mqtt'), error: sourceFailed }, () => ctx.clock.now());
    } else if (src.kind === 'home-assistant' || src.kind === 'http-json') {
      const tick = () => {
        readOnce(src).then(
          (r) => r && accept(r.c, r.at, src.kind),
          (err: unknown) => sourceFailed((err as Error).message),
        );
      };
      tick();
      poll = ctx.clock.setInterval(tick, pollMs);
    }
  }

  async function refreshForecast(): Promise<void> {
    const loc = settings.location;
    if (!loc) return;
    try {
      const points = await fetchOpenMeteo(loc, fetchFn, options.openMeteoUrl);
      store.putForecast(points, ctx.clock.now());
      forecast = store.forecastSince(ctx.clock.now() - 2 * 86_400_000);
      outdoorReason = null;
      changed();
    } catch (err) {
      outdoorReason = `${(err as Error).message}; the last forecast stays in use`;
      ctx.log.warn(`outdoor forecast: ${outdoorReason}`);
    }
  }

  function outdoorAt(ms: number): number | null {
    return settings.location ? interpolate(forecast, ms) : null;
  }

  const service: HeatingService = {
    demand: (slots) => heatDemand(settings, slots, { now: ctx.clock.now(), indoor: last, outdoorAt, thermostatOn: thermostat.on }),
    credit: creditFor,
    indoor: () => last,
    settings: () => masked(heatingSecret, settings),
    thermal: () => {
      if (settings.mode !== 'thermal') return null;
      const src = settings.heatSource;
      const fresh = last && ctx.clock.now() - last.at <= INDOOR_MAX_AGE_MS ? last.c : null;
      return {
        uaWPerK: settings.room.heatLossWPerK,
        capacityWhPerK: settings.room.capacityWhPerK,
        indoorC: fresh,
        sourceCapW: src.kind === 'none' ? 0 : (src.capacityW ?? DEFAULT_SOURCE_CAPACITY_W),
      };
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };

  const handlers: HeatingHandlers = {
    'heating-settings': async () => {
      return masked(heatingSecret, settings);
    },
    'heating-configure': async (next) => {
      const candidate = { ...next, indoor: unmasked(next.indoor) };
      const sourceChanged = JSON.stringify(candidate.indoor) !== JSON.stringify(settings.indoor);
      // Ask the source once before saving: a rejected token, a wrong entity, a refused MQTT login
      // or subscription fails here and the previous settings stay. An unreachable one is saved and
      // shows as a sensor error. A running MQTT subscription is not probed again on every save.
      let first: { c: number; at: number } | null = null;
      try {
        if (candidate.indoor.kind !== 'mqtt' || sourceChanged) first = await readOnce(candidate.indoor);
      } catch (err) {
        if (!(err instanceof SourceError) || !err.transient) {
          const field = err instanceof SourceError && err.field ? `indoor.${err.field}` : 'indoor';
          throw new HandlerError('bad-request', `Not saved (${field}): ${(err as Error).message}`, 'The previous heating settings stay in use.');
        }
        indoorReason = err.message;
      }
      const locationChanged = JSON.stringify(candidate.location) !== JSON.stringify(settings.location);
      settings = candidate;
      save(candidate);
      if (sourceChanged) {
        indoorReason = first ? null : indoorReason;
        await stopSource();
        if (first) accept(first.c, first.at, candidate.indoor.kind);
        if (started) startSource();
      }
      if (locationChanged) {
        forecast = [];
        await refreshForecast();
      }
      changed();
      return handlers['heating-settings']({});
    },
    'heating-test-source': async ({ indoor, waitMs }): Promise<SourceTestResult> => {
      if (indoor.kind === 'manual') return { ok: true, reading: null, message: 'Readings are entered by hand: nothing to connect to' };
      const src = unmasked(indoor);
      const wait = waitMs ?? 10_000;
      const where = 'topic' in src ? src.topic : 'url' in src ? src.url : src.kind;
      try {
        const r = await readOnce(src, wait);
        if (r) return { ok: true, reading: r, message: `${where} reads ${r.c.toFixed(1)} °C` };
        return { ok: true, reading: null, message: `Connected and subscribed to ${where}; no message within ${Math.round(wait / 1000)} s (a sensor may publish only every few minutes)` };
      } catch (err) {
        const field = err instanceof SourceError && err.field ? ` (indoor.${err.field})` : '';
        return { ok: false, reading: null, message: `${(err as Error).message}${field}` };
      }
    },
    'heating-demand': async ({ from, to }) => service.demand(tariff.slots(from, to)),
    'heating-sensors': async () => {
      const f = store.forecastFetched();
      const state: SensorStatus['state'] = !settings.location ? 'idle' : outdoorReason ? (forecast.length > 0 ? 'stale' : 'error') : forecast.length > 0 ? 'ok' : 'idle';
      const now = ctx.clock.now();
      const c = outdoorAt(now);
      return {
        indoor: sensorStatus(),
        outdoor: {
          kind: settings.location ? 'open-meteo' : 'fallback',
          state,
          reason: settings.location ? outdoorReason : `no location set: ${settings.fallbackOutdoorC} °C is assumed`,
          last: c === null || f.fetchedAt === null ? null : { c, at: f.fetchedAt, source: 'open-meteo' },
          forecastUntil: f.until,
        },
      };
    },
    'heating-estimate': async ({ days }) => {
      const from = ctx.clock.now() - (days ?? 14) * 86_400_000;
      const points = store.forecastSince(from);
      const samples: RoomSample[] = [];
      for (const r of store.loggedSince(from)) {
        const outdoorC = interpolate(points, r.at);
        if (outdoorC !== null) samples.push({ at: r.at, indoorC: r.c, outdoorC, heatW: r.heatW });
      }
      const result = estimateRoom(samples);
      if (samples.length === 0 && !settings.location) return { ...result, reason: 'Set a location: the estimate needs logged outdoor temperatures (Open-Meteo)' };
      return result;
    },
    'heating-readings': async ({ from, to, max }) => store.readings(from, to, max ?? 2000),
    'heating-refresh': async () => {
      await refreshForecast();
      return handlers['heating-sensors']({});
    },
    'heating-reading': async ({ c }) => {
      if (settings.indoor.kind !== 'manual') {
        throw new HandlerError('conflict', `The indoor temperature comes from ${settings.indoor.kind}; a typed reading would be overwritten`, 'Switch the indoor source to manual to enter readings.');
      }
      return accept(c, ctx.clock.now(), 'manual');
    },
  };

  return {
    service,
    handlers,
    async start() {
      started = true;
      startSource();
      const f = store.forecastFetched();
      const stale = f.fetchedAt === null || ctx.clock.now() - f.fetchedAt > FORECAST_MAX_AGE_MS;
      if (options.cron === false) {
        if (options.refreshOnStart && stale) await refreshForecast();
        return;
      }
      if (stale) void refreshForecast();
      task = schedule('7 * * * *', () => void refreshForecast(), { name: 'heating-forecast', noOverlap: true });
    },
    async stop() {
      started = false;
      await task?.destroy();
      task = null;
      await stopSource();
    },
  };
}
