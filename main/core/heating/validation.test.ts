import { connect } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HeatingSettings, IndoorSource } from '#contract/index';
import { systemClock, type Clock } from '#core/clock';
import { dispatch } from '#core/handler';
import { tariffModule } from '#core/tariff/module';
import { startMosquitto, type Broker } from '../../../test/fixtures/mosquitto.ts';
import { testCores } from '../../../test/support/core.ts';
import { homeAssistant, temperatureState } from '../../../test/support/home-assistant.ts';
import { serverForTests, type Recorded, type Reply } from '../../../test/support/http-server.ts';
import { storeRawSetting } from '../../../test/support/setting-row.ts';
import { refused } from '../../../test/support/refused.ts';
import { heatingModule } from './module.ts';
import { defaultHeatingSettings } from './setting.ts';

const TOKEN = 'ha-token-4321';
const clock: Clock = { ...systemClock, now: () => Date.parse('2024-01-10T11:00:00Z') };
const cores = testCores('hearth-heating-');
const office = homeAssistant(TOKEN, {
  'sensor.office': temperatureState('sensor.office', '19.5', '2024-01-10T10:59:00Z'),
});
let open: Broker;
let locked: Broker;

function route(req: Recorded): Reply {
  if (req.url.startsWith('/api/states/')) return office(req);
  if (req.url === '/room.json') return { body: '{"room":{"t":20.25}}' };
  return { status: 404, body: '{}' };
}

const http = serverForTests(route);
beforeAll(async () => {
  [open, locked] = await Promise.all([startMosquitto(), startMosquitto(['allow_anonymous false'])]);
});
afterAll(async () => {
  await Promise.all([open.stop(), locked.stop()]);
});

/** The tariff and heating modules on a new folder unless given one. */
const core = (dataDir?: string) =>
  cores.start({
    dataDir,
    clock,
    modules: [tariffModule({ cron: false }), heatingModule({ cron: false, pollMs: 3_600_000 })],
  });

const withIndoor = (indoor: IndoorSource): HeatingSettings => ({
  ...defaultHeatingSettings(),
  timeZone: 'Europe/Brussels',
  indoor,
});

/** Publishes a retained reading, so a new subscriber gets it at once. */
async function retain(url: string, topic: string, payload: string): Promise<void> {
  const pub = connect(url);
  await new Promise<void>((resolve) => pub.on('connect', () => resolve()));
  await pub.publishAsync(topic, payload, { retain: true, qos: 1 });
  await pub.endAsync();
}

describe('indoor temperature source: settings validated before they are stored', () => {
  it('refuses malformed MQTT, Home Assistant and HTTP settings naming the field, and keeps the saved source', async () => {
    const c = await core();
    const good: IndoorSource = { kind: 'mqtt', url: open.url, topic: 'home/office/temperature' };
    await c.handlers['heating-configure'](withIndoor(good));
    const cases: [IndoorSource, string][] = [
      [
        { kind: 'mqtt', url: 'http://127.0.0.1:1883', topic: 'home/t' },
        'indoor.url: enter a URL starting mqtt:// or mqtts:// or ws:// or wss://, such as mqtt://localhost:1883',
      ],
      [
        { kind: 'mqtt', url: 'mqtt//broker', topic: 'home/t' },
        'indoor.url: enter a URL starting mqtt:// or mqtts:// or ws:// or wss://, such as mqtt://localhost:1883',
      ],
      [
        { kind: 'mqtt', url: open.url, topic: '' },
        'indoor.topic: the topic is required, such as home/living/temperature',
      ],
      [
        { kind: 'mqtt', url: open.url, topic: 'home/+/temperature' },
        'indoor.topic: a single topic, without the wildcards + and #',
      ],
      [{ kind: 'mqtt', url: open.url, topic: 'home/t ' }, 'indoor.topic: no spaces at the start or end of the topic'],
      [
        { kind: 'mqtt', url: open.url, topic: 'home/t', jsonPath: 'a..b' },
        'indoor.jsonPath: enter a JSON path such as temperature, sensor.temp or $.data[0].t',
      ],
      [
        { kind: 'mqtt', url: open.url, topic: 'home/t', password: 'secret' },
        'indoor.username: a password needs a user name',
      ],
      [
        { kind: 'home-assistant', url: 'homeassistant.local:8123', token: 't', entityId: 'sensor.x' },
        'indoor.url: enter a URL starting http:// or https://, such as http://homeassistant.local:8123',
      ],
      [
        { kind: 'home-assistant', url: 'http://ha.local:8123', token: '', entityId: 'sensor.x' },
        'indoor.token: the long-lived access token is required',
      ],
      [
        { kind: 'home-assistant', url: 'http://ha.local:8123', token: 't', entityId: 'Living Room' },
        'indoor.entityId: enter an entity id such as sensor.living_room_temperature',
      ],
      [
        { kind: 'http-json', url: 'mqtt://127.0.0.1/x', jsonPath: 'temperature' },
        'indoor.url: enter a URL starting http:// or https://, such as http://sensor.local/temperature.json',
      ],
      [
        { kind: 'http-json', url: `${http.origin}/room.json`, jsonPath: '' },
        'indoor.jsonPath: enter a JSON path such as temperature, sensor.temp or $.data[0].t',
      ],
    ];
    for (const [indoor, message] of cases) {
      expect(await dispatch(c.handlers, 'heating-configure', withIndoor(indoor))).toEqual(refused(message));
      expect(await dispatch(c.handlers, 'heating-test-source', { indoor })).toEqual(refused(message));
    }
    expect((await c.handlers['heating-settings']({})).indoor).toEqual(good);
    await c.close();
  });

  it('does not save MQTT settings the broker refuses the login for; saves an unreachable one as a sensor error', async () => {
    const c = await core();
    const previous: IndoorSource = { kind: 'mqtt', url: open.url, topic: 'home/office/temperature' };
    await c.handlers['heating-configure'](withIndoor(previous));

    const login = await dispatch(
      c.handlers,
      'heating-configure',
      withIndoor({ kind: 'mqtt', url: locked.url, topic: 'home/t' }),
    );
    expect(login).toEqual({
      ok: false,
      error: {
        code: 'bad-request',
        message: `Not saved: The MQTT broker ${locked.url} refused the login (Connection refused: Not authorized): check the user name and password`,
        hint: 'The previous heating settings stay in use.',
        field: 'indoor.username',
      },
    });
    expect((await c.handlers['heating-settings']({})).indoor).toEqual(previous);

    // Nothing listens on this port: the broker may simply be down, so the settings are kept and
    // the sensor line says why there is no reading. Port 1, not a freed ephemeral port, which a
    // test running beside this one may take meanwhile.
    const down: IndoorSource = { kind: 'mqtt', url: 'mqtt://127.0.0.1:1', topic: 'home/t' };
    await c.handlers['heating-configure'](withIndoor(down));
    expect((await c.handlers['heating-settings']({})).indoor).toEqual(down);
    const sensor = (await c.handlers['heating-sensors']({})).indoor;
    expect(sensor.state).toBe('error');
    expect(sensor.reason).toContain(`Cannot reach the MQTT broker ${down.url} (ECONNREFUSED)`);
    await c.close();
  });

  it('Test reads each source once without saving it and names what is wrong', async () => {
    const c = await core();
    await retain(open.url, 'home/test/plain', '21.5');
    await retain(open.url, 'zigbee2mqtt/test', '{"temperature":19.75,"humidity":40}');
    const test = (indoor: IndoorSource, waitMs = 5_000) => c.handlers['heating-test-source']({ indoor, waitMs });

    expect(await test({ kind: 'mqtt', url: open.url, topic: 'home/test/plain' })).toEqual({
      ok: true,
      reading: { c: 21.5, at: clock.now() },
      message: 'home/test/plain reads 21.5 °C',
    });
    expect(
      (await test({ kind: 'mqtt', url: open.url, topic: 'zigbee2mqtt/test', jsonPath: 'temperature' })).reading?.c,
    ).toBe(19.75);
    expect(await test({ kind: 'mqtt', url: open.url, topic: 'zigbee2mqtt/test', jsonPath: 'temp' })).toEqual({
      ok: false,
      reading: null,
      message:
        'The message on zigbee2mqtt/test has no number at "temp": {"temperature":19.75,"humidity":40} (indoor.jsonPath)',
    });
    expect(await test({ kind: 'mqtt', url: open.url, topic: 'home/test/silent' }, 200)).toEqual({
      ok: true,
      reading: null,
      message:
        'Connected and subscribed to home/test/silent; no message within 0 s (a sensor may publish only every few minutes)',
    });
    expect((await test({ kind: 'mqtt', url: locked.url, topic: 'home/t' })).message).toContain('refused the login');

    expect(await test({ kind: 'home-assistant', url: http.origin, token: 'wrong', entityId: 'sensor.office' })).toEqual(
      {
        ok: false,
        reading: null,
        message: 'Home Assistant rejected the token (HTTP 401): create a new long-lived access token (indoor.token)',
      },
    );
    expect(
      (await test({ kind: 'home-assistant', url: http.origin, token: TOKEN, entityId: 'sensor.office' })).reading,
    ).toEqual({ c: 19.5, at: Date.parse('2024-01-10T10:59:00Z') });
    expect((await test({ kind: 'http-json', url: `${http.origin}/room.json`, jsonPath: 'room.t' })).message).toBe(
      `${http.origin}/room.json reads 20.3 °C`,
    );
    expect((await test({ kind: 'http-json', url: `${http.origin}/room.json`, jsonPath: 'room.x' })).message).toContain(
      'check the JSON path (indoor.jsonPath)',
    );

    // Testing saved nothing.
    expect((await c.handlers['heating-settings']({})).indoor).toEqual({ kind: 'manual' });
    await c.close();
  });

  it('Test with a masked password uses the stored one, and only for the same kind of source', async () => {
    const c = await core();
    const mqtt: IndoorSource = {
      kind: 'mqtt',
      url: open.url,
      topic: 'home/test/plain',
      username: 'hearth',
      password: 'pw-5678',
    };
    const shown = await c.handlers['heating-configure'](withIndoor(mqtt));
    expect(shown.indoor).toEqual({ ...mqtt, password: '••••5678' });
    expect((await c.handlers['heating-test-source']({ indoor: shown.indoor })).ok).toBe(true);
    expect(
      await dispatch(c.handlers, 'heating-test-source', {
        indoor: { kind: 'home-assistant', url: http.origin, token: '••••5678', entityId: 'sensor.office' },
      }),
    ).toEqual({
      ok: false,
      error: { code: 'bad-request', message: 'Enter the token', field: 'indoor.token' },
    });
    await c.close();
  });
});

describe('settings stored before the checks were tightened', () => {
  it('keep everything but an indoor source that no longer validates', async () => {
    const dataDir = cores.dir();
    const open = () => core(dataDir);
    let c = await open();
    const mine = {
      ...withIndoor({ kind: 'manual' }),
      mode: 'thermostat' as const,
      room: { heatLossWPerK: 55, capacityWhPerK: 900 },
    };
    await c.handlers['heating-configure'](mine);
    // What an older version could store: an MQTT source with an HTTP address.
    storeRawSetting(c.db, 'heating', {
      ...mine,
      indoor: { kind: 'mqtt', url: 'http://broker.local:1883', topic: 'home/t' },
    });
    await c.close();
    c = await open();
    expect(await c.handlers['heating-settings']({})).toEqual(mine);
    await c.close();
  });
});
