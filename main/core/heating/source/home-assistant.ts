import type { IndoorSource } from '#contract/heating';
import { getJson } from './http-get.ts';
import { implausible, SourceError } from './types.ts';

type HomeAssistant = Extract<IndoorSource, { kind: 'home-assistant' }>;

/**
 * One reading from Home Assistant's REST API: GET /api/states/<entity_id> with the long-lived
 * token answers `{ entity_id, state: "21.3", attributes: { unit_of_measurement: "°C" },
 * last_updated }`. °F is converted; "unavailable" and "unknown" states are errors.
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
