import type { IndoorSource } from '#contract/heating';
import { getJson } from './http-get.ts';
import { implausible, SourceError } from './types.ts';

type HomeAssistant = Extract<IndoorSource, { kind: 'home-assistant' }>;

/**
 * One reading from Home Assistant's REST API: GET /api/states/<entity_id> with the long-lived
 * token answers `{ entity_id, state: "21.3", attributes: { unit_of_measurement: "°C" },
 * last_updated }`. °F is converted; "unavailable" and "unknown" states are errors.
 *
 * A `climate.*` entity's state is its HVAC mode ("heat"); the room temperature is its
 * `current_temperature` attribute, which HA shows in its own unit system (climate entities carry
 * no unit attribute), so that unit is read from GET /api/config (`unit_system.temperature`),
 * unless the entity itself names a `temperature_unit`.
 */
export async function readHomeAssistant(
  src: HomeAssistant,
  fetchFn: typeof globalThis.fetch,
): Promise<{ c: number; at: number }> {
  const url = `${src.url.replace(/\/$/, '')}/api/states/${encodeURIComponent(src.entityId)}`;
  let body: unknown;
  try {
    body = await getJson(fetchFn, url, { authorization: `Bearer ${src.token}` }, 'Home Assistant');
  } catch (err) {
    if (err instanceof SourceError && /HTTP 404/.test(err.message))
      throw new SourceError(`Home Assistant has no entity ${src.entityId}: check the entity id`, { field: 'entityId' });
    throw err;
  }
  const rec = body as { state?: unknown; attributes?: { unit_of_measurement?: unknown }; last_updated?: unknown };
  if (src.entityId.startsWith('climate.')) return readClimate(src, fetchFn, body);
  const state = typeof rec.state === 'string' ? rec.state : String(rec.state);
  const value = Number(state);
  if (state.trim() === '' || !Number.isFinite(value))
    throw new SourceError(
      `Home Assistant reports ${src.entityId} as "${state}": the sensor has no temperature right now`,
      { field: 'entityId' },
    );
  const unit = String(rec.attributes?.unit_of_measurement ?? '°C');
  const c = /F$/.test(unit) ? ((value - 32) * 5) / 9 : value;
  if (implausible(c))
    throw new SourceError(
      `Home Assistant reports ${state} ${unit} for ${src.entityId}: not a room temperature, check the entity id`,
      { field: 'entityId' },
    );
  const at = typeof rec.last_updated === 'string' ? Date.parse(rec.last_updated) : NaN;
  return { c, at: Number.isFinite(at) ? at : Date.now() };
}

/** The room temperature of a climate entity: `current_temperature`, in HA's unit system. */
async function readClimate(
  src: HomeAssistant,
  fetchFn: typeof globalThis.fetch,
  body: unknown,
): Promise<{ c: number; at: number }> {
  const rec = body as {
    state?: unknown;
    attributes?: { current_temperature?: unknown; temperature_unit?: unknown };
    last_updated?: unknown;
  };
  const current = rec.attributes?.current_temperature;
  if (typeof current !== 'number' || !Number.isFinite(current))
    throw new SourceError(
      `Home Assistant reports no current_temperature for ${src.entityId} (state "${String(rec.state)}"): the thermostat has no room temperature right now`,
      { field: 'entityId' },
    );
  let unit = typeof rec.attributes?.temperature_unit === 'string' ? rec.attributes.temperature_unit : null;
  if (unit === null) {
    const config = (await getJson(
      fetchFn,
      `${src.url.replace(/\/$/, '')}/api/config`,
      { authorization: `Bearer ${src.token}` },
      'Home Assistant',
    )) as { unit_system?: { temperature?: unknown } } | null;
    const t = config?.unit_system?.temperature;
    if (typeof t !== 'string')
      throw new SourceError(
        `Home Assistant's /api/config names no unit_system.temperature, so ${src.entityId}'s temperature cannot be read`,
        { field: 'url' },
      );
    unit = t;
  }
  if (!/^°?[CF]$/.test(unit))
    throw new SourceError(`Home Assistant gives temperatures in "${unit}": Hearth understands °C and °F`, {
      field: 'entityId',
    });
  const c = /F$/.test(unit) ? ((current - 32) * 5) / 9 : current;
  if (implausible(c))
    throw new SourceError(
      `Home Assistant reports ${current} ${unit} for ${src.entityId}: not a room temperature, check the entity id`,
      { field: 'entityId' },
    );
  const at = typeof rec.last_updated === 'string' ? Date.parse(rec.last_updated) : NaN;
  return { c, at: Number.isFinite(at) ? at : Date.now() };
}
