/**
 * A cgminer API server over real TCP for tests, written from cgminer's API-README and api.c and
 * from what Canaan's Avalon heaters send (real replies quoted in pyasic's fixtures, the Home
 * Assistant Canaan integrations and asic-rs), not from Hearth's adapter:
 *
 * - One command per connection: the server reads one JSON request, writes one JSON object and a
 *   NUL byte, and closes. A request that is not JSON gets cgminer's code 14, "Invalid command".
 * - STATUS as cgminer builds it: {STATUS, When (unix s), Code, Msg, Description}, with api.c's
 *   codes: 22 version, 11 summary, 9 devs, 7 pools, 70 stats; ascset 119 "ASC 0 set OK" (S),
 *   118 "ASC 0 set info: …" (I), 120 "ASC 0 set failed: …" (E); 45 "Access denied to '<cmd>'
 *   command" (E) for a privileged command from a client outside `--api-allow W:`.
 * - Canaan's ascset: `0,softoff,1:<ts>` / `0,softon,1:<ts>` schedule an off/on at the device's
 *   clock time `ts` (s), answered "ASC 0 set info: success softoff:<ts>"; `0,workmode,set,<n>`,
 *   `0,worklevel,set,<n>`. Quirk `softonSilent`: an AvalonMiner 1466 closes without a reply to
 *   softon (asic-rs, verified on a live device).
 * - estats: STATS[0] is {STATS:0, ID:'AVALON0', Elapsed, Calls, Wait, Max, Min, 'MM ID0': '…'}
 *   with the MM string in the field order of real Nano 3s / Mini 3 readings. Power, hash rate and
 *   temperatures follow the work mode and level and the soft-off state.
 */
import net from 'node:net';

/** `generic`: a plain cgminer whose ASC driver has no Avalon extensions (no MM string, no ascset). */
export type SimModel = 'Mini3' | 'Nano3s' | 'Nano3' | 'generic';

/** Wall power (W) and speed (TH/s) of each mode/level on this simulated device. */
type Step = { powerW: number; ths: number };

/**
 * The simulated devices' own figures (not the adapter's nominal table): the Mini 3's heating/Super
 * 839 W and the Nano 3s's High 133 W / 6.6 TH/s are real readings; the rest are plausible.
 */
const STEPS: Record<SimModel, (mode: number, level: number) => Step | null> = {
  Mini3: (mode, level) => {
    const table: Record<number, Record<number, Step>> = {
      0: { 0: { powerW: 839, ths: 39.2 }, [-1]: { powerW: 560, ths: 27.1 } },
      1: { 0: { powerW: 812, ths: 40.1 }, [-1]: { powerW: 545, ths: 27.8 } },
      2: { 0: { powerW: 430, ths: 21.5 }, [-1]: { powerW: 310, ths: 15.2 } },
    };
    return table[mode]?.[level] ?? null;
  },
  Nano3s: (mode) =>
    [
      { powerW: 72, ths: 3.4 },
      { powerW: 101, ths: 4.9 },
      { powerW: 133, ths: 6.6 },
    ][mode] ?? null,
  Nano3: (_mode, level) =>
    [
      { powerW: 66, ths: 2.1 },
      { powerW: 94, ths: 3.0 },
      { powerW: 138, ths: 4.1 },
    ][level] ?? null,
  generic: () => ({ powerW: 0, ths: 0.33 }),
};

/** Standby draw while soft-off, W (controller and Wi-Fi only). */
const STANDBY_W = 6;

const PRIVILEGED = new Set(['ascset', 'restart', 'quit', 'switchpool', 'addpool', 'enablepool', 'disablepool']);

export type CgminerSimOptions = {
  /** A loopback address, 127.0.0.x; default 127.0.0.1. */
  host?: string;
  model?: SimModel;
  /** Whether the client is in `--api-allow W:` (privileged commands allowed). */
  privileged?: boolean;
  softonSilent?: boolean;
  /** The device's clock, ms since epoch. */
  now?: () => number;
};

export type Received = { command: string; parameter: string | undefined; at: number };

export type CgminerSimState = {
  model: SimModel;
  workmode: number;
  worklevel: number;
  /** Scheduled soft-off/-on times (unix s), the last of each kind. */
  softOffAt: number | null;
  softOnAt: number | null;
  accepted: number;
  rejected: number;
};

export async function startCgminerSim(options: CgminerSimOptions = {}) {
  const model = options.model ?? 'Mini3';
  const now = options.now ?? Date.now;
  const started = now();
  let privileged = options.privileged ?? true;
  const received: Received[] = [];
  const state: CgminerSimState = {
    model,
    // A Mini 3 out of the box heats at Super; a Nano 3s runs at High; a Nano 3 at its top level.
    workmode: model === 'Nano3s' ? 2 : 0,
    worklevel: model === 'Nano3' ? 2 : 0,
    softOffAt: null,
    softOnAt: null,
    accepted: 1520,
    rejected: 3,
  };
  let calls = 0;

  /** Off when the latest scheduled event that the clock has reached is a soft-off. */
  const isOff = () => {
    const t = Math.floor(now() / 1000);
    const off = state.softOffAt !== null && state.softOffAt <= t ? state.softOffAt : -Infinity;
    const on = state.softOnAt !== null && state.softOnAt <= t ? state.softOnAt : -Infinity;
    return off > on;
  };
  const step = (): Step => STEPS[model](state.workmode, state.worklevel) ?? { powerW: 0, ths: 0 };

  const status = (letter: string, code: number, msg: string) => [
    { STATUS: letter, When: Math.floor(now() / 1000), Code: code, Msg: msg, Description: 'cgminer 4.11.1' },
  ];

  function mmString(): string {
    const off = isOff();
    const s = step();
    const ghs = off ? 0 : s.ths * 1000;
    const watts = off ? STANDBY_W : s.powerW;
    const elapsed = Math.floor((now() - started) / 1000);
    const tmax = off ? 0 : model === 'Mini3' ? 62 + Math.round(s.powerW / 60) : 70 + Math.round(s.powerW / 6);
    const tavg = off ? 0 : tmax - 5;
    const ver = {
      Mini3: 'Mini3-25021401_56abae7',
      Nano3s: 'Nano3s-25021401_56abae7',
      Nano3: 'nano3-24071801_42c628d',
      generic: 'none',
    }[model];
    const chips = model === 'Mini3' ? 66 : 12;
    const work = off ? 'Work: In Idle, Hash Board: 1' : 'Work: In Work, Hash Board: 1';
    const fields = [
      `Ver[${ver}]`,
      `LVer[${ver.split('-')[1]}]`,
      `BVer[${ver.split('-')[1]}]`,
      'FW[Release]',
      'DNA[02010000bd448216]',
      'MEMFREE[63728]',
      'NETFAIL[0 0 0 0 0 0 0 0]',
      `SYSTEMSTATU[${work}]`,
      `Elapsed[${elapsed}]`,
      'BOOTBY[0x01.00000000]',
      'LW[7753951]',
      'MH[0]',
      'DHW[0]',
      'HW[0]',
      'DH[2.374%]',
      'ITemp[-273]',
      `OTemp[${off ? 24 : 41}]`,
      `TMax[${tmax}]`,
      `TAvg[${tavg}]`,
      'TarT[90]',
      `Fan1[${off ? 0 : 1520}]`,
      `FanR[${off ? 0 : 33}%]`,
      // Index 6 is the wall power in W; the others as a Nano 3s sends them.
      `PS[0 0 27541 4 0 3756 ${watts}]`,
      `GHSspd[${ghs.toFixed(2)}]`,
      'DHspd[2.374%]',
      `GHSmm[${(s.ths * 1030).toFixed(2)}]`,
      `GHSavg[${(s.ths * 1010).toFixed(2)}]`,
      'WU[93530.53]',
      'Freq[464.89]',
      `MGHS[${(s.ths * 1010).toFixed(2)}]`,
      `MTmax[${tmax}]`,
      `MTavg[${tavg}]`,
      `TA[${chips}]`,
      'Core[A3197S]',
      'BIN[60]',
      'PING[78]',
      `SoftOFF[${off ? 4 : 0}]`,
      'ECHU[0]',
      'ECMM[0]',
      'PLL0[499 254 423 648]',
      'SF0[432 450 471 492]',
      'CRC[0]',
      'COMCRC[0]',
      // The Nano 3 (firmware 24071801) has no WORKMODE field.
      ...(model === 'Nano3' ? [] : [`WORKMODE[${state.workmode}]`]),
      `WORKLEVEL[${state.worklevel}]`,
      `MPO[${step().powerW}]`,
      'CALIALL[7]',
      'ADJ[1]',
    ];
    return fields.join(' ');
  }

  function answer(command: string, parameter: string | undefined): Record<string, unknown> | 'silent' {
    calls++;
    const off = isOff();
    const mhs = off ? 0 : step().ths * 1e6;
    const elapsed = Math.floor((now() - started) / 1000);
    if (PRIVILEGED.has(command) && !privileged)
      return { STATUS: status('E', 45, `Access denied to '${command}' command`), id: 1 };
    switch (command) {
      case 'version':
        return {
          STATUS: status('S', 22, 'CGMiner versions'),
          VERSION: [
            {
              CGMiner: '4.11.1',
              API: '3.7',
              PROD: { Mini3: 'Avalon Mini3', Nano3s: 'Avalon Nano3s', Nano3: 'Avalonnano', generic: 'cgminer' }[model],
              MODEL: model.toLowerCase(),
              HWTYPE: 'PMMv1_X1',
              SWTYPE: model === 'Nano3' ? 'MM318_X2' : 'MM319',
              LVERSION: '25021401_56abae7',
              MAC: 'e0e1e2e3e4e5',
            },
          ],
          id: 1,
        };
      case 'summary':
        return {
          STATUS: status('S', 11, 'Summary'),
          SUMMARY: [
            {
              Elapsed: elapsed,
              'MHS av': mhs * 0.98,
              'MHS 5s': mhs,
              'MHS 1m': mhs,
              'MHS 5m': mhs,
              'MHS 15m': mhs,
              'Found Blocks': 0,
              Getworks: 812,
              Accepted: state.accepted,
              Rejected: state.rejected,
              'Hardware Errors': 0,
              Utility: 1.2,
              Discarded: 0,
              Stale: 0,
              'Local Work': 1,
              'Network Blocks': 40,
              'Total MH': mhs * elapsed,
              'Best Share': 812345,
              'Device Hardware%': 0,
              'Device Rejected%': 0.2,
              'Pool Rejected%': 0.2,
              'Last getwork': Math.floor(now() / 1000),
            },
          ],
          id: 1,
        };
      case 'devs':
        return {
          STATUS: status('S', 9, '1 ASC(s)'),
          DEVS: [
            {
              ASC: 0,
              Name: 'AVA10',
              ID: 0,
              Enabled: 'Y',
              Status: off ? 'Dead' : 'Alive',
              Temperature: 0,
              'MHS av': mhs * 0.98,
              'MHS 5s': mhs,
              'MHS 1m': mhs,
              Accepted: state.accepted,
              Rejected: state.rejected,
            },
          ],
          id: 1,
        };
      case 'pools':
        return {
          STATUS: status('S', 7, '1 Pool(s)'),
          POOLS: [
            {
              POOL: 0,
              URL: 'stratum+tcp://127.0.0.1:3333',
              Status: 'Alive',
              Priority: 0,
              'Stratum Active': !off,
              User: 'bc1qtest.heater',
              Accepted: state.accepted,
              Rejected: state.rejected,
            },
          ],
          id: 1,
        };
      case 'stats':
      case 'estats':
        return {
          STATUS: status('S', 70, 'CGMiner stats'),
          STATS: [
            {
              STATS: 0,
              ID: 'AVALON0',
              Elapsed: elapsed,
              Calls: calls,
              Wait: 0,
              Max: 0,
              Min: 99999999,
              ...(model === 'generic' ? {} : { 'MM ID0': mmString() }),
            },
          ],
          id: 1,
        };
      case 'ascset':
        return ascset(parameter);
      default:
        return { STATUS: status('E', 14, 'Invalid command'), id: 1 };
    }
  }

  function ascset(parameter: string | undefined): Record<string, unknown> | 'silent' {
    // api.c's MSG_ASCNOSET, a warning: the driver has no set options.
    if (model === 'generic') return { STATUS: status('W', 117, 'ASC 0 does not support ascset'), id: 1 };
    const failed = (why: string) => ({ STATUS: status('E', 120, `ASC 0 set failed: ${why}`), id: 1 });
    const ok = () => ({ STATUS: status('S', 119, 'ASC 0 set OK'), id: 1 });
    const [dev, option, ...rest] = (parameter ?? '').split(',');
    if (dev !== '0') return { STATUS: status('E', 107, `Invalid ASC id ${dev ?? ''}`), id: 1 };
    const soft = /^1:(\d+)$/.exec(rest.join(','));
    if (option === 'softoff' || option === 'softon') {
      if (!soft) return failed(`invalid ${option} parameter`);
      const ts = Number(soft[1]);
      if (option === 'softoff') state.softOffAt = ts;
      else state.softOnAt = ts;
      if (option === 'softon' && options.softonSilent) return 'silent';
      return { STATUS: status('I', 118, `ASC 0 set info: success ${option}:${ts}`), id: 1 };
    }
    if ((option === 'workmode' || option === 'worklevel') && rest[0] === 'set') {
      const n = Number(rest[1]);
      if (!Number.isInteger(n)) return failed(`invalid ${option} value`);
      const next = option === 'workmode' ? { ...state, workmode: n } : { ...state, worklevel: n };
      // A Nano 3 has no work modes; any other value the model does not offer is refused.
      if ((model === 'Nano3' && option === 'workmode') || !STEPS[model](next.workmode, next.worklevel))
        return failed(`Unknown option: ${option} ${n}`);
      state.workmode = next.workmode;
      state.worklevel = next.worklevel;
      return ok();
    }
    return failed(`Unknown option: ${option ?? ''}`);
  }

  const server = net.createServer((socket) => {
    let buf = '';
    socket.setEncoding('utf8');
    const handle = () => {
      socket.removeAllListeners('data');
      let command: string;
      let parameter: string | undefined;
      try {
        const req = JSON.parse(buf.replace(/\0+$/, '')) as { command?: unknown; parameter?: unknown };
        command = typeof req.command === 'string' ? req.command : '';
        parameter = req.parameter === undefined ? undefined : String(req.parameter);
      } catch {
        command = '';
      }
      received.push({ command, parameter, at: now() });
      const reply = answer(command, parameter);
      if (reply === 'silent') return void socket.end();
      socket.end(`${JSON.stringify(reply)}\0`);
    };
    socket.on('data', (chunk: string) => {
      buf += chunk;
      // cgminer takes the request from one read; a whole JSON object (or a NUL) ends it here.
      if (buf.includes('\0') || isWholeJson(buf)) handle();
      else if (buf.length > 8192) handle();
    });
    socket.on('error', () => socket.destroy());
  });
  await listen(server, options.host ?? '127.0.0.1');
  const { port } = server.address() as net.AddressInfo;

  return {
    host: options.host ?? '127.0.0.1',
    port,
    address: { host: options.host ?? '127.0.0.1', port },
    state,
    received,
    /** Whether this client is in the allow-list with write access. */
    setPrivileged(on: boolean) {
      privileged = on;
    },
    /** What the device would report now: off or hashing. */
    isOff,
    close: () => closeServer(server),
  };
}

export type CgminerSim = Awaited<ReturnType<typeof startCgminerSim>>;

function isWholeJson(s: string): boolean {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}

export type HostileKind = 'garbage' | 'flood' | 'hang' | 'close' | 'no-nul-hang';

/**
 * A peer on the cgminer port that is not a cgminer: `garbage` sends bytes that are not JSON and a
 * NUL; `flood` 10 MB without a NUL; `hang` accepts and never answers; `close` closes at once;
 * `no-nul-hang` sends a whole reply but neither its NUL nor a close.
 */
export async function startHostilePeer(kind: HostileKind, host = '127.0.0.1') {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    if (kind === 'close') return void socket.destroy();
    socket.once('data', () => {
      if (kind === 'garbage') socket.end(Buffer.from([0x7b, 0xff, 0x13, 0x22, 0x5b, 0x00]));
      else if (kind === 'flood') flood(socket, 10 * 1024 * 1024);
      else if (kind === 'no-nul-hang')
        socket.write(
          '{"STATUS":[{"STATUS":"S","When":1,"Code":11,"Msg":"Summary","Description":"cgminer 4.11.1"}],"id":1}',
        );
    });
  });
  await listen(server, host);
  const { port } = server.address() as net.AddressInfo;
  return {
    address: { host, port },
    close: () => {
      for (const s of sockets) s.destroy();
      return closeServer(server);
    },
  };
}

function flood(socket: net.Socket, bytes: number) {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  let sent = 0;
  const pump = () => {
    while (sent < bytes && !socket.destroyed) {
      sent += chunk.length;
      if (!socket.write(chunk)) return void socket.once('drain', pump);
    }
    if (!socket.destroyed) socket.end();
  };
  pump();
}

function listen(server: net.Server, host: string) {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
}

function closeServer(server: net.Server) {
  return new Promise<void>((resolve) => server.close(() => resolve()));
}
