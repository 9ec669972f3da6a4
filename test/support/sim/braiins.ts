import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A miner running Braiins OS (a converted Antminer S9 or S19) on a loopback address, speaking the
 * firmware's public REST API as Braiins publishes it, not as Hearth would like it:
 *
 * - The contract: "Braiins OS Public REST API" 1.7.0, the OpenAPI document the firmware serves at
 *   /api/v1/docs/openapi.json (developer.braiins-os.com/latest/openapi.json; read from the verbatim
 *   copy in github.com/api-evangelist/braiins-academy openapi/_original/, commit 97993f6), and the
 *   gRPC contract it mirrors (github.com/braiins/bos-plus-api proto/bos/v1: actions, authentication,
 *   miner, performance; CHANGELOG 1.1.0 for `token` / `timeout_s`).
 * - POST /api/v1/auth/login {username, password} → 200 {token, timeout_s}. Every other call sends
 *   the token as the raw `Authorization` header value, no "Bearer " (the login operation's own
 *   description; bos-plus-api README shows `authorization: FvZarvVQLCtzNaM6`; the Home Assistant
 *   integrations aleixps/Braiins-OS-HA api.py and others send it raw). `timeout_s` is "token
 *   validity/timeout in seconds. Token validity refreshed to this value with each request": a
 *   sliding expiry, so an idle client's token dies and it must log in again.
 * - Errors: the contract declares status codes with prose and no body schema (401 "Unauthorized.
 *   User must be authenticated", 412 "BOSminer is not running"). A refused login is 401 (what the
 *   Braiins-OS-HA config flow tells apart as invalid_auth). The bodies here are short text of our
 *   own, so a client can only rely on the status: that is the faithful part.
 * - Power target (PUT /api/v1/performance/power-target, PATCH …/increment and …/decrement) is
 *   {watt} in W, an integer; the answer is the new target {watt}. The allowed range is
 *   GET /api/v1/configuration/constraints → tuner_constraints.power_target {min, max, default}.
 *   A target outside it is refused (gRPC InvalidArgument; 400 here, as the REST gateway's mapping
 *   for it is undocumented).
 * - Pause vs stop: PUT actions/pause keeps bosminer (and the API) up with the hash boards idle and
 *   answers a bool "already paused"; resume answers "already mining". PUT actions/stop stops
 *   bosminer itself: then the miner endpoints that need it answer 412, and only actions/start
 *   brings it back.
 * - Telemetry: GET miner/stats power_stats.approximated_consumption {watt} (the firmware's
 *   *estimate*, not a meter), miner_stats.real_hashrate.last_5s/last_1m {gigahash_per_second},
 *   pool_stats accepted/rejected shares; GET cooling/state highest_temperature.temperature
 *   {degree_c}; GET miner/details miner_identity.name, bos_version.current, status (MinerStatus:
 *   1 not started, 2 normal, 3 paused) and detailed_status (running / stopped.user_pause);
 *   GET performance/tuner-state mode_state.powertargetmodestate.current_target {watt}.
 * - GET /api/v1/version/ answers {major, minor, patch} without a token (the gRPC
 *   ApiVersionService "does not require authentication").
 *
 * The hash rate at a power target is a model of ours (efficiency improves as the target drops, as
 * the autotuner's profiles show), and the model presets' bounds are illustrative, not read from a
 * device.
 */

export type BraiinsModel = 'Antminer S9' | 'Antminer S19j Pro';
export type BraiinsHostile = 'garbage' | 'flood' | 'hang' | null;

const MODELS: Record<BraiinsModel, { min: number; max: number; def: number; stickerThs: number; jth: number }> = {
  'Antminer S9': { min: 600, max: 1600, def: 1300, stickerThs: 13.5, jth: 98 },
  'Antminer S19j Pro': { min: 1200, max: 3600, def: 3000, stickerThs: 104, jth: 29.5 },
};

export type BraiinsSimOptions = {
  /** A loopback address, 127.0.0.1 unless given (127.0.0.2, 127.0.0.3 for several devices). */
  host?: string;
  model?: BraiinsModel;
  user?: string;
  /** '' is a miner without a password (the firmware allows that): login with '' succeeds. */
  password?: string;
  /** The token lifetime the firmware announces, s. */
  timeoutS?: number;
  /** The device's clock, ms: tests move it with `advance` instead of waiting. */
  startMs?: number;
};

export type BraiinsRequest = { method: string; url: string; authorization: string | undefined; body: string };

export type BraiinsSim = {
  host: string;
  port: number;
  /** Every request in order (the login's password is in `body`). */
  requests: BraiinsRequest[];
  readonly state: 'running' | 'paused' | 'stopped';
  readonly powerTargetW: number;
  readonly bounds: { min: number; max: number; def: number };
  /** Tokens issued so far. */
  readonly logins: number;
  /** Moves the device's clock on: tokens idle longer than timeout_s expire. */
  advance(ms: number): void;
  /** Stops bosminer as PUT actions/stop would (e.g. from the web UI). */
  stopMining(): void;
  /** Every later authenticated reply misbehaves this way (login and version stay well). */
  hostile: BraiinsHostile;
  close(): Promise<void>;
};

/** Miner hash rate at `watt`, GH/s: the J/TH improves by up to a quarter as the target drops. */
function gigahash(model: BraiinsModel, watt: number): number {
  const m = MODELS[model];
  const jth = m.jth * (0.75 + 0.25 * (watt / m.def));
  return (watt / jth) * 1000;
}

export async function startBraiinsSim(o: BraiinsSimOptions = {}): Promise<BraiinsSim> {
  const host = o.host ?? '127.0.0.1';
  const model = o.model ?? 'Antminer S19j Pro';
  const m = MODELS[model];
  const user = o.user ?? 'root';
  const password = o.password ?? 'hearth-test';
  const timeoutS = o.timeoutS ?? 3600;
  let now = o.startMs ?? Date.UTC(2026, 0, 15, 12);
  let state: 'running' | 'paused' | 'stopped' = 'running';
  let powerTargetW = m.def;
  let accepted = 4_812;
  let logins = 0;
  let hostile: BraiinsHostile = null;
  const tokens = new Map<string, number>();
  const requests: BraiinsRequest[] = [];
  const sockets = new Set<Socket>();

  const text = (res: http.ServerResponse, status: number, body: string) => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(body);
  };
  const json = (res: http.ServerResponse, body: unknown) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const notRunning = (res: http.ServerResponse) => text(res, 412, 'BOSminer is not running');

  function setTarget(res: http.ServerResponse, watt: unknown) {
    if (typeof watt !== 'number' || !Number.isInteger(watt) || watt < 0) {
      text(res, 400, 'Failed to deserialize the JSON body: watt must be a non-negative integer');
      return;
    }
    if (watt < m.min || watt > m.max) {
      text(res, 400, `Power target ${watt} W is out of the allowed range ${m.min}-${m.max} W`);
      return;
    }
    powerTargetW = watt;
    json(res, { watt });
  }

  function details() {
    const status = state === 'running' ? 2 : state === 'paused' ? 3 : 1;
    const since = { seconds: Math.floor(now / 1000) - 600, nanos: 0 };
    const detailed =
      state === 'running'
        ? { running: { reason: { normal: {} } } }
        : state === 'paused'
          ? { stopped: { reason: { user_pause: {} } } }
          : { stopped: { reason: { application_unavailable: {} } } };
    return {
      uid: `sim-${host}`,
      miner_identity: { brand: 1, model: 0, name: model, miner_model: model },
      platform: model === 'Antminer S9' ? 1 : 3,
      bos_mode: 4,
      bos_version: { current: '2026-08-25-0-1a2b3c4d-26.08.1-plus', major: '2026-08-25', bos_plus: true },
      hostname: 'bosminer',
      mac_address: '02:00:00:00:00:01',
      system_uptime: 90_919,
      system_uptime_s: 90_919,
      bosminer_uptime_s: state === 'stopped' ? 0 : 86_000,
      status,
      detailed_status: { status: detailed, status_since: since, status_until: null },
      kernel_version: '5.10.0',
      control_board_soc_family: 2,
      sticker_hashrate: { gigahash_per_second: m.stickerThs * 1000 },
    };
  }

  function stats() {
    const ghs = state === 'running' ? gigahash(model, powerTargetW) : 0;
    // The firmware's estimate tracks the target a little under it once tuned; paused, the boards
    // draw next to nothing (control board and fans only).
    const watt = state === 'running' ? Math.round(powerTargetW * 0.98) : 0;
    const rate = { gigahash_per_second: ghs };
    return {
      pool_stats: {
        accepted_shares: accepted,
        rejected_shares: 7,
        stale_shares: 1,
        last_difficulty: 65_536,
        best_share: 1_200_000,
        best_share_str: '1200000',
        generated_work: 9_000_000,
      },
      miner_stats: {
        found_blocks: 0,
        best_share: 1_200_000,
        best_share_str: '1200000',
        real_hashrate: { last_5s: rate, last_15s: rate, last_1m: rate, last_5m: rate },
        nominal_hashrate: { gigahash_per_second: m.stickerThs * 1000 },
      },
      power_stats: {
        approximated_consumption: { watt },
        efficiency: ghs > 0 ? { joule_per_terahash: watt / (ghs / 1000) } : null,
      },
    };
  }

  function route(req: http.IncomingMessage, res: http.ServerResponse, body: string) {
    const url = req.url ?? '/';
    const method = req.method ?? 'GET';
    if (url === '/api/v1/version/' && method === 'GET') return json(res, { major: 1, minor: 7, patch: 0 });
    if (url === '/api/v1/auth/login') {
      if (method !== 'POST') return text(res, 405, 'Method Not Allowed');
      let creds: unknown;
      try {
        creds = JSON.parse(body);
      } catch {
        return text(res, 400, 'Failed to parse the request body as JSON');
      }
      const c = creds as { username?: unknown; password?: unknown };
      if (typeof c.username !== 'string' || typeof c.password !== 'string')
        return text(res, 422, 'Failed to deserialize the JSON body: missing field `username` or `password`');
      if (c.username !== user || c.password !== password) return text(res, 401, 'Invalid username or password');
      logins++;
      const token = `${host.split('.').at(-1)}${logins.toString(36)}${Math.random().toString(36).slice(2, 10)}`;
      tokens.set(token, now + timeoutS * 1000);
      return json(res, { token, timeout_s: timeoutS });
    }
    if (!url.startsWith('/api/v1/')) return text(res, 404, 'Not Found');

    // The token is the header's whole value; each accepted use pushes its expiry on (sliding).
    const token = req.headers.authorization;
    const expires = token === undefined ? undefined : tokens.get(token);
    if (token === undefined || expires === undefined || expires <= now) {
      if (token !== undefined) tokens.delete(token);
      return text(res, 401, 'Unauthorized');
    }
    tokens.set(token, now + timeoutS * 1000);

    if (hostile === 'hang') return; // never answers; the socket stays open
    if (hostile === 'garbage') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end('{"miner_stats": {"real_hashrate": [1, 2,, oops');
    }
    if (hostile === 'flood') {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let sent = 0;
      const pump = () => {
        while (sent < 10 * 1024 * 1024) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end('{}');
      };
      res.on('error', () => undefined);
      return pump();
    }

    const key = `${method} ${url}`;
    let parsed: unknown = undefined;
    if (body !== '') {
      try {
        parsed = JSON.parse(body);
      } catch {
        return text(res, 400, 'Failed to parse the request body as JSON');
      }
    }
    const watt = (parsed as { watt?: unknown } | undefined)?.watt;
    switch (key) {
      case 'GET /api/v1/miner/details':
        return json(res, details());
      case 'GET /api/v1/miner/stats':
        return state === 'stopped' ? notRunning(res) : json(res, stats());
      case 'GET /api/v1/cooling/state':
        return json(res, {
          fans: [
            { position: 0, rpm: state === 'running' ? 4200 : 0, target_speed_ratio: state === 'running' ? 0.6 : 0 },
            { position: 1, rpm: state === 'running' ? 4180 : 0, target_speed_ratio: state === 'running' ? 0.6 : 0 },
          ],
          highest_temperature: {
            location: 1,
            temperature: { degree_c: state === 'running' ? 50 + (25 * powerTargetW) / m.max : 31.5 },
          },
        });
      case 'GET /api/v1/configuration/constraints':
        return json(res, {
          tuner_constraints: {
            default_mode: 1,
            enabled: { default: true },
            power_target: { min: { watt: m.min }, max: { watt: m.max }, default: { watt: m.def } },
          },
        });
      case 'GET /api/v1/performance/tuner-state':
        if (state === 'stopped') return notRunning(res);
        return json(res, {
          overall_tuner_state: 2,
          mode_state: {
            powertargetmodestate: {
              current_target: { watt: powerTargetW },
              profile: { target: { watt: powerTargetW }, estimated_power_consumption: { watt: powerTargetW } },
            },
          },
        });
      case 'PUT /api/v1/performance/power-target':
        return setTarget(res, watt);
      case 'PATCH /api/v1/performance/power-target/increment':
        return typeof watt === 'number' ? setTarget(res, powerTargetW + watt) : setTarget(res, watt);
      case 'PATCH /api/v1/performance/power-target/decrement':
        return typeof watt === 'number' ? setTarget(res, powerTargetW - watt) : setTarget(res, watt);
      case 'PUT /api/v1/actions/pause': {
        if (state === 'stopped') return notRunning(res);
        const already = state === 'paused';
        state = 'paused';
        return json(res, already);
      }
      case 'PUT /api/v1/actions/resume': {
        if (state === 'stopped') return notRunning(res);
        const already = state === 'running';
        if (!already) accepted += 1;
        state = 'running';
        return json(res, already);
      }
      case 'PUT /api/v1/actions/stop': {
        const already = state === 'stopped';
        state = 'stopped';
        return json(res, already);
      }
      case 'PUT /api/v1/actions/start': {
        const already = state !== 'stopped';
        if (!already) state = 'running';
        return json(res, already);
      }
      default:
        return text(res, 404, 'Not Found');
    }
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        authorization: req.headers.authorization,
        body,
      });
      route(req, res, body);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;

  return {
    host,
    port,
    requests,
    get state() {
      return state;
    },
    get powerTargetW() {
      return powerTargetW;
    },
    get bounds() {
      return { min: m.min, max: m.max, def: m.def };
    },
    get logins() {
      return logins;
    },
    get hostile() {
      return hostile;
    },
    set hostile(h: BraiinsHostile) {
      hostile = h;
    },
    advance(ms: number) {
      now += ms;
    },
    stopMining() {
      state = 'stopped';
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
