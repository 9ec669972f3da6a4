import net from 'node:net';
import {
  DeviceError,
  type DeviceAdapter,
  type DeviceAddress,
  type DeviceIo,
  type DeviceLevel,
  type DeviceTelemetry,
} from './types.ts';

/**
 * The cgminer API (TCP 4028), as cgminer's API-README describes it and as Canaan's Avalon Nano 3,
 * Nano 3s and Mini 3 heaters speak it:
 *
 * - One command per connection: the client writes `{"command":"estats","parameter":"..."}`, the
 *   server writes one JSON object followed by a NUL byte and closes.
 * - Every reply carries `STATUS: [{STATUS, When, Code, Msg, Description}]`; STATUS is S (success),
 *   I (info), W (warning), E (error) or F (fatal). Code 45 is "Access denied to '<cmd>' command":
 *   the client is not in `--api-allow` with W: (privileged) access.
 * - Canaan's extensions go through the privileged `ascset` with parameter `0,<option>,<value>`:
 *   `softoff,1:<unix s>` / `softon,1:<unix s>` schedule a soft power-off/-on at that time;
 *   `workmode,set,<n>` and `worklevel,set,<n>` pick the model's modes and levels (below).
 * - Telemetry lives in `estats`: STATS[0]["MM ID0"] is one string of `Key[value]` fields.
 *
 * Field meanings, from the open-source readers of real devices (cited where used): pyasic
 * (UpstreamData/pyasic, pyasic/miners/backends/avalonminer.py and .../nano/nano3.py, with a real
 * A1566 estats fixture in tests/miners_tests/backends_tests/avalonminer_tests/), Canaan-miner
 * integrations for Home Assistant, and asic-rs. cgminer's own message codes: api.c.
 */

const LABEL = 'cgminer API';

/** A soft-off/-on is scheduled this far ahead (s), as pyasic and the Home Assistant integrations do. */
const SOFT_LEAD_S = 5;

/** cgminer's MSG_ACCDENY (api.c): the command is privileged and the client is not allowed it. */
const ACCESS_DENIED = 45;

export type CgminerStatus = { STATUS: string; Code: number; Msg: string; Description?: string };
export type CgminerReply = Record<string, unknown> & { STATUS: CgminerStatus[] };

type CallOptions = {
  /** When the whole method must be done (ms since epoch, process clock). */
  deadline: number;
  /** Some Avalon firmware closes without a reply after `softon` (below): accept that as done. */
  silentCloseOk?: boolean;
};

/**
 * One command on one connection. Resolves with the reply's object (null only where
 * `silentCloseOk` and the server closed without a byte), or rejects with a DeviceError saying what
 * happened: no connection, no reply in time, too many bytes, not a cgminer reply, or refused.
 */
export function cgminerCommand(
  address: DeviceAddress,
  io: DeviceIo,
  command: string,
  parameter?: string,
  options: CallOptions = { deadline: Date.now() + io.timeoutMs },
): Promise<CgminerReply | null> {
  const where = `${address.host}:${address.port}`;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    let localAddress: string | undefined;
    const socket = net.connect({ host: address.host, port: address.port });
    const finish = (err: DeviceError | null, value?: CgminerReply | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      io.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      if (err) reject(err);
      else resolve(value ?? null);
    };
    const left = Math.max(0, options.deadline - Date.now());
    const timer = setTimeout(() => {
      finish(
        new DeviceError(
          'unreachable',
          size === 0
            ? `${where} did not answer '${command}' within ${io.timeoutMs} ms: check the device is on and its API port is ${address.port}`
            : `${where} sent ${size} bytes for '${command}' but no end of reply (NUL) within ${io.timeoutMs} ms: is this a cgminer API?`,
        ),
      );
    }, left);
    const onAbort = () => finish(new DeviceError('unreachable', `'${command}' to ${where} was cancelled`));
    if (io.signal?.aborted) return onAbort();
    io.signal?.addEventListener('abort', onAbort, { once: true });

    socket.on('connect', () => {
      localAddress = socket.localAddress;
      const request = parameter === undefined ? { command } : { command, parameter };
      socket.write(JSON.stringify(request));
    });
    socket.on('data', (chunk: Buffer) => {
      const nul = chunk.indexOf(0);
      const part = nul >= 0 ? chunk.subarray(0, nul) : chunk;
      size += part.length;
      // Stop reading past the limit: a device that floods is dropped, not buffered.
      if (size > io.maxReplyBytes) {
        return finish(
          new DeviceError(
            'protocol',
            `${where} sent more than ${io.maxReplyBytes} bytes for '${command}': not a cgminer reply Hearth can take; check what listens on port ${address.port}`,
          ),
        );
      }
      chunks.push(part);
      if (nul >= 0) settle();
    });
    // cgminer closes after the NUL; a close before it is read as whatever arrived (below).
    socket.on('end', () => settle());
    socket.on('close', () => settle());
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // A server that closes with our request unread resets the connection: once connected, that is
      // the same as closing without (the rest of) a reply.
      if (localAddress !== undefined && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) return settle();
      finish(
        new DeviceError(
          'unreachable',
          `Cannot reach ${where} (${err.code ?? err.message}): check the device is on the network and its cgminer API is enabled on port ${address.port}`,
        ),
      );
    });

    function settle() {
      if (settled) return;
      const text = Buffer.concat(chunks).toString('utf8').trim();
      if (text === '') {
        if (options.silentCloseOk) return finish(null, null);
        return finish(
          new DeviceError(
            'protocol',
            `${where} closed the connection without replying to '${command}': check that port ${address.port} is the device's cgminer API`,
          ),
        );
      }
      // A reply without its NUL is accepted when the server closed after a whole JSON object: the
      // NUL only marks the end, and nothing can follow a close.
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return finish(
          new DeviceError(
            'protocol',
            `${where} answered '${command}' with something that is not JSON: ${snippet(text)}`,
          ),
        );
      }
      const status = statusOf(parsed);
      if (!status) {
        return finish(
          new DeviceError('protocol', `${where} answered '${command}' without a cgminer STATUS: ${snippet(text)}`),
        );
      }
      if (status.STATUS === 'E' || status.STATUS === 'F') {
        if (status.Code === ACCESS_DENIED) return finish(refusal(where, command, status, localAddress));
        return finish(
          new DeviceError(
            'protocol',
            `${where} refused '${command}${parameter === undefined ? '' : `|${parameter}`}' (code ${status.Code}: ${status.Msg}); the device may not support it`,
          ),
        );
      }
      finish(null, parsed as CgminerReply);
    }
  });
}

function refusal(where: string, command: string, status: CgminerStatus, local: string | undefined): DeviceError {
  const me = local?.replace(/^::ffff:/, '') ?? "Hearth's address";
  return new DeviceError(
    'refused',
    `${where} refused '${command}' (cgminer code ${status.Code}: ${status.Msg}): Hearth (${me}) may read the device but ` +
      `not control it. Add ${me} to the miner's API allow-list with write (W:) access: on an Avalon, in the API ` +
      `access settings of its web UI where the firmware has them; on any cgminer, start it with --api-listen ` +
      `--api-allow W:${me} (or W:<your LAN>/24)`,
  );
}

function statusOf(v: unknown): CgminerStatus | null {
  if (!isRecord(v) || !Array.isArray(v['STATUS'])) return null;
  const s: unknown = v['STATUS'][0];
  if (!isRecord(s) || typeof s['STATUS'] !== 'string' || !/^[SIWEF]$/.test(s['STATUS'])) return null;
  return {
    STATUS: s['STATUS'],
    Code: Number(s['Code']),
    Msg: String(s['Msg'] ?? ''),
    Description: String(s['Description'] ?? ''),
  };
}

/**
 * The `Key[value]` fields of an Avalon `MM ID0` string (values may hold spaces: `PS[0 0 27541 4 0
 * 3756 133]`). Newer firmware (Avalon Q) wraps them as `'STATS':{...}` under "MM ID0:Summary";
 * the same pattern reads both.
 */
export function parseMm(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\[([^\]]*)\]/g)) out.set(m[1]!, m[2]!.trim());
  return out;
}

/** The first `MM ID…` string of an estats reply, parsed; null when the device has none (plain cgminer). */
function mmOf(estats: CgminerReply): Map<string, string> | null {
  const stats = estats['STATS'];
  if (!Array.isArray(stats)) return null;
  for (const s of stats) {
    if (!isRecord(s)) continue;
    for (const [k, v] of Object.entries(s)) if (k.startsWith('MM ID') && typeof v === 'string') return parseMm(v);
  }
  return null;
}

function num(v: string | undefined): number | null {
  if (v === undefined) return null;
  const n = Number(v.split(/\s+/)[0]!.replace(/%$/, ''));
  return Number.isFinite(n) ? n : null;
}

/**
 * What one model family offers. Modes and levels as the firmware numbers them, lowest power first;
 * nominal W and H/s where Canaan publishes them, else an assumption (the label says "estimated"
 * until Hearth has measured that level on this device).
 */
type Family = {
  name: string;
  /** `ascset` option that picks a level: `worklevel` or `workmode`. */
  option: 'worklevel' | 'workmode';
  /** The estats field that holds the current level. */
  field: 'WORKLEVEL' | 'WORKMODE';
  /** The estats field of the work mode levels are offered within (Mini 3 only), and its names. */
  modeField?: 'WORKMODE';
  modes?: Record<number, string>;
  levels: { value: number; name: string; powerW: number; hashRate: number; documented: boolean }[];
};

const TH = 1e12;

const FAMILIES: Record<string, Family> = {
  // Mini 3: work mode 0 heating, 1 mining, 2 night; work level -1 Eco, 0 Super (the Home Assistant
  // Canaan integration's const.py MODE_MAP_MINI3 / LEVEL_MAP_MINI3). Canaan rates it 800 W and up
  // to 40 TH/s at Super; no figure is published for Eco, assumed 5/8 of Super.
  Mini3: {
    name: 'Avalon Mini 3',
    option: 'worklevel',
    field: 'WORKLEVEL',
    modeField: 'WORKMODE',
    modes: { 0: 'heating', 1: 'mining', 2: 'night' },
    levels: [
      { value: -1, name: 'Eco', powerW: 500, hashRate: 25 * TH, documented: false },
      { value: 0, name: 'Super', powerW: 800, hashRate: 40 * TH, documented: true },
    ],
  },
  // Nano 3s: its power steps are `workmode` 0 Low, 1 Mid, 2 High (integration's MODE_MAP_NANO3S);
  // Canaan rates High at 140 W, 6 TH/s; Low and Mid are unpublished (assumed).
  Nano3s: {
    name: 'Avalon Nano 3s',
    option: 'workmode',
    field: 'WORKMODE',
    levels: [
      { value: 0, name: 'Low', powerW: 70, hashRate: 3 * TH, documented: false },
      { value: 1, name: 'Mid', powerW: 100, hashRate: 4.5 * TH, documented: false },
      { value: 2, name: 'High', powerW: 140, hashRate: 6 * TH, documented: true },
    ],
  },
  // Nano 3: `worklevel` 0..2 (estats WORKLEVEL, no WORKMODE on firmware 24071801); Canaan rates
  // it 140 W, 4 TH/s at the top level; pyasic's set_power_limit maps <=80 W to 0, <=100 W to 1.
  Nano3: {
    name: 'Avalon Nano 3',
    option: 'worklevel',
    field: 'WORKLEVEL',
    levels: [
      { value: 0, name: 'Low', powerW: 80, hashRate: 2.3 * TH, documented: false },
      { value: 1, name: 'Mid', powerW: 100, hashRate: 2.9 * TH, documented: false },
      { value: 2, name: 'High', powerW: 140, hashRate: 4 * TH, documented: true },
    ],
  },
};

/** The family from `Ver[Mini3-25021401_…]` (case as the firmware writes it, `nano3` too). */
function familyOf(mm: Map<string, string> | null): Family | null {
  const ver = mm?.get('Ver');
  if (!ver) return null;
  const prefix = ver.split('-')[0]!.toLowerCase();
  for (const [k, f] of Object.entries(FAMILIES)) if (k.toLowerCase() === prefix) return f;
  return null;
}

type Reading = { telemetry: DeviceTelemetry; family: Family | null; mode: number | null; levelValue: number | null };

function interpret(summary: CgminerReply, estats: CgminerReply, at: number): Reading {
  const mm = mmOf(estats);
  const family = familyOf(mm);
  const sum = Array.isArray(summary['SUMMARY']) && isRecord(summary['SUMMARY'][0]) ? summary['SUMMARY'][0] : {};
  const f = (k: string) => {
    const v = sum[k];
    const n = typeof v === 'string' ? Number(v) : v;
    return typeof n === 'number' && Number.isFinite(n) ? n : null;
  };

  // Wall power: PS[6], W. pyasic reads PS[6] as the Nano 3s wattage (nano3.py _get_wattage), and in
  // its A1566 fixture PS[0 1209 1187 297 3526 1188 3731] sits beside WALLPOWER[3731]; the Home
  // Assistant integration reads the last PS value as W on the Mini 3 (PS[... 2090 839]) and the
  // Nano 3s (PS[0 0 27458 4 0 3990 130]). MPO is the power limit, not a measurement (A1566:
  // MPO[3515] while drawing 3731 W).
  const ps = mm?.get('PS')?.split(/\s+/).map(Number);
  let powerW: number | null = ps && ps.length >= 7 && Number.isFinite(ps[6]) ? ps[6]! : null;
  powerW ??= num(mm?.get('WALLPOWER'));

  // Hash rate: GHSspd (GH/s, the current speed; 0.00 while soft-off, per a real idle Avalon Q
  // reading) where the firmware has it, else the summary's MHS (MH/s).
  const ghs = num(mm?.get('GHSspd'));
  const mhs = f('MHS 5s') ?? f('MHS 1m') ?? f('MHS av');
  const hashRate = ghs !== null ? ghs * 1e9 : mhs !== null ? mhs * 1e6 : null;

  // The hottest chip or board reading; -273 means "no sensor" (Nano 3s ITemp[-273]) and an idle
  // board reports TMax[0], so only real readings count.
  const temps = ['TMax', 'MTmax', 'HBTemp', 'HBOTemp', 'OTemp']
    .map((k) => num(mm?.get(k)))
    .filter((t): t is number => t !== null && t > -200 && t !== 0);
  const tempC = temps.length ? Math.max(...temps) : null;

  // Soft-off: SoftOFF is 0 while working (Nano 3s, A1566) and non-zero when off (Avalon Q idle:
  // SoftOFF[4] with SYSTEMSTATU[Work: In Idle, …]).
  const soft = num(mm?.get('SoftOFF'));
  const sys = mm?.get('SYSTEMSTATU') ?? '';
  const state: DeviceTelemetry['state'] =
    (soft !== null && soft !== 0) || /In Idle/.test(sys)
      ? 'paused'
      : /In Work/.test(sys) || (hashRate ?? 0) > 0
        ? 'running'
        : 'unknown';

  const levelValue = family ? num(mm?.get(family.field)) : null;
  const mode = family?.modeField ? num(mm?.get(family.modeField)) : null;
  const index = family && levelValue !== null ? family.levels.findIndex((l) => l.value === levelValue) : -1;
  const ver = mm?.get('Ver');
  const status = statusOf(summary);
  const model = family
    ? `${family.name}, firmware ${ver!.split('-').slice(1).join('-')}`
    : (status?.Description ?? null) || null;

  return {
    telemetry: {
      at,
      powerW,
      powerSource: powerW === null ? null : 'measured',
      hashRate,
      tempC,
      state,
      model,
      accepted: f('Accepted'),
      rejected: f('Rejected'),
      level: index >= 0 ? index : null,
    },
    family,
    mode,
    levelValue,
  };
}

export type CgminerAdapterOptions = {
  /** ms since epoch; the soft-off/-on timestamps are the device's clock in unix seconds. */
  now?: () => number;
};

/**
 * The adapter; it remembers the wall power it measured at each mode and level of each device, so
 * `levels()` offers measured values where it has seen them (per process, not stored).
 */
export function createCgminerAdapter(options: CgminerAdapterOptions = {}): DeviceAdapter {
  const now = options.now ?? Date.now;
  const measured = new Map<string, { powerW: number; hashRate: number }>();
  const key = (a: DeviceAddress, mode: number | null, level: number) => `${a.host}:${a.port}/${mode ?? ''}/${level}`;
  const deadlineOf = (io: DeviceIo) => ({ deadline: Date.now() + io.timeoutMs });

  async function readAll(address: DeviceAddress, io: DeviceIo, call: CallOptions): Promise<Reading> {
    // One command per connection and the firmware serves one at a time: in turn, not at once.
    const summary = (await cgminerCommand(address, io, 'summary', undefined, call))!;
    const estats = (await cgminerCommand(address, io, 'estats', undefined, call))!;
    const r = interpret(summary, estats, now());
    const t = r.telemetry;
    if (r.family && r.levelValue !== null && t.state === 'running' && t.powerW !== null && t.hashRate !== null)
      measured.set(key(address, r.mode, r.levelValue), { powerW: t.powerW, hashRate: t.hashRate });
    return r;
  }

  function levelsOf(address: DeviceAddress, r: Reading): DeviceLevel[] {
    if (!r.family) return [];
    const f = r.family;
    const modeName = f.modes && r.mode !== null ? f.modes[r.mode] : undefined;
    return f.levels.map((l) => {
      const seen = measured.get(key(address, r.mode, l.value));
      const name = `${f.option === 'workmode' ? 'work mode' : 'work level'} ${l.name}${modeName ? ` (${modeName} mode)` : ''}`;
      if (seen) return { powerW: seen.powerW, hashRate: seen.hashRate, label: `${name}, measured` };
      return {
        powerW: l.powerW,
        hashRate: l.hashRate,
        label: `${name}, estimated (${l.documented ? "Canaan's rating" : 'no published figure'})`,
      };
    });
  }

  /** An ascset that took: S ("ASC 0 set OK") or I ("ASC 0 set info: success …"); W is a no. */
  async function ascset(address: DeviceAddress, io: DeviceIo, parameter: string, call: CallOptions) {
    const reply = await cgminerCommand(address, io, 'ascset', `0,${parameter}`, call);
    const s = reply && statusOf(reply);
    if (s && s.STATUS === 'W') {
      throw new DeviceError(
        'protocol',
        `${address.host}:${address.port} did not take 'ascset|0,${parameter}' (code ${s.Code}: ${s.Msg}): it has no Avalon controls; Hearth can read it but not pause it or set its power`,
      );
    }
  }

  const softTs = () => Math.floor(now() / 1000) + SOFT_LEAD_S;

  return {
    kind: 'cgminer',
    label: LABEL,
    defaultPort: 4028,

    async probe(address, io) {
      try {
        const v = await cgminerCommand(address, io, 'version', undefined, deadlineOf(io));
        return Array.isArray(v?.['VERSION']);
      } catch (err) {
        if (err instanceof DeviceError) return false;
        throw err;
      }
    },

    async read(address, io) {
      return (await readAll(address, io, deadlineOf(io))).telemetry;
    },

    async levels(address, io) {
      return levelsOf(address, await readAll(address, io, deadlineOf(io)));
    },

    async apply(address, io, level) {
      const call = deadlineOf(io);
      const r = await readAll(address, io, call);
      const offered = levelsOf(address, r);
      const step = r.family?.levels[level];
      if (!r.family || !step || !offered[level]) {
        throw new DeviceError(
          'protocol',
          r.family
            ? `${address.host}:${address.port} (${r.family.name}) has levels 0..${offered.length - 1}, not ${level}: read its levels again`
            : `${address.host}:${address.port} is a cgminer device without Avalon work levels: Hearth can read it but not set its power`,
        );
      }
      if (r.telemetry.state === 'paused')
        await ascset(address, io, `softon,1:${softTs()}`, { ...call, silentCloseOk: true });
      await ascset(address, io, `${r.family.option},set,${step.value}`, call);
    },

    async pause(address, io) {
      await ascset(address, io, `softoff,1:${softTs()}`, deadlineOf(io));
    },

    async resume(address, io) {
      // An AvalonMiner 1466 answers `softon` by closing without a reply (asic-rs pull request
      // "Fix pause/resume response handling", verified on a live device): done, not an error.
      await ascset(address, io, `softon,1:${softTs()}`, { ...deadlineOf(io), silentCloseOk: true });
    },
  };
}

export const cgminerAdapter = createCgminerAdapter() satisfies DeviceAdapter;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function snippet(text: string): string {
  const one = text.replace(/[^\x20-\x7e]+/g, ' ').trim();
  return one.length > 120 ? `${one.slice(0, 120)}…` : one || '(empty)';
}
