import { deadline, httpRequest, snippet } from './http.ts';
import {
  DeviceError,
  type DeviceAdapter,
  type DeviceAddress,
  type DeviceIo,
  type DeviceLevel,
  type DeviceTelemetry,
} from './types.ts';

/**
 * AxeOS: the HTTP API of ESP-Miner, the firmware of Bitaxe and NerdQAxe boards
 * (github.com/bitaxeorg/ESP-Miner, main/http_server/http_server.c and openapi.yaml). What this
 * adapter relies on, and the firmware's ways that shape it:
 *
 * - No authentication. Instead the firmware answers 401 to any client (or Origin) outside
 *   10/8, 172.16/12 and 192.168/16, so Hearth must run on the device's LAN; we send no Origin.
 * - GET /api/system/info: power W, hashRate GH/s (not H/s), temp/temp2/vrTemp °C, and
 *   `frequency` MHz / `coreVoltage` mV are the STORED settings, not the running ones
 *   (actualFrequency, coreVoltageActual are).
 * - PATCH /api/system {frequency, coreVoltage} stores the settings and answers 200 with an empty
 *   body; the power-management loop applies them on its next pass (since v2.2.0): no restart.
 *   Every field is range-checked only against 1..65535, so the safe range is ours to keep.
 * - GET /api/system/asic (since v2.7.0): frequencyOptions / voltageOptions and the defaults.
 * - POST /api/system/pause and /resume exist since v2.14.0 (info then carries `miningPaused`);
 *   a restart clears the pause. Older firmware has no pause: there we run the lowest step.
 */

const LABEL = 'AxeOS';
/** What a reply too big or not HTTP says of the peer. */
const NOT_AXEOS = 'it is not an AxeOS device, or it is failing';

/**
 * Per-ASIC options for firmware older than v2.7.0 (no /api/system/asic): ESP-Miner
 * main/device_config.h (5c27713, 2026-08), the options its own settings page offers.
 */
const ASIC_TABLE: Record<string, AsicOptions> = {
  BM1397: {
    frequencyOptions: [400, 425, 450, 475, 485, 500, 525, 550, 575, 600],
    voltageOptions: [1100, 1150, 1200, 1250, 1300, 1350, 1400, 1450, 1500],
    defaultFrequency: 425,
    defaultVoltage: 1400,
    asicCount: 1,
  },
  BM1366: {
    frequencyOptions: [400, 425, 450, 475, 485, 500, 525, 550, 575],
    voltageOptions: [1100, 1150, 1200, 1250, 1300],
    defaultFrequency: 485,
    defaultVoltage: 1200,
    asicCount: 1,
  },
  BM1368: {
    frequencyOptions: [400, 425, 450, 475, 485, 490, 500, 525, 550, 575],
    voltageOptions: [1100, 1150, 1166, 1200, 1250, 1300],
    defaultFrequency: 490,
    defaultVoltage: 1166,
    asicCount: 1,
  },
  BM1370: {
    frequencyOptions: [400, 490, 525, 550, 600, 625],
    voltageOptions: [1000, 1060, 1100, 1150, 1200, 1250],
    defaultFrequency: 525,
    defaultVoltage: 1150,
    asicCount: 1,
  },
};

/** Small cores per chip, for the firmware's own expected rate (device_config.h). */
const SMALL_CORES: Record<string, number> = { BM1397: 672, BM1366: 894, BM1368: 1276, BM1370: 2040 };

type AsicOptions = {
  /** MHz */
  frequencyOptions: number[];
  /** mV */
  voltageOptions: number[];
  defaultFrequency: number;
  defaultVoltage: number;
  asicCount: number;
};

/** What we read of /api/system/info. */
type Info = {
  powerW: number | null;
  hashRateGh: number | null;
  temps: number[];
  /** Stored settings, MHz and mV. */
  frequency: number | null;
  coreVoltage: number | null;
  /** What runs now (the loop applies stored settings within a pass), MHz and measured mV. */
  actualFrequency: number | null;
  coreVoltageActual: number | null;
  /** null: the firmware has no pause (older than v2.14.0). */
  miningPaused: boolean | null;
  asicModel: string | null;
  boardVersion: string | null;
  version: string | null;
  smallCoreCount: number | null;
  /** Chips on the board; in info before v2.7.0 only (later in /api/system/asic). */
  asicCount: number | null;
  maxPowerW: number | null;
  accepted: number | null;
  rejected: number | null;
};

/** One step: its setting and its estimate. */
type Step = { frequency: number; coreVoltage: number; level: DeviceLevel };

export const axeosAdapter: DeviceAdapter = {
  kind: 'axeos',
  label: LABEL,
  defaultPort: 80,

  async probe(address, io) {
    try {
      const info = await bounded(io, (signal) => getInfo(address, io, signal));
      return info.asicModel !== null && info.version !== null;
    } catch {
      return false;
    }
  },

  read(address, io) {
    return bounded(io, async (signal) => {
      const [info, options] = await Promise.all([getInfo(address, io, signal), getOptions(address, io, signal)]);
      const at = Date.now();
      const o = options ?? (info.asicModel ? ASIC_TABLE[info.asicModel] : undefined);
      const steps = o ? stepsFor(info, o) : [];
      const index = steps.findIndex((s) => s.frequency === info.frequency && s.coreVoltage === info.coreVoltage);
      const running = info.miningPaused === false || (info.miningPaused === null && (info.hashRateGh ?? 0) > 0);
      return {
        at,
        powerW: info.powerW,
        powerSource: info.powerW === null ? null : 'measured',
        hashRate: info.hashRateGh === null ? null : info.hashRateGh * 1e9,
        tempC: info.temps.length ? Math.max(...info.temps) : null,
        state: info.miningPaused === true ? 'paused' : running ? 'running' : 'unknown',
        model: modelName(info),
        accepted: info.accepted,
        rejected: info.rejected,
        level: index >= 0 ? index : null,
      } satisfies DeviceTelemetry;
    });
  },

  levels(address, io) {
    return bounded(io, async (signal) => {
      const [info, options] = await Promise.all([getInfo(address, io, signal), getOptions(address, io, signal)]);
      return requireSteps(address, info, options).map((s) => s.level);
    });
  },

  apply(address, io, level) {
    return bounded(io, async (signal) => {
      const [info, options] = await Promise.all([getInfo(address, io, signal), getOptions(address, io, signal)]);
      const steps = requireSteps(address, info, options);
      const step = steps[level];
      if (!Number.isInteger(level) || !step)
        throw new DeviceError('refused', `AxeOS at ${where(address)} has levels 0..${steps.length - 1}, not ${level}`);
      await setStep(address, io, signal, step);
      if (info.miningPaused === true) await post(address, io, signal, '/api/system/resume');
    });
  },

  pause(address, io) {
    return bounded(io, async (signal) => {
      const info = await getInfo(address, io, signal);
      if (info.miningPaused !== null) {
        await post(address, io, signal, '/api/system/pause');
        return;
      }
      // No pause before v2.14.0: the lowest step is the least power this firmware offers without a
      // power cycle (the ASIC keeps hashing, slowly).
      const options = await getOptions(address, io, signal);
      const lowest = requireSteps(address, info, options)[0]!;
      await setStep(address, io, signal, lowest);
    });
  },

  resume(address, io) {
    return bounded(io, async (signal) => {
      const info = await getInfo(address, io, signal);
      if (info.miningPaused !== null) {
        await post(address, io, signal, '/api/system/resume');
        return;
      }
      // Without a pause endpoint, "paused" was the lowest step: resume at the ASIC's defaults.
      const options = await getOptions(address, io, signal);
      const steps = requireSteps(address, info, options);
      const opts = options ?? ASIC_TABLE[info.asicModel ?? '']!;
      const stock = steps.find((s) => s.frequency === opts.defaultFrequency) ?? steps[steps.length - 1]!;
      await setStep(address, io, signal, stock);
    });
  },
};

/**
 * Steps from the lowest frequency option to the ASIC's default (stock) frequency: above the
 * default is overclocking, which the firmware's UI hides behind an explicit opt-in. The voltage
 * for each rises linearly from the lowest voltage option at the lowest frequency to the default
 * voltage at the default frequency, rounded UP to an option (never under-volt a frequency).
 *
 * Power is estimated: the measured power at the stored setting scaled by f·V² (CMOS dynamic
 * power); it ignores the board's fixed share (ESP32, fan), so low steps read a little low. While
 * paused the measurement says nothing of hashing, so the rated maximum (`maxPower`) at the top
 * option stands in, labelled as such.
 */
function stepsFor(info: Info, o: AsicOptions): Step[] {
  const fs = [...o.frequencyOptions].sort((a, b) => a - b);
  const vs = [...o.voltageOptions].sort((a, b) => a - b);
  const fMin = fs[0]!;
  const vMin = vs[0]!;
  const chosen = fs.filter((f) => f <= o.defaultFrequency);
  const cores = info.smallCoreCount ?? SMALL_CORES[info.asicModel ?? ''] ?? 0;

  let anchor: { f: number; v: number; w: number; how: string } | null = null;
  const measured = info.powerW !== null && info.powerW > 0 && info.miningPaused !== true;
  // the power was measured at what runs, which lags the stored setting for one loop pass
  const f0 = positive(info.actualFrequency) ?? info.frequency;
  const v0 = positive(info.coreVoltageActual) ?? info.coreVoltage;
  if (measured && f0 && v0) anchor = { f: f0, v: v0, w: info.powerW!, how: 'est. from measured' };
  else if (info.maxPowerW)
    anchor = { f: fs[fs.length - 1]!, v: vs[vs.length - 1]!, w: info.maxPowerW, how: 'est. from rated max' };

  return chosen.map((f) => {
    const want =
      o.defaultFrequency === fMin
        ? o.defaultVoltage
        : vMin + ((o.defaultVoltage - vMin) * (f - fMin)) / (o.defaultFrequency - fMin);
    const v = f === o.defaultFrequency ? o.defaultVoltage : (vs.find((x) => x >= want - 1e-9) ?? o.defaultVoltage);
    const powerW = anchor ? (anchor.w * (f * v * v)) / (anchor.f * anchor.v * anchor.v) : 0;
    return {
      frequency: f,
      coreVoltage: v,
      level: {
        powerW: Math.round(powerW * 100) / 100,
        hashRate: f * 1e6 * cores * o.asicCount,
        label: `${f} MHz / ${v} mV (${anchor ? `${anchor.how}` : 'power unknown'})`,
      },
    };
  });
}

const positive = (x: number | null) => (x !== null && x > 0 ? x : null);

function requireSteps(address: DeviceAddress, info: Info, options: AsicOptions | null): Step[] {
  const o = options ?? (info.asicModel ? ASIC_TABLE[info.asicModel] : undefined);
  if (!o)
    throw new DeviceError(
      'protocol',
      `AxeOS at ${where(address)} has ASIC ${info.asicModel ?? '(not named)'}, whose safe frequency/voltage steps Hearth does not know, and its firmware has no /api/system/asic: update AxeOS to v2.7.0 or later`,
    );
  const steps = stepsFor(info, { ...o, asicCount: options?.asicCount ?? positive(info.asicCount) ?? o.asicCount });
  if (steps.length === 0)
    throw new DeviceError(
      'protocol',
      `AxeOS at ${where(address)} lists no frequency at or under its default: check its firmware`,
    );
  return steps;
}

async function setStep(address: DeviceAddress, io: DeviceIo, signal: AbortSignal, step: Step) {
  await request(address, io, signal, 'PATCH', '/api/system', {
    frequency: step.frequency,
    coreVoltage: step.coreVoltage,
  });
}

async function post(address: DeviceAddress, io: DeviceIo, signal: AbortSignal, path: string) {
  await request(address, io, signal, 'POST', path);
}

async function getInfo(address: DeviceAddress, io: DeviceIo, signal: AbortSignal): Promise<Info> {
  const body = await json(address, io, signal, '/api/system/info');
  const num = (k: string) => (typeof body[k] === 'number' && Number.isFinite(body[k]) ? body[k] : null);
  const str = (k: string) => (typeof body[k] === 'string' ? body[k] : null);
  if (num('hashRate') === null && num('power') === null)
    throw new DeviceError(
      'protocol',
      `${where(address)} answered /api/system/info without power or hashRate: it is not an AxeOS device, or its firmware is too old`,
    );
  // temp reads -1 while the ASIC is powered down (paused), temp2 is -1 / 0 on one-sensor boards
  const temps = ['temp', 'temp2', 'vrTemp'].map(num).filter((t): t is number => t !== null && t > 0);
  return {
    powerW: num('power'),
    hashRateGh: num('hashRate'),
    temps,
    frequency: num('frequency'),
    coreVoltage: num('coreVoltage'),
    actualFrequency: num('actualFrequency'),
    coreVoltageActual: num('coreVoltageActual'),
    miningPaused: typeof body['miningPaused'] === 'boolean' ? body['miningPaused'] : null,
    asicModel: str('ASICModel'),
    boardVersion: str('boardVersion'),
    version: str('version'),
    smallCoreCount: num('smallCoreCount'),
    asicCount: num('asicCount'),
    maxPowerW: num('maxPower'),
    accepted: num('sharesAccepted'),
    rejected: num('sharesRejected'),
  };
}

/** /api/system/asic, or null where the firmware predates it (404). */
async function getOptions(address: DeviceAddress, io: DeviceIo, signal: AbortSignal): Promise<AsicOptions | null> {
  let body: Record<string, unknown>;
  try {
    body = await json(address, io, signal, '/api/system/asic');
  } catch (err) {
    if (err instanceof NotFound) return null;
    throw err;
  }
  const nums = (k: string) =>
    Array.isArray(body[k]) ? (body[k] as unknown[]).filter((x): x is number => typeof x === 'number' && x > 0) : [];
  const f = nums('frequencyOptions');
  const v = nums('voltageOptions');
  const fDef = body['defaultFrequency'];
  const vDef = body['defaultVoltage'];
  if (!f.length || !v.length || typeof fDef !== 'number' || typeof vDef !== 'number')
    throw new DeviceError(
      'protocol',
      `AxeOS at ${where(address)} sent /api/system/asic without frequency/voltage options: check its firmware`,
    );
  const count = body['asicCount'];
  return {
    frequencyOptions: f,
    voltageOptions: v,
    defaultFrequency: fDef,
    defaultVoltage: vDef,
    asicCount: typeof count === 'number' && count > 0 ? count : 1,
  };
}

function modelName(info: Info): string | null {
  if (!info.asicModel && !info.version) return null;
  const board = info.boardVersion ? ` board ${info.boardVersion}` : '';
  return `${info.asicModel ?? 'AxeOS device'}${board}, AxeOS ${info.version ?? '(unknown version)'}`;
}

/** A 404: the firmware lacks the route (older version) or this is not AxeOS. Callers may fall back. */
class NotFound extends DeviceError {}

async function json(
  address: DeviceAddress,
  io: DeviceIo,
  signal: AbortSignal,
  path: string,
): Promise<Record<string, unknown>> {
  const text = await request(address, io, signal, 'GET', path);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new DeviceError(
      'protocol',
      `${where(address)} sent something other than JSON for ${path} (${snippet(text)}): it is not an AxeOS device, or it is failing`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new DeviceError('protocol', `${where(address)} sent ${snippet(text)} for ${path}, not a JSON object`);
  return value as Record<string, unknown>;
}

/**
 * One deadline for all requests of one adapter call, joined with the caller's signal; when the
 * call ends (one of two parallel requests failed, say) whatever it still has open is dropped.
 */
async function bounded<T>(io: DeviceIo, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const done = new AbortController();
  try {
    return await run(deadline(io, done.signal));
  } finally {
    done.abort();
  }
}

/** One request within the call's signal; a non-2xx answer becomes the DeviceError it means. Returns the body (empty for PATCH). */
async function request(
  address: DeviceAddress,
  io: DeviceIo,
  signal: AbortSignal,
  method: string,
  path: string,
  body?: unknown,
): Promise<string> {
  const r = await httpRequest(address, io, { method, path, body, signal, label: LABEL, hint: NOT_AXEOS });
  if (r.status >= 200 && r.status < 300) return r.text;
  throw httpError(`${where(address)} (${method} ${path})`, r.status, r.text);
}

function httpError(at: string, status: number, text: string): Error {
  if (status === 401 || status === 403)
    return new DeviceError(
      'refused',
      `AxeOS at ${at} refused Hearth (HTTP ${status}): its firmware only answers clients in private networks (10.x, 172.16-31.x, 192.168.x); run Hearth on the device's LAN`,
    );
  if (status === 404)
    return new NotFound(
      'protocol',
      `AxeOS at ${at} answered 404 (${snippet(text)}): it is not an AxeOS device, or its firmware predates this route; update AxeOS`,
    );
  if (status === 400)
    return new DeviceError(
      'refused',
      `AxeOS at ${at} rejected the request (HTTP 400 ${snippet(text)}): its firmware may not accept these settings; check them in AxeOS`,
    );
  return new DeviceError(
    'protocol',
    `AxeOS at ${at} answered HTTP ${status} (${snippet(text)}): it may be restarting or failing; Hearth retries later`,
  );
}

function where(a: DeviceAddress) {
  return `${a.host}:${a.port}`;
}
