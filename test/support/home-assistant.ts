import type { Recorded, Reply } from './http-server.ts';

/**
 * Answers as Home Assistant's REST API does: GET /api/states/<entity_id>, the bearer token checked
 * first (a plain-text 401 without it), 404 for an entity it does not have.
 */
export function homeAssistant(token: string, states: Record<string, object>): (req: Recorded) => Reply {
  return (req) => {
    if (req.headers.authorization !== `Bearer ${token}`)
      return { status: 401, body: '401: Unauthorized', type: 'text/plain' };
    const m = /^\/api\/states\/(.+)$/.exec(req.url);
    const state = m ? states[decodeURIComponent(m[1]!)] : undefined;
    if (!state) return { status: 404, body: '{"message":"Entity not found."}' };
    return { body: JSON.stringify(state) };
  };
}

/** A temperature sensor's state in °C, as Home Assistant sends it. */
export const temperatureState = (entityId: string, state: string, lastUpdated: string) => ({
  entity_id: entityId,
  state,
  attributes: { unit_of_measurement: '°C' },
  last_updated: lastUpdated,
});
