import { localParts, offsetAt } from '#core/time';
import type { Recorded, Reply } from './http-server.ts';

/** HA's `GET /api/config` answer, cut to what a client reads: the unit system (metric by default). */
export const haConfig = (temperature: '°C' | '°F' = '°C') => ({
  location_name: 'Home',
  time_zone: 'Europe/Brussels',
  unit_system: { length: temperature === '°C' ? 'km' : 'mi', mass: 'g', temperature, volume: 'L' },
  version: '2025.10.0',
});

/**
 * Answers as Home Assistant's REST API does: the bearer token checked first (a plain-text 401
 * without it), then GET /api/config, and GET /api/states/<entity_id> with 404
 * `{"message":"Entity not found."}` for an entity it does not have. A state given as a string is
 * sent as it is (a broken proxy's answer).
 */
export function homeAssistant(
  token: string,
  states: Record<string, object | string>,
  config: object = haConfig(),
): (req: Recorded) => Reply {
  return (req) => {
    if (req.headers.authorization !== `Bearer ${token}`)
      return { status: 401, body: '401: Unauthorized', type: 'text/plain' };
    if (req.url === '/api/config') return { body: JSON.stringify(config) };
    const m = /^\/api\/states\/(.+)$/.exec(req.url);
    const state = m ? states[decodeURIComponent(m[1]!)] : undefined;
    if (!state) return { status: 404, body: '{"message":"Entity not found."}' };
    return { body: typeof state === 'string' ? state : JSON.stringify(state) };
  };
}

/** A temperature sensor's state in °C, as Home Assistant sends it. */
export const temperatureState = (entityId: string, state: string, lastUpdated: string) => ({
  entity_id: entityId,
  state,
  attributes: { unit_of_measurement: '°C' },
  last_changed: lastUpdated,
  last_updated: lastUpdated,
});

/**
 * A climate entity's state: the state is the HVAC mode, the room temperature is the
 * `current_temperature` attribute, in HA's unit system (climate entities carry no unit attribute).
 */
export const climateState = (entityId: string, current: number | null, target: number, lastUpdated: string) => ({
  entity_id: entityId,
  state: 'heat',
  attributes: {
    hvac_modes: ['off', 'heat'],
    min_temp: 7,
    max_temp: 35,
    target_temp_step: 0.5,
    current_temperature: current,
    temperature: target,
    hvac_action: 'idle',
    friendly_name: 'Living room',
    supported_features: 385,
  },
  last_changed: lastUpdated,
  last_updated: lastUpdated,
});

/** A price slot to publish: times in ms, the value in the sensor's unit. */
export type HaPrice = { start: number; end: number; value: number | null };

/** An instant as Python's `datetime.isoformat()` writes an aware local time: 2023-10-29T02:00:00+01:00. */
export function isoLocal(ms: number, timeZone: string): string {
  const p = localParts(ms, timeZone);
  const off = offsetAt(ms, timeZone) / 60_000;
  const pad = (n: number) => String(n).padStart(2, '0');
  const sign = off < 0 ? '-' : '+';
  const hh = pad(Math.floor(Math.abs(off) / 60));
  const mm = pad(Math.abs(off) % 60);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:00${sign}${hh}:${mm}`;
}

/**
 * The Nord Pool custom integration's sensor (custom-components/nordpool): the state is the current
 * price, `raw_today`/`raw_tomorrow` list `{ start, end, value }` in local time, `today`/`tomorrow`
 * the bare values, `tomorrow_valid`, and `unit_of_measurement` "<currency or its cents>/<unit>".
 */
export function nordPoolState(
  entityId: string,
  o: {
    today: HaPrice[];
    tomorrow: HaPrice[];
    timeZone: string;
    currency: string;
    unit?: 'kWh' | 'MWh' | 'Wh';
    cents?: boolean;
    lastUpdated: string;
  },
) {
  const unit = o.unit ?? 'kWh';
  const cents = { DKK: 'Øre', NOK: 'Øre', SEK: 'Öre', EUR: 'c' }[o.currency] ?? 'c';
  const raw = (list: HaPrice[]) =>
    list.map((p) => ({ start: isoLocal(p.start, o.timeZone), end: isoLocal(p.end, o.timeZone), value: p.value }));
  const values = o.today.flatMap((p) => (p.value === null ? [] : [p.value]));
  return {
    entity_id: entityId,
    state: String(values[0] ?? 'unknown'),
    attributes: {
      average: values.reduce((a, b) => a + b, 0) / Math.max(1, values.length),
      min: Math.min(...values),
      max: Math.max(...values),
      unit,
      currency: o.currency,
      country: 'Belgium',
      region: 'BE',
      low_price: false,
      price_percent_to_average: 1,
      today: o.today.map((p) => p.value),
      tomorrow: o.tomorrow.map((p) => p.value),
      tomorrow_valid: o.tomorrow.length >= 23,
      raw_today: raw(o.today),
      raw_tomorrow: raw(o.tomorrow),
      current_price: values[0] ?? null,
      additional_costs_current_hour: 0,
      price_in_cents: o.cents === true,
      unit_of_measurement: `${o.cents ? cents : o.currency}/${unit}`,
      device_class: 'monetary',
      icon: 'mdi:flash',
      friendly_name: entityId,
    },
    last_changed: o.lastUpdated,
    last_updated: o.lastUpdated,
  };
}

/**
 * A Tibber price sensor with the day's prices as attributes, as the tibber_future_prices custom
 * integration publishes them on top of the core Tibber integration: `today`/`tomorrow` lists of
 * `{ startsAt, total }` (local ISO time, the price per kWh rounded to 2 decimals) and the
 * currency alone as the unit.
 */
export function tibberPriceState(
  entityId: string,
  o: { today: HaPrice[]; tomorrow: HaPrice[]; timeZone: string; currency: string; lastUpdated: string },
) {
  const list = (l: HaPrice[]) =>
    l.map((p) => ({ startsAt: isoLocal(p.start, o.timeZone), total: Math.round((p.value ?? 0) * 100) / 100 }));
  return {
    entity_id: entityId,
    state: String(o.today[0]?.value ?? 'unknown'),
    attributes: {
      today: list(o.today),
      tomorrow: list(o.tomorrow),
      unit_of_measurement: o.currency,
      icon: 'mdi:chart-line',
      friendly_name: 'Future Prices Home',
    },
    last_changed: o.lastUpdated,
    last_updated: o.lastUpdated,
  };
}
