import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An AxeOS device (Bitaxe / NerdQAxe, github.com/bitaxeorg/ESP-Miner) on a loopback address, as
 * the firmware's HTTP API behaves, read from its source (main/http_server/http_server.c,
 * system_api_json.c, axe-os/api/system/asic_settings.c, tasks/power_management_task.c,
 * device_config.h and openapi.yaml at 5c27713, 2026-08) rather than from what Hearth expects:
 *
 * - GET /api/system/info: one flat object. power W, voltage (input) mV, current mA, temp / temp2 /
 *   vrTemp °C, hashRate GH/s, frequency MHz and coreVoltage mV are the *stored settings* (NVS),
 *   coreVoltageActual mV and actualFrequency MHz what runs; miningPaused since v2.14.0.
 * - GET /api/system/asic (since v2.7.0): the ASIC's frequency/voltage options and defaults.
 * - PATCH /api/system: every field is checked (type, range) before any is stored; a bad one is
 *   400 "Wrong API input", unparsable JSON 400 "Invalid JSON"; success is 200 with an EMPTY body.
 *   Unknown fields are ignored. New settings only land in NVS: the power-management loop applies
 *   them on its next pass (`tick()` here), no restart needed since v2.2.0.
 * - POST /api/system/pause and /resume (since v2.14.0) set a flag the power-management loop acts
 *   on (ASIC off, temps read -1); a restart clears it (system.c starts with mining_paused=false).
 * - POST /api/system/restart answers {"message":"System will restart shortly."}, then reboots.
 * - Unknown /api/* routes: 404 {"error":"unknown route"}. No authentication at all; instead every
 *   /api handler refuses (401 "Unauthorized", text/html) a client or Origin outside 10/8,
 *   172.16/12 and 192.168/16. Loopback is not in that list on the real device; the simulator
 *   counts 127/8 as LAN so tests can reach it, unless `strictLan` models the real check.
 */

export type AxeosAsic = 'BM1397' | 'BM1366' | 'BM1368' | 'BM1370';
export type AxeosHostile = 'garbage' | 'flood' | 'hang' | 'error500' | null;

/** device_config.h (ESP-Miner 5c27713): options, defaults, small cores, and one board per ASIC. */
const ASICS: Record<
  AxeosAsic,
  { f: number[]; v: number[]; fDef: number; vDef: number; smallCores: number; family: string; board: string }
> = {
  BM1397: {
    f: [400, 425, 450, 475, 485, 500, 525, 550, 575, 600],
    v: [1100, 1150, 1200, 1250, 1300, 1350, 1400, 1450, 1500],
    fDef: 425,
    vDef: 1400,
    smallCores: 672,
    family: 'Max',
    board: '102',
  },
  BM1366: {
    f: [400, 425, 450, 475, 485, 500, 525, 550, 575],
    v: [1100, 1150, 1200, 1250, 1300],
    fDef: 485,
    vDef: 1200,
    smallCores: 894,
    family: 'Ultra',
    board: '204',
  },
  BM1368: {
    f: [400, 425, 450, 475, 485, 490, 500, 525, 550, 575],
    v: [1100, 1150, 1166, 1200, 1250, 1300],
    fDef: 490,
    vDef: 1166,
    smallCores: 1276,
    family: 'Supra',
    board: '401',
  },
  BM1370: {
    f: [400, 490, 525, 550, 600, 625],
    v: [1000, 1060, 1100, 1150, 1200, 1250],
    fDef: 525,
    vDef: 1150,
    smallCores: 2040,
    family: 'Gamma',
    board: '601',
  },
};

export type AxeosSimOptions = {
  /** A loopback address, 127.0.0.1 unless given (127.0.0.2, 127.0.0.3 for several devices). */
  host?: string;
  asic?: AxeosAsic;
  /** Firmware version string; and which endpoints it has (v2.14.0 has both). */
  version?: string;
  pauseEndpoint?: boolean;
  asicEndpoint?: boolean;
  /** Chips on the board: 1 on a Bitaxe, 4 on a NerdQAxe++ (BM1370) or NerdQAxe+ (BM1368). */
  asicCount?: number;
  /** Refuse loopback clients, as the real firmware's private-range check does. */
  strictLan?: boolean;
};

/** Board power outside the ASIC (ESP32, fan, regulator losses), W: present when paused too. */
const BOARD_W = 1.6;
/** ASIC power = K · f(GHz) · V(V)² per chip, W: about 17 W at a Gamma's 525 MHz / 1150 mV. */
const ASIC_K = 23.5;

const PRIVATE = [/^10\./, /^172\.(1[6-9]|2\d|3[01])\./, /^192\.168\./];
const isPrivate = (ip: string, loopbackIsLan: boolean) =>
  PRIVATE.some((r) => r.test(ip)) || (loopbackIsLan && ip.startsWith('127.'));

export async function startAxeosSim(options: AxeosSimOptions = {}) {
  const asicName = options.asic ?? 'BM1370';
  const asic = ASICS[asicName];
  const version = options.version ?? 'v2.14.0';
  const hasPause = options.pauseEndpoint ?? true;
  const hasAsic = options.asicEndpoint ?? true;
  const strictLan = options.strictLan ?? false;
  const chips = options.asicCount ?? 1;

  /** What PATCH stores (NVS) and what the power-management loop has applied. */
  const nvs = { frequency: asic.fDef, coreVoltage: asic.vDef, autofanspeed: 1, manualFanSpeed: 100 };
  const running = { frequency: asic.fDef, coreVoltage: asic.vDef, paused: false };
  const state = {
    miningPaused: false,
    uptimeSeconds: 0,
    sharesAccepted: 0,
    sharesRejected: 0,
    restarts: 0,
    hostile: null as AxeosHostile,
    requests: [] as { method: string; url: string; body: string }[],
  };

  const asicW = () =>
    running.paused ? 0 : chips * ASIC_K * (running.frequency / 1000) * (running.coreVoltage / 1000) ** 2;
  const powerW = () => BOARD_W + asicW();
  /** The firmware's expected rate, frequency · small cores · chips / 1000 (GH/s); it hashes ~2 % under. */
  const hashRateGh = () => (running.paused ? 0 : (running.frequency * asic.smallCores * chips) / 1000) * 0.98;

  function info() {
    const p = powerW();
    const chipTemp = running.paused ? -1 : 32 + (1.9 * asicW()) / chips;
    return {
      power: round(p, 3),
      voltage: 5012.5,
      current: round((p / 5.0125) * 1000, 1),
      temp: round(chipTemp, 2),
      temp2: -1,
      vrTemp: round(30 + 0.8 * p, 1),
      coreVoltageActual: running.paused ? 0 : running.coreVoltage - 6,
      actualFrequency: running.paused ? 0 : running.frequency,
      expectedHashrate: (running.frequency * asic.smallCores * chips) / 1000,
      fanspeed: running.paused ? 35 : 62,
      fanrpm: running.paused ? 2100 : 4380,
      fan2rpm: 0,
      hashRate: round(hashRateGh(), 3),
      hashRate_1m: round(hashRateGh(), 3),
      hashRate_10m: round(hashRateGh(), 3),
      hashRate_1h: round(hashRateGh(), 3),
      errorPercentage: 0.12,
      sharesAccepted: state.sharesAccepted,
      sharesRejected: state.sharesRejected,
      sharesPending: 0,
      bestDiff: 18_446_744,
      bestSessionDiff: 1_209_331,
      poolDifficulty: 1000,
      uptimeSeconds: state.uptimeSeconds,
      miningPaused: hasPause ? state.miningPaused : undefined,
      overheat_mode: 0,
      wifiStatus: 'Connected!',
      wifiRSSI: -52,
      version,
      axeOSVersion: version,
      idfVersion: 'v5.5.1',
      boardVersion: asic.board,
      maxPower: chips > 1 ? 100 : 40,
      nominalVoltage: 5,
      smallCoreCount: asic.smallCores,
      // before v2.7.0 (no /api/system/asic) info carried the chip count itself
      asicCount: hasAsic ? undefined : chips,
      ASICModel: asicName,
      hostname: 'bitaxe',
      ssid: 'home',
      macAddr: 'AA:BB:CC:DD:EE:FF',
      ipv4: options.host ?? '127.0.0.1',
      stratumURL: 'public-pool.io',
      stratumPort: 21496,
      stratumUser: 'bc1qexample.bitaxe',
      pools: [{ id: 0, stratumURL: 'public-pool.io', stratumPort: 21496, stratumPassword: '*****' }],
      autofanspeed: nvs.autofanspeed,
      manualFanSpeed: nvs.manualFanSpeed,
      temptarget: 60,
      coreVoltage: nvs.coreVoltage,
      frequency: nvs.frequency,
      fullHostname: 'bitaxe.local',
    };
  }

  /** The power-management loop's pass: settings from NVS and the pause flag take effect. */
  function tick() {
    running.frequency = nvs.frequency;
    running.coreVoltage = nvs.coreVoltage;
    running.paused = state.miningPaused;
    state.uptimeSeconds += 5;
    if (!running.paused) state.sharesAccepted += 3;
  }

  function restart() {
    state.restarts += 1;
    state.miningPaused = false;
    state.uptimeSeconds = 0;
    state.sharesAccepted = 0;
    state.sharesRejected = 0;
    tick();
  }

  /** check_settings_and_update: every field is validated first; nothing is stored if one fails. */
  function patch(body: string): { status: number; text: string } {
    let root: unknown;
    try {
      root = JSON.parse(body);
    } catch {
      return { status: 400, text: 'Invalid JSON' };
    }
    if (typeof root !== 'object' || root === null) return { status: 400, text: 'Invalid JSON' };
    const r = root as Record<string, unknown>;
    const num = (k: string, min: number, max: number) =>
      !(k in r) || (typeof r[k] === 'number' && Math.trunc(r[k]) >= min && Math.trunc(r[k]) <= max);
    const bool = (k: string) =>
      !(k in r) || typeof r[k] === 'boolean' || (typeof r[k] === 'number' && (r[k] === 0 || r[k] === 1));
    const ok =
      (!('frequency' in r) || (typeof r['frequency'] === 'number' && r['frequency'] >= 1 && r['frequency'] <= 65535)) &&
      num('coreVoltage', 1, 65535) &&
      num('manualFanSpeed', 0, 100) &&
      bool('autofanspeed');
    if (!ok) return { status: 400, text: 'Wrong API input' };
    if (typeof r['frequency'] === 'number') nvs.frequency = r['frequency'];
    if (typeof r['coreVoltage'] === 'number') nvs.coreVoltage = Math.trunc(r['coreVoltage']);
    if (typeof r['manualFanSpeed'] === 'number') nvs.manualFanSpeed = Math.trunc(r['manualFanSpeed']);
    if ('autofanspeed' in r) nvs.autofanspeed = r['autofanspeed'] === true || r['autofanspeed'] === 1 ? 1 : 0;
    return { status: 200, text: '' };
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const method = req.method ?? 'GET';
      const url = (req.url ?? '/').split('?')[0]!;
      const body = Buffer.concat(chunks).toString('utf8');
      state.requests.push({ method, url, body });

      switch (state.hostile) {
        case 'hang':
          return; // accepted, read, never answered
        case 'garbage':
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{"power": 15.2, "hashRate": <html>oops');
          return;
        case 'flood': {
          // 10 MB of a JSON-looking string, written as fast as the peer takes it
          res.writeHead(200, { 'content-type': 'application/json' });
          const piece = Buffer.alloc(64 * 1024, 0x61);
          let left = 160;
          res.write('{"version":"');
          const pump = () => {
            while (left > 0) {
              left -= 1;
              if (!res.write(piece)) return void res.once('drain', pump);
            }
            res.end('"}');
          };
          res.on('error', () => undefined);
          pump();
          return;
        }
        case 'error500':
          res.writeHead(500, { 'content-type': 'text/html' });
          res.end('Internal Server Error');
          return;
        case null:
          break;
      }

      const cors = {
        'access-control-allow-origin': '*',
        'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
        'access-control-allow-headers': 'Content-Type',
      };
      const json = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json', ...cors });
        res.end(JSON.stringify(value));
      };
      const err = (status: number, text: string) => {
        res.writeHead(status, { 'content-type': 'text/html' });
        res.end(text);
      };

      if (!url.startsWith('/api/')) {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<!doctype html><html><head><title>AxeOS</title></head><body><app-root></app-root></body></html>');
        return;
      }
      // is_network_allowed: the client, and the Origin's IP literal when there is one, must be private
      const client = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
      const origin = /^https?:\/\/([\d.]+)(:\d+)?/.exec(String(req.headers.origin ?? ''))?.[1];
      const originOk = req.headers.origin === undefined || (origin !== undefined && isPrivate(origin, !strictLan));
      if (!isPrivate(client, !strictLan) || !originOk) return err(401, 'Unauthorized');
      if (method === 'OPTIONS') {
        res.writeHead(200, cors);
        res.end();
        return;
      }

      const route = `${method} ${url}`;
      if (route === 'GET /api/system/info') return json(200, info());
      if (route === 'GET /api/system/asic' && hasAsic)
        return json(200, {
          ASICModel: asicName,
          deviceModel: asic.family,
          swarmColor: 'green',
          asicCount: chips,
          hashDomains: 4,
          defaultFrequency: asic.fDef,
          frequencyOptions: asic.f,
          defaultVoltage: asic.vDef,
          voltageOptions: asic.v,
        });
      if (route === 'PATCH /api/system') {
        const out = patch(body);
        if (out.status !== 200) return err(out.status, out.text);
        res.writeHead(200, cors); // httpd_resp_send_chunk(req, NULL, 0): an empty, chunked 200
        res.end();
        return;
      }
      if (route === 'POST /api/system/pause' && hasPause) {
        state.miningPaused = true;
        return json(200, { message: 'Mining paused' });
      }
      if (route === 'POST /api/system/resume' && hasPause) {
        state.miningPaused = false;
        return json(200, { message: 'Mining resumed' });
      }
      if (route === 'POST /api/system/restart') {
        json(200, { message: 'System will restart shortly.' });
        restart();
        return;
      }
      return json(404, { error: 'unknown route' });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, options.host ?? '127.0.0.1', resolve);
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    address: { host: address, port },
    nvs,
    running,
    state,
    tick,
    /** Power it draws now, W (the same the API reports). */
    powerW,
    setHostile(mode: AxeosHostile) {
      state.hostile = mode;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type AxeosSim = Awaited<ReturnType<typeof startAxeosSim>>;

function round(x: number, digits: number) {
  const m = 10 ** digits;
  return Math.round(x * m) / m;
}
