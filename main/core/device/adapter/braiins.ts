import { deadline, httpRequest, snippet, type HttpReply } from './http.ts';
import {
  DeviceError,
  type DeviceAdapter,
  type DeviceAddress,
  type DeviceIo,
  type DeviceLevel,
  type DeviceTelemetry,
} from './types.ts';

/**
 * Braiins OS (converted Antminer S9 / S19) through its public REST API under /api/v1. Read from
 * the contract Braiins publishes, "Braiins OS Public REST API" 1.7.0 (the OpenAPI document the
 * firmware serves at /api/v1/docs/openapi.json; developer.braiins-os.com), and the gRPC contract
 * it mirrors (github.com/braiins/bos-plus-api, proto/bos/v1):
 *
 * - POST auth/login {username, password} → {token, timeout_s}. The token goes in the
 *   `Authorization` header as it is, without "Bearer " (the login operation's description; the
 *   bos-plus-api README; Home Assistant's Braiins-OS-HA integration sends it raw). Its lifetime
 *   slides: every request renews it to timeout_s (3600 s by default), so an idle Hearth finds it
 *   expired: 401, and we log in once more and repeat the call. A refused login is 401 as well.
 * - PUT performance/power-target {watt}: an integer W, within GET configuration/constraints →
 *   tuner_constraints.power_target {min, max}; outside it the firmware refuses.
 * - PUT actions/pause and actions/resume answer a bool ("already paused" / "already mining").
 *   Pause leaves bosminer and the API up with the boards idle, the lowest power without a restart;
 *   actions/stop stops bosminer itself (its endpoints then answer 412 "BOSminer is not running")
 *   and only actions/start revives it, so resume falls back to start on 412.
 * - Power is power_stats.approximated_consumption: the firmware *estimates* it from its tuning
 *   (there is no meter on these boards), so telemetry says `estimated`.
 */

const LABEL = 'Braiins OS';
/** What a reply too big or not HTTP says of the peer. */
const NOT_BRAIINS = 'is this a Braiins OS miner?';

/** How many power targets the planner may choose from, spread evenly from min to max. */
const LEVEL_COUNT = 5;

type Json = Record<string, unknown>;

/** One adapter call: its address, limits and the single deadline all its requests share. */
type Call = { address: DeviceAddress; io: DeviceIo; signal: AbortSignal; where: string };

export type BraiinsOptions = {
  /** ms since epoch, for the telemetry's `at` (tests inject it). */
  now?: () => number;
};

/** An adapter with its own token cache; `braiinsAdapter` is the one Hearth registers. */
export function createBraiinsAdapter(options: BraiinsOptions = {}): DeviceAdapter {
  const now = options.now ?? Date.now;
  /** Tokens by host:port, with the user they belong to (a changed user logs in afresh). */
  const tokens = new Map<string, { token: string; user: string; password: string }>();
  /** A login under way per address, so parallel requests share it rather than log in each. */
  const logins = new Map<string, Promise<string>>();

  function begin(address: DeviceAddress, io: DeviceIo): Call {
    return { address, io, signal: deadline(io), where: `${LABEL} at ${address.host}:${address.port}` };
  }

  async function login(call: Call): Promise<string> {
    const key = `${call.address.host}:${call.address.port}`;
    const creds = call.io.credentials;
    if (!creds)
      throw new DeviceError(
        'refused',
        `${call.where} needs its user and password (root, unless changed): set them in Hearth's device settings`,
      );
    const pending = logins.get(key);
    if (pending) return pending;
    const attempt = (async () => {
      const r = await send(call, 'POST', '/api/v1/auth/login', null, {
        username: creds.user,
        password: creds.password,
      });
      if (r.status === 401 || r.status === 403)
        throw new DeviceError(
          'refused',
          `${call.where} refused the login of user "${creds.user}" (HTTP ${r.status}): check the user and password in Hearth's device settings`,
        );
      ok(call, r, 'the login');
      const body = record(call, r, 'login reply');
      if (typeof body['token'] !== 'string' || body['token'] === '')
        throw new DeviceError('protocol', `${call.where} answered the login without a token: ${snippet(r.text)}`);
      tokens.set(key, { token: body['token'], user: creds.user, password: creds.password });
      return body['token'];
    })();
    logins.set(key, attempt);
    try {
      return await attempt;
    } finally {
      logins.delete(key);
    }
  }

  /** A request with the cached token; on 401 (expired: the lifetime slides) one fresh login and one retry. */
  async function authed(call: Call, method: string, path: string, body?: unknown): Promise<HttpReply> {
    const key = `${call.address.host}:${call.address.port}`;
    const cached = tokens.get(key);
    const creds = call.io.credentials;
    const usable = cached && creds && cached.user === creds.user && cached.password === creds.password;
    const token = usable ? cached.token : await login(call);
    const first = await send(call, method, path, token, body);
    if (first.status !== 401) return first;
    // Another request of this call may have logged in meanwhile: use its token rather than log in again.
    const current = tokens.get(key)?.token;
    if (current === token) tokens.delete(key);
    const fresh = current !== undefined && current !== token ? current : await login(call);
    const second = await send(call, method, path, fresh, body);
    if (second.status === 401)
      throw new DeviceError(
        'refused',
        `${call.where} refused a fresh token on ${path} (HTTP 401): check the user's rights and password in Hearth's device settings`,
      );
    return second;
  }

  /** GET path as JSON, or null where bosminer is stopped (412) and the endpoint needs it. */
  async function getJson(call: Call, path: string, what: string, nullWhenStopped = false): Promise<Json | null> {
    const r = await authed(call, 'GET', path);
    if (r.status === 412 && nullWhenStopped) return null;
    ok(call, r, what);
    return record(call, r, what);
  }

  async function powerBounds(call: Call): Promise<{ min: number; max: number; def: number | null }> {
    const c = await getJson(call, '/api/v1/configuration/constraints', 'the configuration constraints');
    const pt = obj(obj(c, 'tuner_constraints'), 'power_target');
    const min = watt(obj(pt, 'min'));
    const max = watt(obj(pt, 'max'));
    if (min === null || max === null || min > max)
      throw new DeviceError(
        'protocol',
        `${call.where} gave no usable power-target range in tuner_constraints (${snippet(JSON.stringify(pt ?? null))}): is the autotuner licensed and enabled?`,
      );
    return { min, max, def: watt(obj(pt, 'default')) };
  }

  async function readWith(call: Call): Promise<{ t: DeviceTelemetry; stickerHs: number | null; def: number | null }> {
    const [details, stats, cooling, tuner, bounds] = await Promise.all([
      getJson(call, '/api/v1/miner/details', 'the miner details'),
      getJson(call, '/api/v1/miner/stats', 'the miner stats', true),
      getJson(call, '/api/v1/cooling/state', 'the cooling state', true),
      getJson(call, '/api/v1/performance/tuner-state', 'the tuner state', true),
      powerBounds(call),
    ]);
    const identity = obj(details, 'miner_identity');
    const version = obj(details, 'bos_version');
    const name = str(identity, 'name') ?? str(identity, 'miner_model');
    const current = str(version, 'current');
    const model = name || current ? [name, current ? `${LABEL} ${current}` : LABEL].filter(Boolean).join(', ') : null;

    const real = obj(obj(stats, 'miner_stats'), 'real_hashrate');
    // last_1m steadies the 5 s jitter; a freshly started miner may have only last_5s.
    const ghs = num(obj(real, 'last_1m'), 'gigahash_per_second') ?? num(obj(real, 'last_5s'), 'gigahash_per_second');
    const power = watt(obj(obj(stats, 'power_stats'), 'approximated_consumption'));
    const pool = obj(stats, 'pool_stats');
    const tempC = num(obj(obj(cooling, 'highest_temperature'), 'temperature'), 'degree_c');
    const target = watt(obj(obj(obj(tuner, 'mode_state'), 'powertargetmodestate'), 'current_target'));
    const steps = targets(bounds.min, bounds.max);
    const at = target === null ? -1 : steps.indexOf(target);
    const sticker = num(obj(details, 'sticker_hashrate'), 'gigahash_per_second');
    return {
      t: {
        at: now(),
        powerW: power,
        powerSource: power === null ? null : 'estimated',
        hashRate: ghs === null ? null : ghs * 1e9,
        tempC,
        state: stateOf(details),
        model,
        accepted: num(pool, 'accepted_shares'),
        rejected: num(pool, 'rejected_shares'),
        level: at >= 0 ? at : null,
      },
      stickerHs: sticker === null ? null : sticker * 1e9,
      def: bounds.def,
    };
  }

  async function resumeWith(call: Call): Promise<void> {
    const r = await authed(call, 'PUT', '/api/v1/actions/resume');
    if (r.status !== 412) return ok(call, r, 'resume');
    // bosminer itself is stopped (actions/stop, or the web UI's Stop): resume cannot reach it.
    ok(call, await authed(call, 'PUT', '/api/v1/actions/start'), 'start');
  }

  return {
    kind: 'braiins',
    label: LABEL,
    defaultPort: 80,

    async probe(address, io) {
      // The API version needs no token, so the scan learns the kind without credentials.
      const call = begin(address, io);
      try {
        const r = await send(call, 'GET', '/api/v1/version/', null);
        if (r.status !== 200) return false;
        const v = JSON.parse(r.text) as unknown;
        return isRecord(v) && ['major', 'minor', 'patch'].every((k) => Number.isInteger(v[k]));
      } catch {
        return false;
      }
    },

    async read(address, io) {
      return (await readWith(begin(address, io))).t;
    },

    async levels(address, io, last) {
      const call = begin(address, io);
      const bounds = await powerBounds(call);
      // Hash rate per watt now, from the firmware's own hash rate and power estimate; paused or
      // stopped, from the sticker hash rate at the default target. Either way an estimate.
      let rate = efficiency(last);
      if (rate === null) {
        const r = await readWith(call);
        rate = efficiency(r.t);
        if (rate === null && r.stickerHs !== null && r.stickerHs > 0 && r.def)
          rate = { perW: r.stickerHs / r.def, basis: `the sticker's ${round1(r.def / (r.stickerHs / 1e12))} J/TH` };
      }
      const perW = rate?.perW ?? null;
      const basis = rate?.basis ?? '';
      return targets(bounds.min, bounds.max).map((w): DeviceLevel => ({
        powerW: w,
        hashRate: perW === null ? 0 : w * perW,
        label:
          perW === null
            ? `power target ${w} W (hash rate unknown)`
            : `power target ${w} W (hash rate estimated from ${basis})`,
      }));
    },

    async apply(address, io, level) {
      const call = begin(address, io);
      const bounds = await powerBounds(call);
      const steps = targets(bounds.min, bounds.max);
      const w = steps[level];
      if (w === undefined || !Number.isInteger(level))
        throw new DeviceError('refused', `${call.where} has levels 0 to ${steps.length - 1}, not ${level}`);
      // Target first, then resume: a paused miner wakes straight into the new target.
      const r = await authed(call, 'PUT', '/api/v1/performance/power-target', { watt: w });
      ok(call, r, `power target ${w} W (allowed ${bounds.min}–${bounds.max} W)`);
      await resumeWith(call);
    },

    async pause(address, io) {
      const call = begin(address, io);
      const r = await authed(call, 'PUT', '/api/v1/actions/pause');
      // 412: bosminer is stopped altogether, which hashes no more than paused does.
      if (r.status === 412) return;
      ok(call, r, 'pause');
    },

    async resume(address, io) {
      await resumeWith(begin(address, io));
    },
  };
}

export const braiinsAdapter: DeviceAdapter = createBraiinsAdapter();

/** Hash rate per W, and what it came from, where the telemetry has both and the miner hashes. */
function efficiency(t: DeviceTelemetry | null): { perW: number; basis: string } | null {
  if (!t || t.hashRate === null || t.powerW === null || t.hashRate <= 0 || t.powerW <= 0) return null;
  return { perW: t.hashRate / t.powerW, basis: `${round1(t.powerW / (t.hashRate / 1e12))} J/TH now` };
}

/** Evenly spaced integer W from min to max, ends exact, steps rounded to 10 W, no repeats. */
function targets(min: number, max: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < LEVEL_COUNT; i++) {
    const raw = min + ((max - min) * i) / (LEVEL_COUNT - 1);
    const w = i === 0 ? min : i === LEVEL_COUNT - 1 ? max : Math.round(raw / 10) * 10;
    if (out.at(-1) !== w) out.push(w);
  }
  return out;
}

/** MinerStatus (bos-plus-api miner.proto) or, newer, detailed_status's oneof. */
function stateOf(details: Json | null): DeviceTelemetry['state'] {
  const detailed = obj(obj(details, 'detailed_status'), 'status');
  if (detailed) {
    if ('running' in detailed) return 'running';
    if ('stopped' in detailed) return 'paused';
    return 'unknown'; // starting, stopping
  }
  const s = details?.['status'];
  if (s === 2 || s === 5) return 'running'; // normal; restricted (no licence) still hashes
  if (s === 1 || s === 3) return 'paused'; // not started; paused
  return 'unknown';
}

/** Throws the DeviceError a non-2xx answer means, saying what to do. */
function ok(call: Call, r: HttpReply, what: string): void {
  if (r.status >= 200 && r.status < 300) return;
  const said = snippet(r.text);
  if (r.status === 412)
    throw new DeviceError(
      'refused',
      `${call.where} answered HTTP 412 to ${what} (${said}): BOSminer is not running; start mining on the device`,
    );
  if (r.status === 404 || r.status === 405)
    throw new DeviceError(
      'protocol',
      `${call.where} answered HTTP ${r.status} to ${what}: update Braiins OS to a version with the public REST API (/api/v1)`,
    );
  if (r.status >= 400 && r.status < 500)
    throw new DeviceError('refused', `${call.where} refused ${what} (HTTP ${r.status}: ${said})`);
  throw new DeviceError('protocol', `${call.where} answered HTTP ${r.status} to ${what} (${said}); try again later`);
}

function record(call: Call, r: HttpReply, what: string): Json {
  let v: unknown;
  try {
    v = JSON.parse(r.text);
  } catch {
    throw new DeviceError('protocol', `${call.where} sent ${what} that is not JSON: ${snippet(r.text)}`);
  }
  if (!isRecord(v))
    throw new DeviceError('protocol', `${call.where} sent ${what} that is not an object: ${snippet(r.text)}`);
  return v;
}

/** One request within the call's deadline and reply limit, with the token (raw) where there is one. */
function send(call: Call, method: string, path: string, token: string | null, body?: unknown): Promise<HttpReply> {
  const headers = token === null ? {} : { authorization: token };
  return httpRequest(call.address, call.io, {
    method,
    path,
    headers,
    body,
    signal: call.signal,
    label: LABEL,
    hint: NOT_BRAIINS,
  });
}

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function obj(v: Json | null | undefined, key: string): Json | null {
  const x = v?.[key];
  return isRecord(x) ? x : null;
}

function num(v: Json | null, key: string): number | null {
  const x = v?.[key];
  return typeof x === 'number' && Number.isFinite(x) ? x : null;
}

function str(v: Json | null, key: string): string | null {
  const x = v?.[key];
  return typeof x === 'string' && x !== '' ? x : null;
}

/** A {watt} object's W. */
function watt(v: Json | null): number | null {
  return num(v, 'watt');
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
