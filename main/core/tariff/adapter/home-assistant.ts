import { isRecord, requestJson } from './http.ts';
import { ProviderError, type ConfigOf, type DynamicAdapter, type ProviderIo, type SpotSlot } from './types.ts';

const LABEL = 'Home Assistant';

// Errors the settings are to blame for (the token, the entity, its attribute or unit) carry
// `auth`, as a refused token does: `tariff-configure` answers them as a bad request.

type Config = ConfigOf<'home-assistant'>;

/**
 * A Home Assistant price sensor read over HA's REST API: `GET /api/states/<entity_id>` with a
 * long-lived access token answers `{ entity_id, state, attributes, last_changed, last_updated }`.
 * The prices are in the attributes, in one of the shapes the integrations publish:
 *
 * - Nord Pool (custom-components/nordpool): `raw_today` and `raw_tomorrow`, lists of
 *   `{ start, end, value }` with ISO times carrying their UTC offset, `tomorrow_valid`, and
 *   `unit_of_measurement` such as `EUR/kWh`, `c/kWh` (`price_in_cents`) or `Öre/kWh`, with the
 *   base currency in `currency`. Its `today`/`tomorrow` lists of bare numbers are not used.
 * - Tibber-style `today` and `tomorrow`: lists of `{ startsAt, total }` (the shape of Tibber's
 *   `priceInfo`), per kWh; slots end where the next begins.
 * - Any list the user names in `attribute`, of `{ start | startsAt | start_time, end?, value |
 *   price | total }`, in the unit of the sensor's state.
 *
 * The core Nord Pool and Tibber integrations' price sensors carry no such lists (their prices
 * for other hours come from actions), so they are refused with that reason.
 */
export const homeAssistantAdapter: DynamicAdapter<Config> = {
  type: 'dynamic',
  label: LABEL,
  sourceKey: (c) => `home-assistant:${c.entityId}${c.attribute ? `:${c.attribute}` : ''}`,
  // Nord Pool's day-ahead prices are out about 13:00 CET; the integrations pick them up after.
  publishes: { hour: 13, minute: 30, timeZone: 'Europe/Oslo' },
  async fetch(config, from, to, io) {
    const state = await readState(config, io);
    return parseHomeAssistant(state, config).filter((s) => s.end > from && s.start < to);
  },
};

async function readState(config: Config, io: ProviderIo): Promise<unknown> {
  const url = `${config.url.replace(/\/$/, '')}/api/states/${encodeURIComponent(config.entityId)}`;
  try {
    return await requestJson(io, url, { headers: { authorization: `Bearer ${config.token}` } }, LABEL);
  } catch (err) {
    if (!(err instanceof ProviderError)) throw err;
    if (err.auth)
      throw new ProviderError(
        `${LABEL} rejected the token (HTTP 401): create a long-lived access token on your Home Assistant profile page and enter it again`,
        { auth: true },
      );
    // HA answers 404 {"message":"Entity not found."} for an entity it does not have.
    if (/HTTP 404/.test(err.message))
      throw new ProviderError(`${LABEL} has no entity ${config.entityId}: check the entity id`, { auth: true });
    throw err;
  }
}

const START_KEYS = ['start', 'startsAt', 'start_time', 'time', 'from'];
const END_KEYS = ['end', 'endsAt', 'end_time', 'to'];
const VALUE_KEYS = ['value', 'total', 'price'];

/** Today's and tomorrow's slots from an entity's state, per kWh in the sensor's currency. */
export function parseHomeAssistant(body: unknown, config: Pick<Config, 'entityId' | 'attribute'>): SpotSlot[] {
  const id = config.entityId;
  if (!isRecord(body) || typeof body['entity_id'] !== 'string' || !isRecord(body['attributes']))
    throw new ProviderError(`${LABEL} sent something that is not an entity state for ${id}`);
  const attrs = body['attributes'];
  const state = String(body['state']);
  const lists = priceLists(attrs, config, state);
  const rows: Record<string, unknown>[] = [];
  for (const [name, list] of lists) {
    list.forEach((row, i) => {
      if (!isRecord(row)) throw new ProviderError(`${LABEL}: ${id}'s ${name}[${i}] is not a price entry`);
      rows.push({ ...row, __at: `${name}[${i}]` });
    });
  }
  const tibberShaped = rows.length > 0 && rows.every((r) => 'total' in r && 'startsAt' in r);
  const unit = unitOf(attrs, id, tibberShaped);
  const byStart = new Map<number, { start: number; end: number | null; spot: number }>();
  for (const row of rows) {
    const at = String(row['__at']);
    const start = time(pick(row, START_KEYS), `${at}: its start`, id);
    const rawEnd = pick(row, END_KEYS);
    const end = rawEnd === undefined ? null : time(rawEnd, `${at}: its end`, id);
    const value = pick(row, VALUE_KEYS);
    // Nord Pool writes null for an hour the exchange sent no price for: a gap, never a guess.
    if (value === null) continue;
    if (typeof value !== 'number' || !Number.isFinite(value))
      throw new ProviderError(`${LABEL}: ${id}'s ${at} has no number for its price (${JSON.stringify(value)})`);
    byStart.set(start, { start, end, spot: value * unit.factor });
  }
  const sorted = [...byStart.values()].sort((a, b) => a.start - b.start);
  const steps = sorted.slice(1).map((p, i) => p.start - (sorted[i]?.start ?? 0));
  const step = steps.length > 0 ? Math.min(...steps) : 3_600_000;
  return sorted.map((p, i) => ({
    start: p.start,
    end: p.end ?? Math.min(sorted[i + 1]?.start ?? Infinity, p.start + step),
    spot: p.spot,
    currency: unit.currency,
  }));
}

function pick(row: Record<string, unknown>, keys: string[]): unknown {
  for (const k of keys) if (k in row) return row[k];
  return undefined;
}

/** The lists to read, by name; tomorrow's only where the sensor does not say it is not valid yet. */
function priceLists(
  attrs: Record<string, unknown>,
  config: Pick<Config, 'entityId' | 'attribute'>,
  state: string,
): [string, unknown[]][] {
  const id = config.entityId;
  const isList = (v: unknown): v is unknown[] => Array.isArray(v);
  const ofEntries = (v: unknown): v is unknown[] => isList(v) && v.length > 0 && v.every(isRecord);
  const tomorrowValid = attrs['tomorrow_valid'] !== false;
  const pair = (today: string, tomorrow: string): [string, unknown[]][] => {
    const out: [string, unknown[]][] = [[today, attrs[today] as unknown[]]];
    const t = attrs[tomorrow];
    if (tomorrowValid && isList(t)) out.push([tomorrow, t]);
    return out;
  };
  if (config.attribute) {
    const name = config.attribute;
    if (!(name in attrs))
      throw new ProviderError(
        `${LABEL}: ${id} has no attribute "${name}"; it has ${Object.keys(attrs).join(', ') || 'none'}`,
        { auth: true },
      );
    if (!isList(attrs[name]))
      throw new ProviderError(`${LABEL}: ${id}'s attribute "${name}" is not a list of prices`, { auth: true });
    const partner = name.endsWith('today') ? `${name.slice(0, -'today'.length)}tomorrow` : null;
    return partner && partner in attrs ? pair(name, partner) : [[name, attrs[name] as unknown[]]];
  }
  // An empty raw_today is Nord Pool without prices yet: "no prices for today", not "no list".
  if (isList(attrs['raw_today'])) return pair('raw_today', 'raw_tomorrow');
  if (ofEntries(attrs['today'])) return pair('today', 'tomorrow');
  for (const name of ['prices', 'forecast', 'data']) if (ofEntries(attrs[name])) return [[name, attrs[name]]];
  if (state === 'unavailable' || state === 'unknown')
    throw new ProviderError(`${LABEL} reports ${id} as ${state}: its integration has no prices right now`);
  throw new ProviderError(
    `${LABEL}: ${id} has no list of prices in its attributes (Nord Pool's raw_today/raw_tomorrow, or today/tomorrow with startsAt and total); the core Nord Pool and Tibber sensors carry only the current price. Name the attribute that holds the list, or choose another sensor`,
    { auth: true },
  );
}

function time(v: unknown, what: string, id: string): number {
  // HA writes datetimes with their offset; a time without one would be read in this machine's zone.
  if (typeof v === 'string' && /(Z|[+-]\d\d:?\d\d)$/.test(v.trim())) {
    const t = Date.parse(v.trim().replace(' ', 'T'));
    if (Number.isFinite(t)) return t;
  }
  throw new ProviderError(
    `${LABEL}: ${id}'s ${what} is ${JSON.stringify(v)}, not a date and time with a UTC offset such as 2025-10-26T00:00:00+02:00`,
  );
}

const SUBUNIT_OF: Record<string, string[] | null> = {
  // Euro cents; Finnish "snt". The base comes from the sensor's currency attribute where it has one.
  c: null,
  ct: null,
  cent: null,
  cents: null,
  snt: null,
  '¢': null,
  // A hundredth of a krona/krone: the sensor's currency attribute says which.
  öre: ['SEK', 'NOK', 'DKK'],
  øre: ['SEK', 'NOK', 'DKK'],
  ore: ['SEK', 'NOK', 'DKK'],
  p: ['GBP'],
};

const PER: Record<string, number> = { kwh: 1, mwh: 1 / 1000, wh: 1000 };

const UNDERSTOOD =
  'Hearth understands a price per kWh, MWh or Wh in a currency or its hundredth: EUR/kWh, EUR/MWh, c/kWh, ct/kWh, öre/kWh, NOK/kWh';

/**
 * What one unit of the sensor's numbers is worth per kWh, and in which currency: from
 * `unit_of_measurement` ("EUR/kWh", "c/kWh", "Öre/kWh"), else from Nord Pool's `currency`, `unit`
 * and `price_in_cents`. A Tibber-style list in a bare currency ("SEK") is per kWh, as Tibber quotes.
 */
function unitOf(
  attrs: Record<string, unknown>,
  id: string,
  tibberShaped: boolean,
): { currency: string; factor: number } {
  const declared = typeof attrs['currency'] === 'string' ? attrs['currency'].toUpperCase() : null;
  const code = declared && /^[A-Z]{3}$/.test(declared) ? declared : null;
  let text = typeof attrs['unit_of_measurement'] === 'string' ? attrs['unit_of_measurement'].trim() : '';
  if (text === '' && code && typeof attrs['unit'] === 'string')
    text = `${attrs['price_in_cents'] === true ? 'c' : code}/${attrs['unit']}`;
  if (text === '')
    throw new ProviderError(`${LABEL}: ${id} has no unit_of_measurement, so its prices cannot be read. ${UNDERSTOOD}`, {
      auth: true,
    });
  const refuse = (why = '') =>
    new ProviderError(`${LABEL}: ${id} gives its prices in "${text}"${why}. ${UNDERSTOOD}`, { auth: true });
  if (/^[A-Za-z]{3}$/.test(text) && tibberShaped) return { currency: text.toUpperCase(), factor: 1 };
  const m = /^\s*([^/\s]+)\s*\/\s*([A-Za-z]+)\s*$/.exec(text);
  if (!m) throw refuse();
  const money = m[1]!;
  const per = PER[m[2]!.toLowerCase()];
  if (per === undefined) throw refuse();
  if (/^[A-Za-z]{3}$/.test(money) && !/^(ct|snt|ore)$/i.test(money))
    return { currency: money.toUpperCase(), factor: per };
  if (money === '€') return { currency: 'EUR', factor: per };
  if (money === '£') return { currency: 'GBP', factor: per };
  if (/^kr$/i.test(money)) {
    if (code && ['SEK', 'NOK', 'DKK'].includes(code)) return { currency: code, factor: per };
    throw refuse(': "kr" is SEK, NOK or DKK, and the sensor has no currency attribute saying which');
  }
  const sub = money.toLowerCase();
  if (!(sub in SUBUNIT_OF)) throw refuse();
  const bases = SUBUNIT_OF[sub];
  if (bases === null || bases === undefined) return { currency: code ?? 'EUR', factor: per / 100 };
  if (bases.length === 1) return { currency: bases[0]!, factor: per / 100 };
  if (code && bases.includes(code)) return { currency: code, factor: per / 100 };
  throw refuse(
    `: "${money}" is a hundredth of ${bases.join(', ')}, and the sensor has no currency attribute saying which`,
  );
}
