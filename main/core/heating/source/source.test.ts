import { connect } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { climateState, haConfig, homeAssistant } from '../../../../test/support/home-assistant.ts';
import { serverForTests } from '../../../../test/support/http-server.ts';
import { startMosquitto, type Broker } from '../../../../test/fixtures/mosquitto.ts';
import { rejectionOf } from '../../../../test/support/rejection.ts';
import { until, when } from '../../../../test/support/until.ts';
import { readHomeAssistant } from './home-assistant.ts';
import { readHttpJson } from './http-json.ts';
import { parsePayload } from './json-path.ts';
import { subscribeMqtt } from './mqtt.ts';
import { fetchOpenMeteo, interpolate } from './open-meteo.ts';
import { SourceError } from './types.ts';

const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.long-lived';
const server = serverForTests(() => ({ body: '' }));

const sourceError = (p: Promise<unknown>) => rejectionOf(p, SourceError);

describe('Home Assistant source', () => {
  const entity = (state: string, unit = '°C') => ({
    entity_id: 'sensor.living_room_temperature',
    state,
    attributes: {
      state_class: 'measurement',
      unit_of_measurement: unit,
      device_class: 'temperature',
      friendly_name: 'Living room temperature',
    },
    last_changed: '2024-01-10T11:58:03.123456+00:00',
    last_reported: '2024-01-10T11:58:03.123456+00:00',
    last_updated: '2024-01-10T11:58:03.123456+00:00',
    context: { id: '01HKX0', parent_id: null, user_id: null },
  });
  const src = (patch: object = {}) => ({
    kind: 'home-assistant' as const,
    url: server.origin,
    token: TOKEN,
    entityId: 'sensor.living_room_temperature',
    ...patch,
  });

  it('reads a state with its time, converting °F', async () => {
    server.setRoute(
      homeAssistant(TOKEN, { 'sensor.living_room_temperature': entity('21.4'), 'sensor.us': entity('68', '°F') }),
    );
    expect(await readHomeAssistant(src(), globalThis.fetch)).toEqual({
      c: 21.4,
      at: Date.parse('2024-01-10T11:58:03.123Z'),
    });
    expect((await readHomeAssistant(src({ entityId: 'sensor.us' }), globalThis.fetch)).c).toBeCloseTo(20, 12);
  });

  it('names a rejected token, an unknown entity and an unavailable sensor', async () => {
    server.setRoute(homeAssistant(TOKEN, { 'sensor.living_room_temperature': entity('unavailable') }));
    expect((await sourceError(readHomeAssistant(src({ token: 'wrong' }), globalThis.fetch))).message).toBe(
      'Home Assistant rejected the token (HTTP 401): create a new long-lived access token',
    );
    expect((await sourceError(readHomeAssistant(src({ entityId: 'sensor.nope' }), globalThis.fetch))).message).toBe(
      'Home Assistant has no entity sensor.nope: check the entity id',
    );
    expect((await sourceError(readHomeAssistant(src(), globalThis.fetch))).message).toContain(
      'reports sensor.living_room_temperature as "unavailable"',
    );
  });
});

describe('Home Assistant climate entity', () => {
  const at = '2024-01-10T11:58:03.123456+00:00';
  const src = (entityId: string, token = TOKEN) => ({
    kind: 'home-assistant' as const,
    url: server.origin,
    token,
    entityId,
  });

  it("reads current_temperature (not the state, which is the HVAC mode) in HA's unit system", async () => {
    const states = { 'climate.living_room': climateState('climate.living_room', 20.5, 21, at) };
    server.setRoute(homeAssistant(TOKEN, states));
    expect(await readHomeAssistant(src('climate.living_room'), globalThis.fetch)).toEqual({
      c: 20.5,
      at: Date.parse('2024-01-10T11:58:03.123Z'),
    });
    expect(server.requests.map((r) => r.url).slice(-2)).toEqual(['/api/states/climate.living_room', '/api/config']);
    // The same thermostat on an HA set to US customary units shows 69.8 °F.
    server.setRoute(
      homeAssistant(
        TOKEN,
        { 'climate.living_room': climateState('climate.living_room', 69.8, 70, at) },
        haConfig('°F'),
      ),
    );
    expect((await readHomeAssistant(src('climate.living_room'), globalThis.fetch)).c).toBeCloseTo(21, 12);
    // An entity that names its own unit is read in that unit.
    const own = climateState('climate.own', 68, 70, at);
    server.setRoute(
      homeAssistant(TOKEN, { 'climate.own': { ...own, attributes: { ...own.attributes, temperature_unit: '°F' } } }),
    );
    expect((await readHomeAssistant(src('climate.own'), globalThis.fetch)).c).toBeCloseTo(20, 12);
  });

  it('names a thermostat without a room temperature, a rejected token and an unknown entity', async () => {
    server.setRoute(homeAssistant(TOKEN, { 'climate.off': climateState('climate.off', null, 21, at) }));
    expect((await sourceError(readHomeAssistant(src('climate.off'), globalThis.fetch))).message).toBe(
      'Home Assistant reports no current_temperature for climate.off (state "heat"): the thermostat has no room temperature right now',
    );
    expect((await sourceError(readHomeAssistant(src('climate.off', 'wrong'), globalThis.fetch))).message).toBe(
      'Home Assistant rejected the token (HTTP 401): create a new long-lived access token',
    );
    expect((await sourceError(readHomeAssistant(src('climate.nope'), globalThis.fetch))).message).toBe(
      'Home Assistant has no entity climate.nope: check the entity id',
    );
  });
});

describe('HTTP JSON source and Open-Meteo', () => {
  it('reads a number at a JSON path', async () => {
    server.setRoute(() => ({ body: '{"data":[{"t":"19.75"}]}' }));
    expect(
      await readHttpJson({ kind: 'http-json', url: `${server.origin}/x`, jsonPath: '$.data[0].t' }, globalThis.fetch),
    ).toBe(19.75);
    const err = await sourceError(
      readHttpJson({ kind: 'http-json', url: `${server.origin}/x`, jsonPath: 'temp' }, globalThis.fetch),
    );
    expect(err.message).toContain('has no number at "temp"');
    expect(parsePayload('21.5', undefined)).toBe(21.5);
    expect(parsePayload('{"temperature":20.1,"humidity":40}', 'temperature')).toBe(20.1);
    expect(parsePayload('warm', undefined)).toBeNull();
  });

  it('parses an Open-Meteo forecast and interpolates it', async () => {
    const t0 = Date.parse('2024-01-10T00:00:00Z') / 1000;
    server.setRoute((req) => {
      const q = new URL(req.url, server.origin).searchParams;
      if (q.get('latitude') === '91')
        return { status: 400, body: '{"error":true,"reason":"Latitude must be in range of -90 to 90°. Given: 91.0."}' };
      return {
        body: JSON.stringify({
          latitude: 50.84,
          longitude: 4.36,
          generationtime_ms: 0.05,
          utc_offset_seconds: 0,
          timezone: 'GMT',
          timezone_abbreviation: 'GMT',
          elevation: 58,
          hourly_units: { time: 'unixtime', temperature_2m: '°C' },
          hourly: { time: [t0, t0 + 3600, t0 + 7200], temperature_2m: [2.0, 3.0, null] },
        }),
      };
    });
    const points = await fetchOpenMeteo({ latitude: 50.85, longitude: 4.35 }, globalThis.fetch, server.origin);
    expect(points).toEqual([
      { at: t0 * 1000, c: 2 },
      { at: (t0 + 3600) * 1000, c: 3 },
    ]);
    expect(new URL(server.requests.at(-1)!.url, server.origin).searchParams.get('hourly')).toBe('temperature_2m');
    expect(interpolate(points, t0 * 1000 + 1_800_000)).toBe(2.5);
    expect(interpolate(points, t0 * 1000 + 10 * 3_600_000)).toBeNull();
    expect(
      (await sourceError(fetchOpenMeteo({ latitude: 91, longitude: 0 }, globalThis.fetch, server.origin))).message,
    ).toBe('Open-Meteo refused the request: Latitude must be in range of -90 to 90°. Given: 91.0.');
  });
});

describe('MQTT source against a real mosquitto broker', () => {
  let broker: Broker;
  let url = '';
  beforeAll(async () => {
    broker = await startMosquitto();
    url = broker.url;
  });
  afterAll(async () => {
    await broker.stop();
  });

  it('receives plain and JSON readings and reports a bad payload', async () => {
    const got: { c: number; at: number }[] = [];
    const errors: string[] = [];
    const plain = subscribeMqtt(
      { kind: 'mqtt', url, topic: 'home/living/temperature' },
      { reading: (c, at) => got.push({ c, at }), error: (e) => errors.push(e) },
      () => 42,
    );
    const json = subscribeMqtt(
      { kind: 'mqtt', url, topic: 'zigbee2mqtt/living', jsonPath: 'temperature' },
      { reading: (c, at) => got.push({ c, at }), error: (e) => errors.push(e) },
      () => 43,
    );
    await when('both subscribers connected', () => plain.client.connected && json.client.connected);
    const pub = connect(url);
    await new Promise<void>((resolve) => pub.on('connect', () => resolve()));
    // Subscriptions are acknowledged asynchronously: publish until the first reading arrives.
    await until(
      'the first reading',
      async () => {
        await pub.publishAsync('home/living/temperature', '20.5');
        return got.length;
      },
      (n) => n > 0,
    );
    await pub.publishAsync(
      'zigbee2mqtt/living',
      JSON.stringify({ battery: 90, humidity: 41, linkquality: 120, temperature: 19.8 }),
    );
    await when('the JSON reading', () => got.some((g) => g.c === 19.8));
    expect(got[0]).toEqual({ c: 20.5, at: 42 });
    expect(got.find((g) => g.c === 19.8)).toEqual({ c: 19.8, at: 43 });
    await pub.publishAsync('home/living/temperature', 'warm');
    await when('the bad payload reported', () => errors.length > 0);
    expect(errors[0]).toBe(
      'The message on home/living/temperature is not a number: warm; give a JSON path if it is JSON',
    );
    await pub.endAsync();
    await plain.stop();
    await json.stop();
  });
});
