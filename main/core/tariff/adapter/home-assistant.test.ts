import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HandlerError, type TariffSettings } from '#contract/index';
import { systemClock, type Clock } from '#core/clock';
import { localDay } from '#core/time';
import { PRICES_DIR, TARIFF_DIR } from '../../../../test/fixtures/data.ts';
import { testCores } from '../../../../test/support/core.ts';
import {
  homeAssistant,
  nordPoolState,
  tibberPriceState,
  type HaPrice,
} from '../../../../test/support/home-assistant.ts';
import { serverForTests } from '../../../../test/support/http-server.ts';
import { rejectionOf } from '../../../../test/support/rejection.ts';
import { tariffModule } from '../module.ts';
import { homeAssistantAdapter, parseHomeAssistant } from './home-assistant.ts';
import { ProviderError, type ProviderIo, type SpotSlot } from './types.ts';

const TOKEN = 'ha-long-lived-token-4321';
const HOUR = 3_600_000;
const UPDATED = '2023-10-29T12:00:00+00:00';

/** The real Belgian day-ahead prices (EUR/kWh) by UTC hour start. */
const belgian = new Map(
  fs
    .readFileSync(path.join(PRICES_DIR, 'be-day-ahead-2023.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [t, p] = line.split(',');
      return [Date.parse(t!), Number(p)] as const;
    }),
);

/** The day containing `isoDate` noon in `tz`, hour by hour, at `scale` × EUR/kWh. */
function hourly(isoDate: string, tz: string, scale = 1): HaPrice[] {
  const d = localDay(Date.parse(`${isoDate}T12:00:00Z`), tz);
  const out: HaPrice[] = [];
  for (let t = d.start; t < d.end; t += HOUR) out.push({ start: t, end: t + HOUR, value: belgian.get(t)! * scale });
  return out;
}

/** Energi Data Service's DK1 quarter hours of 2025-10-26 (100 of them), per MWh, in `currency`. */
function quarterHours(currency: 'EUR' | 'DKK', scale: number): HaPrice[] {
  const body = JSON.parse(
    fs.readFileSync(path.join(TARIFF_DIR, 'energi-data-service-dk1-2025-10-26.json'), 'utf8'),
  ) as { records: Record<string, number | string>[] };
  return body.records.map((r) => {
    const start = Date.parse(`${String(r['TimeUTC'])}Z`);
    return { start, end: start + 900_000, value: Number(r[`DayAheadPrice${currency}`]) * scale };
  });
}

const server = serverForTests(() => ({ body: '' }));
const io: ProviderIo = { fetch: globalThis.fetch };
const config = (entityId: string, extra: { attribute?: string; token?: string } = {}) => ({
  kind: 'home-assistant' as const,
  url: server.origin,
  entityId,
  token: extra.token ?? TOKEN,
  ...(extra.attribute ? { attribute: extra.attribute } : {}),
});
const failure = (p: Promise<unknown>) => rejectionOf(p, ProviderError);

/** Contiguous, in order, all of one length. */
function expectTiled(slots: SpotSlot[], minutes: number) {
  slots.forEach((s, i) => {
    expect(s.end - s.start).toBe(minutes * 60_000);
    if (i > 0) expect(s.start).toBe(slots[i - 1]!.end);
  });
}

async function read(entityId: string, state: object | string, extra: { attribute?: string } = {}) {
  server.setRoute(homeAssistant(TOKEN, { [entityId]: state }));
  return homeAssistantAdapter.fetch(config(entityId, extra), -Infinity, Infinity, io);
}

describe('Home Assistant price sensor: Nord Pool (custom-components/nordpool)', () => {
  it('reads raw_today and raw_tomorrow across the autumn clock change: 25 + 24 hourly slots in EUR/kWh', async () => {
    const today = hourly('2023-10-29', 'Europe/Brussels');
    const tomorrow = hourly('2023-10-30', 'Europe/Brussels');
    expect(today).toHaveLength(25);
    const state = nordPoolState('sensor.nordpool_kwh_be_eur_3_10_021', {
      today,
      tomorrow,
      timeZone: 'Europe/Brussels',
      currency: 'EUR',
      lastUpdated: UPDATED,
    });
    // The two 02:00 hours of that night, as HA writes them.
    expect(state.attributes.raw_today.slice(2, 4).map((r) => r.start)).toEqual([
      '2023-10-29T02:00:00+02:00',
      '2023-10-29T02:00:00+01:00',
    ]);
    const slots = await read('sensor.nordpool_kwh_be_eur_3_10_021', state);
    const req = server.requests.at(-1)!;
    expect(req.url).toBe('/api/states/sensor.nordpool_kwh_be_eur_3_10_021');
    expect(req.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(slots).toHaveLength(49);
    expectTiled(slots, 60);
    expect(slots.map((s) => s.spot)).toEqual([...today, ...tomorrow].map((p) => p.value));
    expect(slots.every((s) => s.currency === 'EUR')).toBe(true);
    expect(slots[0]!.start).toBe(Date.parse('2023-10-28T22:00:00Z'));
  });

  it('reads a spring clock-change day (23 hours) published in cents (price_in_cents: c/kWh)', async () => {
    const today = hourly('2023-03-26', 'Europe/Brussels', 100);
    const state = nordPoolState('sensor.np', {
      today,
      tomorrow: [],
      timeZone: 'Europe/Brussels',
      currency: 'EUR',
      cents: true,
      lastUpdated: UPDATED,
    });
    expect(state.attributes.unit_of_measurement).toBe('c/kWh');
    const slots = await read('sensor.np', state);
    expect(slots).toHaveLength(23);
    expectTiled(slots, 60);
    slots.forEach((s, i) => expect(s.spot).toBeCloseTo(belgian.get(today[i]!.start)!, 12));
  });

  it('reads a quarter-hourly autumn clock-change day (100 × 15 min) in EUR/MWh and in Øre/kWh (DKK)', async () => {
    const eur = quarterHours('EUR', 1);
    const perMwh = await read(
      'sensor.np_dk1',
      nordPoolState('sensor.np_dk1', {
        today: eur,
        tomorrow: [],
        timeZone: 'Europe/Copenhagen',
        currency: 'EUR',
        unit: 'MWh',
        lastUpdated: UPDATED,
      }),
    );
    expect(perMwh).toHaveLength(100);
    expectTiled(perMwh, 15);
    perMwh.forEach((s, i) => expect(s.spot).toBeCloseTo(eur[i]!.value! / 1000, 12));
    const dkk = quarterHours('DKK', 0.1); // DKK/MWh ÷ 10 = øre/kWh
    const ore = await read(
      'sensor.np_dk1',
      nordPoolState('sensor.np_dk1', {
        today: dkk,
        tomorrow: [],
        timeZone: 'Europe/Copenhagen',
        currency: 'DKK',
        cents: true,
        lastUpdated: UPDATED,
      }),
    );
    expect(ore).toHaveLength(100);
    expect(ore.every((s) => s.currency === 'DKK')).toBe(true);
    ore.forEach((s, i) => expect(s.spot).toBeCloseTo(dkk[i]!.value! / 100, 12));
  });

  it('reads a quarter-hourly spring clock-change day: 92 × 15 min (each hour of 2023-03-26 in its four quarters)', async () => {
    const quarters = hourly('2023-03-26', 'Europe/Brussels').flatMap((h) =>
      [0, 1, 2, 3].map((q) => ({ start: h.start + q * 900_000, end: h.start + (q + 1) * 900_000, value: h.value })),
    );
    const slots = await read(
      'sensor.np',
      nordPoolState('sensor.np', {
        today: quarters,
        tomorrow: [],
        timeZone: 'Europe/Brussels',
        currency: 'EUR',
        lastUpdated: UPDATED,
      }),
    );
    expect(slots).toHaveLength(92);
    expectTiled(slots, 15);
    expect(slots.map((s) => s.spot)).toEqual(quarters.map((q) => q.value));
  });

  it('reads only today before tomorrow is published (tomorrow_valid false), and leaves a null hour as a gap', async () => {
    const today = hourly('2023-10-30', 'Europe/Brussels');
    today[5] = { ...today[5]!, value: null };
    const state = nordPoolState('sensor.np', {
      today,
      tomorrow: hourly('2023-10-31', 'Europe/Brussels').slice(0, 3),
      timeZone: 'Europe/Brussels',
      currency: 'EUR',
      lastUpdated: UPDATED,
    });
    expect(state.attributes.tomorrow_valid).toBe(false);
    const slots = await read('sensor.np', state);
    expect(slots).toHaveLength(23);
    expect(slots.some((s) => s.start === today[5]!.start)).toBe(false);
    expect(slots.at(-1)!.end).toBe(today.at(-1)!.end);
  });
});

describe('Home Assistant price sensor: Tibber-style today/tomorrow', () => {
  it('reads { startsAt, total } lists in a bare currency unit as per kWh, slots ending where the next begins', async () => {
    const today = hourly('2023-10-29', 'Europe/Amsterdam');
    const tomorrow = hourly('2023-10-30', 'Europe/Amsterdam');
    const state = tibberPriceState('sensor.future_prices_home', {
      today,
      tomorrow,
      timeZone: 'Europe/Amsterdam',
      currency: 'EUR',
      lastUpdated: UPDATED,
    });
    const slots = await read('sensor.future_prices_home', state);
    expect(slots).toHaveLength(49);
    expectTiled(slots, 60);
    expect(slots[0]!.start).toBe(today[0]!.start);
    expect(slots.every((s) => s.currency === 'EUR')).toBe(true);
    // As published: rounded to the cent.
    slots.forEach((s, i) => expect(Math.abs(s.spot - [...today, ...tomorrow][i]!.value!)).toBeLessThanOrEqual(0.005));
    const sent = JSON.parse(JSON.stringify(state)) as typeof state; // as it went over the wire
    expect(slots.map((s) => s.spot)).toEqual(
      [...sent.attributes.today, ...sent.attributes.tomorrow].map((r) => r.total),
    );
  });

  it('reads a list the user names (a template sensor holding tibber.get_prices rows: start_time, price)', async () => {
    const day = hourly('2023-10-29', 'Europe/Oslo');
    const state = {
      entity_id: 'sensor.tibber_prices',
      state: '0.09',
      attributes: {
        unit_of_measurement: 'NOK/kWh',
        prices: day.map((p) => ({ start_time: new Date(p.start).toISOString().replace('T', ' '), price: p.value })),
      },
      last_changed: UPDATED,
      last_updated: UPDATED,
    };
    const slots = await read('sensor.tibber_prices', state, { attribute: 'prices' });
    expect(slots).toHaveLength(25);
    expect(slots.map((s) => s.spot)).toEqual(day.map((p) => p.value));
    expect(slots[0]!.currency).toBe('NOK');
  });
});

describe('Home Assistant price sensor: units', () => {
  const row = { start: '2025-10-01T00:00:00+02:00', end: '2025-10-01T01:00:00+02:00', value: 25 };
  const with_ = (attrs: Record<string, unknown>) =>
    parseHomeAssistant(
      { entity_id: 'sensor.p', state: '25', attributes: { raw_today: [row], ...attrs } },
      { entityId: 'sensor.p' },
    )[0]!;
  it.each([
    ['EUR/kWh', {}, 25, 'EUR'],
    ['EUR/MWh', {}, 0.025, 'EUR'],
    ['€/kWh', {}, 25, 'EUR'],
    ['c/kWh', { currency: 'EUR' }, 0.25, 'EUR'],
    ['ct/kWh', {}, 0.25, 'EUR'],
    ['snt/kWh', {}, 0.25, 'EUR'],
    ['Öre/kWh', { currency: 'SEK' }, 0.25, 'SEK'],
    ['öre/kWh', { currency: 'SEK' }, 0.25, 'SEK'],
    ['Øre/kWh', { currency: 'NOK' }, 0.25, 'NOK'],
    ['kr/kWh', { currency: 'DKK' }, 25, 'DKK'],
    ['SEK/Wh', {}, 25_000, 'SEK'],
    ['p/kWh', {}, 0.25, 'GBP'],
  ])('%s (%j) is %f %s per kWh', (unit, extra, spot, currency) => {
    const s = with_({ unit_of_measurement: unit, ...extra });
    expect(s.spot).toBeCloseTo(spot, 12);
    expect(s.currency).toBe(currency);
  });

  it("builds the unit from Nord Pool's currency, unit and price_in_cents when unit_of_measurement is absent", () => {
    expect(with_({ currency: 'EUR', unit: 'MWh', price_in_cents: false }).spot).toBeCloseTo(0.025, 12);
    expect(with_({ currency: 'EUR', unit: 'kWh', price_in_cents: true }).spot).toBeCloseTo(0.25, 12);
  });

  it.each([
    ['°C', {}, 'gives its prices in "°C"'],
    ['EUR', {}, 'gives its prices in "EUR"'],
    ['EUR/m³', {}, 'gives its prices in "EUR/m³"'],
    ['öre/kWh', {}, '"öre" is a hundredth of SEK, NOK, DKK, and the sensor has no currency attribute'],
    ['kr/kWh', {}, '"kr" is SEK, NOK or DKK'],
  ])('refuses %s with a clear message', (unit, extra, words) => {
    const err = (() => {
      try {
        with_({ unit_of_measurement: unit, ...extra });
      } catch (e) {
        return e as ProviderError;
      }
      throw new Error('expected a refusal');
    })();
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.message).toContain(words);
    expect(err.message).toContain('Hearth understands a price per kWh, MWh or Wh');
  });
});

describe('Home Assistant price sensor: failures', () => {
  it('names a wrong token, an unknown entity, garbage, a sensor without a price list and a missing attribute', async () => {
    server.setRoute(homeAssistant(TOKEN, {}));
    const wrongToken = await failure(
      homeAssistantAdapter.fetch(config('sensor.np', { token: 'wrong' }), 0, Infinity, io),
    );
    expect(wrongToken.auth).toBe(true);
    expect(wrongToken.message).toBe(
      'Home Assistant rejected the token (HTTP 401): create a long-lived access token on your Home Assistant profile page and enter it again',
    );
    expect((await failure(homeAssistantAdapter.fetch(config('sensor.nope'), 0, Infinity, io))).message).toBe(
      'Home Assistant has no entity sensor.nope: check the entity id',
    );
    expect((await failure(read('sensor.np', '<html>502 Bad Gateway</html>'))).message).toBe(
      'Home Assistant sent something that is not JSON: <html>502 Bad Gateway</html>',
    );
    expect((await failure(read('sensor.np', '{"entity_id": "sensor.np", "state": 1}'))).message).toBe(
      'Home Assistant sent something that is not an entity state for sensor.np',
    );
    // The core Tibber integration's price sensor: the current price and the day's statistics only.
    const core = {
      entity_id: 'sensor.electricity_price_home',
      state: '0.3641',
      attributes: {
        app_nickname: 'Home',
        grid_company: 'Ellevio AB',
        estimated_annual_consumption: 4500,
        price_level: 'NORMAL',
        max_price: 0.51,
        avg_price: 0.36,
        min_price: 0.21,
        off_peak_1: 0.3,
        peak: 0.4,
        off_peak_2: 0.35,
        intraday_price_ranking: 12,
        unit_of_measurement: 'SEK/kWh',
      },
      last_changed: UPDATED,
      last_updated: UPDATED,
    };
    expect((await failure(read('sensor.electricity_price_home', core))).message).toContain(
      'Home Assistant: sensor.electricity_price_home has no list of prices in its attributes',
    );
    // Nord Pool before it has any prices: the lists are there, empty.
    const empty = nordPoolState('sensor.np', {
      today: [],
      tomorrow: [],
      timeZone: 'Europe/Brussels',
      currency: 'EUR',
      lastUpdated: UPDATED,
    });
    expect(await read('sensor.np', empty)).toEqual([]);
    // The core Nord Pool integration's current price sensor: one slot's start and end, no list.
    const coreNordPool = {
      entity_id: 'sensor.nord_pool_se3_current_price',
      state: '0.10465',
      attributes: {
        start: '2025-10-26T13:00:00+00:00',
        end: '2025-10-26T13:15:00+00:00',
        state_class: 'measurement',
        unit_of_measurement: 'SEK/kWh',
        device_class: 'monetary',
        friendly_name: 'Nord Pool SE3 Current price',
      },
      last_changed: UPDATED,
      last_updated: UPDATED,
    };
    expect((await failure(read('sensor.nord_pool_se3_current_price', coreNordPool))).message).toContain(
      'Home Assistant: sensor.nord_pool_se3_current_price has no list of prices in its attributes',
    );
    expect((await failure(read('sensor.electricity_price_home', core, { attribute: 'forecast' }))).message).toMatch(
      /^Home Assistant: sensor.electricity_price_home has no attribute "forecast"; it has app_nickname, /,
    );
    const noOffset = {
      ...core,
      attributes: { unit_of_measurement: 'SEK/kWh', prices: [{ start_time: '2023-10-29 00:00:00', price: 0.3 }] },
    };
    expect((await failure(read('sensor.electricity_price_home', noOffset))).message).toBe(
      `Home Assistant: sensor.electricity_price_home's prices[0]: its start is "2023-10-29 00:00:00", not a date and time with a UTC offset such as 2025-10-26T00:00:00+02:00`,
    );
  });
});

describe('Home Assistant tariff in the tariff module', () => {
  let now = 0;
  const clock: Clock = { ...systemClock, now: () => now };
  const cores = testCores('hearth-ha-tariff-');
  const rejection = (p: Promise<unknown>) => rejectionOf(p, HandlerError);

  it('saves the sensor with its token sealed; a wrong token, an unknown entity, garbage or a bad unit change nothing stored', async () => {
    const tz = 'Europe/Brussels';
    const today = hourly('2023-10-29', tz);
    const tomorrow = hourly('2023-10-30', tz);
    now = Date.parse('2023-10-29T13:00:00Z');
    const good = nordPoolState('sensor.np', { today, tomorrow, timeZone: tz, currency: 'EUR', lastUpdated: UPDATED });
    const states: Record<string, object | string> = { 'sensor.np': good, 'sensor.garbage': '{"entity_id":' };
    server.setRoute(homeAssistant(TOKEN, states));
    const c = await cores.start({ clock, modules: [tariffModule({ io, cron: false })] });
    const h = c.handlers;
    const charges = { perKWh: 0.1, tax: 0.21 };
    const settings: TariffSettings = { tariff: config('sensor.np'), charges, timeZone: tz };
    const st = await h['tariff-configure'](settings);
    expect(st.state).toBe('ok');
    const range = { from: today[0]!.start, to: tomorrow.at(-1)!.end };
    const slots = await h['tariff-slots'](range);
    expect(slots).toHaveLength(49);
    expect(slots[3]!.price).toBeCloseTo((today[3]!.value! + 0.1) * 1.21, 12);
    const shown = await h['tariff-settings']({});
    expect(shown.tariff).toEqual({ ...config('sensor.np'), token: '••••4321' });
    const stored = c.db.prepare("SELECT value FROM setting WHERE key = 'tariff'").get() as { value: string };
    expect(stored.value).not.toContain(TOKEN);

    const tries: [TariffSettings['tariff'], string][] = [
      [
        config('sensor.np', { token: 'wrong' }),
        'Not saved: Home Assistant rejected the token (HTTP 401): create a long-lived access token on your Home Assistant profile page and enter it again',
      ],
      [config('sensor.other'), 'Not saved: Home Assistant has no entity sensor.other: check the entity id'],
      [config('sensor.garbage'), 'Not saved: Home Assistant sent something that is not JSON: {"entity_id":'],
    ];
    states['sensor.kelvin'] = { ...good, attributes: { ...good.attributes, unit_of_measurement: 'K' } };
    tries.push([config('sensor.kelvin'), 'Not saved: Home Assistant: sensor.kelvin gives its prices in "K".']);
    for (const [tariff, message] of tries) {
      const err = await rejection(h['tariff-configure']({ tariff, charges: { perKWh: 0, tax: 0 }, timeZone: tz }));
      expect(err.message.startsWith(message)).toBe(true);
      expect(err.hint).toBe('The previous tariff stays in use.');
      expect(await h['tariff-settings']({})).toEqual(shown);
      expect(await h['tariff-slots'](range)).toEqual(slots);
      expect((c.db.prepare("SELECT value FROM setting WHERE key = 'tariff'").get() as { value: string }).value).toBe(
        stored.value,
      );
    }
    // The masked token stands for the stored one at the same Home Assistant, never at another host.
    await h['tariff-configure']({ ...shown, charges });
    expect(server.requests.at(-1)!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    const moved = await rejection(
      h['tariff-configure']({
        ...shown,
        tariff: { ...config('sensor.np'), url: 'http://127.0.0.1:9', token: '••••4321' },
      }),
    );
    expect([moved.code, moved.message, moved.field]).toEqual(['bad-request', 'Enter the token', 'tariff.token']);
    expect(await h['tariff-settings']({})).toEqual(shown);
    // tariff-test says the same without saving.
    const tested = await h['tariff-test']({ ...settings, tariff: config('sensor.other') });
    expect(tested).toMatchObject({
      ok: false,
      message: 'Home Assistant has no entity sensor.other: check the entity id',
    });
    await c.close();
  });
});
