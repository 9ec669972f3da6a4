import { describe, expect, it } from 'vitest';
import { HandlerError, type HeatingSettings, type TariffSettings, type Telemetry } from '#contract/index';
import type { Core } from '#core/app';
import type { CoreModule } from '#core/module';
import { systemClock, type Clock } from '#core/clock';
import { dispatch } from '#core/handler';
import { tariffModule } from '#core/tariff/module';
import { localToUtc } from '#core/time';
import { testCores } from '../../../test/support/core.ts';
import { homeAssistant, temperatureState } from '../../../test/support/home-assistant.ts';
import { serverForTests, type Recorded, type Reply } from '../../../test/support/http-server.ts';
import { storeRawSetting } from '../../../test/support/setting-row.ts';
import { refused } from '../../../test/support/refused.ts';
import { heatingModule } from './module.ts';
import { defaultHeatingSettings } from './setting.ts';

const TZ = 'Europe/Brussels';
const TOKEN = 'ha-long-lived-token-7788';
const now = localToUtc(2024, 1, 10, 12, 0, TZ); // a Wednesday in January
const clock: Clock = { ...systemClock, now: () => now };
let route: (r: Recorded) => Reply = () => ({ body: '' });
const server = serverForTests((r) => route(r));
const cores = testCores('hearth-heating-');
/** The tariff and heating modules with the forecast from the test server, on a new folder unless given one. */
const core = (dataDir?: string, at: Clock = clock): Promise<Core> =>
  cores.start({
    dataDir,
    clock: at,
    modules: [
      tariffModule({ cron: false }),
      heatingModule({ cron: false, openMeteoUrl: server.origin, pollMs: 3_600_000 }),
    ],
  });
const FIXED_PRICE: TariffSettings = {
  tariff: { kind: 'fixed', price: 0.3, currency: 'EUR' },
  charges: { perKWh: 0, tax: 0 },
  timeZone: TZ,
};
const office = homeAssistant(TOKEN, {
  'sensor.office': temperatureState('sensor.office', '19.5', new Date(now - 60_000).toISOString()),
});

function forecast(req: Recorded): Reply {
  const t0 = Math.floor(now / 3_600_000) * 3600 - 24 * 3600;
  const time = Array.from({ length: 96 }, (_, i) => t0 + i * 3600);
  if (req.url.startsWith('/v1/forecast'))
    return {
      body: JSON.stringify({
        hourly_units: { time: 'unixtime', temperature_2m: '°C' },
        hourly: { time, temperature_2m: time.map(() => 1) },
      }),
    };
  if (req.url.startsWith('/api/states/')) return office(req);
  return { status: 404, body: '{}' };
}

const base = (): HeatingSettings => ({
  ...defaultHeatingSettings(),
  timeZone: TZ,
  room: { heatLossWPerK: 40, capacityWhPerK: 1000 },
  heatSource: { kind: 'heat-pump', cop: [{ outdoorC: 1, cop: 3 }] },
});

describe('heating module', () => {
  it('computes demand and heat credit per tariff slot from the forecast', async () => {
    route = forecast;
    const c = await core();
    await c.handlers['tariff-configure'](FIXED_PRICE);
    await c.handlers['heating-configure']({ ...base(), location: { latitude: 50.85, longitude: 4.35 } });
    const slots = await c.handlers['heating-demand']({ from: now, to: now + 48 * 3_600_000 });
    expect(slots).toHaveLength(48);
    expect(slots[0]).toMatchObject({ setpointC: 21, outdoorC: 1, demandW: 40 * 20, currency: 'EUR' });
    expect(slots[0]!.creditPerKWh).toBeCloseTo(0.1, 12);
    const sensors = await c.handlers['heating-sensors']({});
    expect(sensors.outdoor.state).toBe('ok');
    expect(sensors.outdoor.last?.c).toBe(1);
    await c.close();
  });

  it('refuses a Home Assistant token that is rejected and keeps the previous settings; takes a good one', async () => {
    route = forecast;
    const c = await core();
    const ha = { kind: 'home-assistant' as const, url: server.origin, token: 'wrong', entityId: 'sensor.office' };
    let err: unknown;
    try {
      await c.handlers['heating-configure']({ ...base(), indoor: ha });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HandlerError);
    expect((err as HandlerError).message).toBe(
      'Not saved: Home Assistant rejected the token (HTTP 401): create a new long-lived access token',
    );
    expect((err as HandlerError).field).toBe('indoor.token');
    expect((await c.handlers['heating-settings']({})).indoor).toEqual({ kind: 'manual' });

    const saved = await c.handlers['heating-configure']({ ...base(), indoor: { ...ha, token: TOKEN } });
    expect(saved.indoor).toEqual({ ...ha, token: '••••7788' });
    const sensors = await c.handlers['heating-sensors']({});
    expect(sensors.indoor).toMatchObject({
      kind: 'home-assistant',
      state: 'ok',
      last: { c: 19.5, source: 'home-assistant' },
    });
    // Saving the masked form keeps the stored token (the next read still authenticates).
    await c.handlers['heating-configure']({ ...saved, mode: 'predictive' });
    expect(server.requests.at(-1)!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    await c.close();
  });

  it('rejects a setpoint of 80 °C naming the field, and a manual reading while a sensor is configured', async () => {
    route = forecast;
    const c = await core();
    const bad = base();
    bad.schedule = bad.schedule.map((d, i) => (i === 2 ? [{ at: '07:00', c: 80 }] : d));
    const env = await dispatch(c.handlers, 'heating-configure', bad);
    expect(env).toEqual({
      ok: false,
      error: { code: 'bad-request', message: 'The setpoint must be between 5 and 30 °C', field: 'schedule.2.0.c' },
    });
    expect((await c.handlers['heating-settings']({})).schedule[2]).toEqual(defaultHeatingSettings().schedule[2]);

    const reading = await c.handlers['heating-reading']({ c: 20.5 });
    expect(reading).toEqual({ c: 20.5, at: now, source: 'manual' });
    expect((await c.handlers['heating-sensors']({})).indoor.last).toEqual(reading);
    await c.close();
  });

  it('estimates the room heat loss from logged readings, outdoor temperatures and the PC heat', async () => {
    // A simulated room (UA 35 W/K, C 600 Wh/K) heated only by the PC, which alternates between
    // 500 W and 80 W every 3 hours; the outdoor temperature swings daily.
    const ua = 35;
    const cap = 600;
    const start = now;
    let t = now;
    const outdoor = (ms: number) => 3 + 4 * Math.sin((2 * Math.PI * (ms - start)) / 86_400_000);
    const pcW = (ms: number) => (Math.floor((ms - start) / (3 * 3_600_000)) % 2 === 0 ? 500 : 80);
    const hardware: CoreModule = {
      name: 'hardware',
      create: () => ({
        service: {
          info: () => Promise.reject(new Error('not probed in this test')),
          latest: () => ({ heatW: pcW(t) }) as Telemetry,
        },
      }),
    };
    const simClock: Clock = { ...systemClock, now: () => t };
    route = () => {
      const t0 = Math.floor(start / 3_600_000) * 3600 - 3600;
      const time = Array.from({ length: 60 }, (_, i) => t0 + i * 3600);
      return {
        body: JSON.stringify({
          hourly_units: { time: 'unixtime', temperature_2m: '°C' },
          hourly: { time, temperature_2m: time.map((s) => outdoor(s * 1000)) },
        }),
      };
    };
    const c = await cores.start({
      clock: simClock,
      modules: [hardware, tariffModule({ cron: false }), heatingModule({ cron: false, openMeteoUrl: server.origin })],
    });
    expect((await c.handlers['heating-estimate']({})).reason).toContain('Set a location');
    await c.handlers['heating-configure']({ ...base(), location: { latitude: 50.85, longitude: 4.35 } });
    let indoor = 18;
    for (let m = 0; m <= 48 * 60; m++) {
      if (m % 15 === 0) await c.handlers['heating-reading']({ c: Math.round(indoor * 10) / 10 });
      indoor += (pcW(t) - ua * (indoor - outdoor(t))) / cap / 60;
      t += 60_000;
    }
    const e = await c.handlers['heating-estimate']({});
    expect(e.reason).toBeNull();
    expect(e.heatLossWPerK).toBeGreaterThan(ua * 0.9);
    expect(e.heatLossWPerK).toBeLessThan(ua * 1.1);
    expect(e.capacityWhPerK).toBeGreaterThan(cap * 0.75);
    expect(e.capacityWhPerK).toBeLessThan(cap * 1.25);
    // Readings rounded to 0.1 °C: the model follows them to about that rounding.
    expect(e.rmseC).toBeLessThan(0.1);
    await c.close();
  });
});

describe('thermostat mode across a restart', () => {
  it('keeps the heater on through a restart in the middle of its minimum on time, and off through its minimum off time', async () => {
    route = forecast;
    const dataDir = cores.dir();
    let t = now;
    const liveClock: Clock = { ...systemClock, now: () => t };
    const open = () => core(dataDir, liveClock);
    // The note of the slot that contains the clock's now: what the thermostat decides.
    const current = async (c: Core) => {
      const hour = Math.floor(t / 3_600_000) * 3_600_000;
      const slot = (await c.handlers['heating-demand']({ from: hour, to: hour + 3_600_000 })).find(
        (s) => s.start <= t && t < s.end,
      );
      return { note: slot?.note, demandW: slot?.demandW };
    };
    const min = 60_000;
    // Setpoint 21 °C at this hour; the band is 20.75 … 21.25 °C; outdoor 5 °C without a location.
    const settings: HeatingSettings = {
      ...base(),
      mode: 'thermostat',
      thermostat: { hysteresisK: 0.5, minOnMin: 30, minOffMin: 20 },
    };

    let c = await open();
    await c.handlers['tariff-configure'](FIXED_PRICE);
    await c.handlers['heating-configure'](settings);
    await c.handlers['heating-reading']({ c: 20 });
    expect(await current(c)).toEqual({ note: 'thermostat calls for heat', demandW: 40 * 16 });
    await c.close();

    // Restarted 10 minutes into the 30-minute minimum on time: still on before any new reading…
    t = now + 10 * min;
    c = await open();
    expect(await current(c)).toEqual({ note: 'thermostat calls for heat', demandW: 40 * 16 });
    // …and a warm reading does not switch it off early.
    await c.handlers['heating-reading']({ c: 22 });
    expect((await current(c)).note).toBe('thermostat calls for heat');
    t = now + 31 * min;
    await c.handlers['heating-reading']({ c: 22 });
    expect(await current(c)).toEqual({ note: 'thermostat satisfied', demandW: 0 });
    await c.close();

    // Restarted 9 minutes into the 20-minute minimum off time: a cold reading waits it out.
    t = now + 40 * min;
    c = await open();
    await c.handlers['heating-reading']({ c: 20 });
    expect((await current(c)).note).toBe('thermostat satisfied');
    t = now + 51 * min;
    await c.handlers['heating-reading']({ c: 20 });
    expect((await current(c)).note).toBe('thermostat calls for heat');
    await c.close();
  });
});

describe('thermal mode settings', () => {
  it('loads settings stored before the thermal mode unchanged, and gives the room model with the defaults', async () => {
    route = forecast;
    const dataDir = cores.dir();
    const open = () => core(dataDir);
    // As an older version stored them: no maxC on the entries, no capacity on the heat source.
    const old: HeatingSettings = { ...base(), heatSource: { kind: 'gas', pricePerKWh: 0.1, efficiency: 0.9 } };
    let c = await open();
    storeRawSetting(c.db, 'heating', old);
    await c.close();
    c = await open();
    expect(await c.handlers['heating-settings']({})).toEqual(old);
    expect(c.service('heating').thermal()).toBeNull();

    await c.handlers['tariff-configure'](FIXED_PRICE);
    const weekday = [
      { at: '06:30', c: 21, maxC: 22.5 },
      { at: '22:30', c: 17 },
    ];
    await c.handlers['heating-configure']({
      ...old,
      mode: 'thermal',
      schedule: old.schedule.map((d, i) => (i < 5 ? weekday : d)),
    });
    // No reading yet: the scheduler starts the room at the band's lower bound.
    expect(c.service('heating').thermal()).toEqual({
      uaWPerK: 40,
      capacityWhPerK: 1000,
      indoorC: null,
      sourceCapW: 10_000,
    });
    await c.handlers['heating-reading']({ c: 20.4 });
    expect(c.service('heating').thermal()?.indoorC).toBe(20.4);
    // Wednesday noon: 21 °C to its own 22.5; from 22:30 17 °C to the default 17 + 2.
    const slots = await c.handlers['heating-demand']({ from: now, to: now + 12 * 3_600_000 });
    expect(slots[0]).toMatchObject({ comfort: { minC: 21, maxC: 22.5 }, outdoorC: 5 });
    expect(slots.at(-1)).toMatchObject({ comfort: { minC: 17, maxC: 19 } });
    await c.handlers['heating-configure']({ ...old, mode: 'thermal', heatSource: { kind: 'none' } });
    expect(c.service('heating').thermal()?.sourceCapW).toBe(0);
    await c.close();
  });

  it('refuses an upside-down band, a zero UA in thermal mode and a zero capacity, naming the field', async () => {
    route = forecast;
    const c = await core();
    const cases: [HeatingSettings, string][] = [
      [
        { ...base(), schedule: base().schedule.map((d, i) => (i === 1 ? [{ at: '07:00', c: 21, maxC: 20 }] : d)) },
        'schedule.1.0.maxC: the comfort band is upside down: its upper bound must be at or above the setpoint',
      ],
      [
        { ...base(), mode: 'thermal', room: { heatLossWPerK: 0, capacityWhPerK: 1000 } },
        "room.heatLossWPerK: the thermal mode needs the room's heat loss above 0 W/K (a typical 120 m² house: about 200 W/K)",
      ],
      [
        { ...base(), heatSource: { kind: 'gas', pricePerKWh: 0.1, efficiency: 0.9, capacityW: 0 } },
        'heatSource.capacityW: the heat source\'s capacity must be above 0 W (choose "none" for no heat source)',
      ],
    ];
    for (const [settings, message] of cases) {
      expect(await dispatch(c.handlers, 'heating-configure', settings)).toEqual(refused(message));
    }
    // The same UA of zero is fine outside the thermal mode (the demand model just asks for no heat).
    expect(
      (await dispatch(c.handlers, 'heating-configure', { ...base(), room: { heatLossWPerK: 0, capacityWhPerK: 1000 } }))
        .ok,
    ).toBe(true);
    await c.close();
  });

  it('serves the logged indoor readings over a period, thinned to at most max', async () => {
    let t = now;
    const c = await core(undefined, { ...systemClock, now: () => t });
    for (let i = 0; i < 10; i++) {
      await c.handlers['heating-reading']({ c: 19 + i / 10 });
      t += 600_000;
    }
    const all = await c.handlers['heating-readings']({ from: now, to: t });
    expect(all.map((r) => r.c)).toEqual([19, 19.1, 19.2, 19.3, 19.4, 19.5, 19.6, 19.7, 19.8, 19.9]);
    expect(all[0]).toEqual({ at: now, c: 19, source: 'manual' });
    expect(
      (await c.handlers['heating-readings']({ from: now + 1, to: now + 3 * 600_000 + 1 })).map((r) => r.c),
    ).toEqual([19.1, 19.2, 19.3]);
    expect((await c.handlers['heating-readings']({ from: now, to: t, max: 4 })).map((r) => r.c)).toEqual([
      19, 19.3, 19.6, 19.9,
    ]);
    await c.close();
  });
});
