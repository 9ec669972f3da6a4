import crypto from 'node:crypto';
import { setMaxListeners } from 'node:events';
import os from 'node:os';
import {
  HandlerError,
  LAN_DEVICE_KINDS,
  type DeviceScan,
  type DeviceScanHit,
  type DeviceScanInput,
  type DeviceScanStatus,
} from '#contract/index';
import type { Clock } from '#core/clock';
import type { EventBus } from '#core/event';
import type { Logger } from '#core/log';
import { deviceAdapters } from './adapter/registry.ts';
import type { DeviceAdapter, DeviceIo, DeviceKind } from './adapter/types.ts';

/**
 * The scan for heater-miners on the LAN, only on request: each address of a range is asked on each
 * kind's API port whether it is that kind (the adapter's read-only `probe`). It is bounded every way
 * a LAN scan can run away: at most 256 addresses (one /24), at most 32 probes at once, each probe
 * within 1.5 s and a small reply, and one scan at a time. A cancel stops new probes and aborts the
 * running ones.
 */

/** The most addresses one scan may cover: one /24. */
export const SCAN_MAX_ADDRESSES = 256;
/** Probes at once: enough to finish a /24 in seconds, few enough for a home router's connection table. */
export const SCAN_CONCURRENCY = 32;
/** One probe's deadline, ms: a device on the LAN answers in tens of ms; a silent address costs this. */
export const SCAN_PROBE_TIMEOUT_MS = 1_500;
/** The most bytes one probe's reply may have: a device's info is a few KiB. */
export const SCAN_MAX_REPLY_BYTES = 256 * 1024;
/** Progress events at most this often, ms. */
const PROGRESS_EVERY_MS = 250;

const FORMS = 'a range such as 192.168.1.0/24, 192.168.1.10-40, 192.168.1.10-192.168.1.40 or one address';

function badRange(message: string): HandlerError {
  return new HandlerError('bad-request', message, `enter ${FORMS}`, 'range');
}

/** "192.168.1.10" as four numbers; null where it is not a dotted IPv4 address (no leading zeros, each 0 to 255). */
function parseIpv4(text: string): number[] | null {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p))) return null;
  const n = parts.map(Number);
  return n.every((x) => x <= 255) ? n : null;
}

/** Where a home's devices can be: private ranges, link-local and loopback (tests, a device's own simulator). */
const LOCAL = [/^10\./, /^172\.(1[6-9]|2\d|3[01])\./, /^192\.168\./, /^169\.254\./, /^127\./];

function address(text: string): number[] {
  const a = parseIpv4(text);
  if (!a) throw badRange(`"${text}" is not an IPv4 address (four numbers from 0 to 255, like 192.168.1.10)`);
  // A scan is for the home's own network: never a public range.
  if (!LOCAL.some((r) => r.test(a.join('.'))))
    throw badRange(
      `${a.join('.')} is not on a home network: a scan covers only private addresses (10.x, 172.16-31.x, 192.168.x), link-local 169.254.x or loopback 127.x`,
    );
  return a;
}

function lastOctet(text: string): number {
  if (!/^(0|[1-9]\d{0,2})$/.test(text) || Number(text) > 255)
    throw badRange(`"${text}" is not the last number of an address (0 to 255)`);
  return Number(text);
}

const dotted = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
const numeric = (a: number[]) => ((a[0]! << 24) | (a[1]! << 16) | (a[2]! << 8) | a[3]!) >>> 0;

/**
 * The addresses of a scan range, in order: `A.B.C.D/P` (P from 24 to 32; the network and broadcast
 * addresses of a /24 to /30 are left out, as nothing listens there), `A.B.C.D-E` (the last number
 * from D to E), `A.B.C.D-A.B.C.E` (within one /24) or one address. Anything else is refused with
 * the forms it takes.
 */
export function parseScanRange(text: string): string[] {
  const t = text.trim();
  const cidr = /^([^/]+)\/(\d{1,2})$/.exec(t);
  if (cidr) {
    const base = numeric(address(cidr[1]!));
    const prefix = Number(cidr[2]);
    if (prefix > 32) throw badRange(`/${prefix} is not an IPv4 prefix: they go from /0 to /32`);
    if (prefix < 24)
      throw badRange(
        `/${prefix} is ${2 ** (32 - prefix)} addresses: a scan covers at most ${SCAN_MAX_ADDRESSES}, a /24 to a /32`,
      );
    const size = 2 ** (32 - prefix);
    // A host's own address with its prefix ("192.168.1.77/24", as `ip addr` shows it) means its network.
    const first = base - (base % size);
    const hosts = size >= 4 ? { from: first + 1, to: first + size - 2 } : { from: first, to: first + size - 1 };
    return Array.from({ length: hosts.to - hosts.from + 1 }, (_, i) => dotted(hosts.from + i));
  }
  const dash = /^([^-]+)-([^-]+)$/.exec(t);
  if (dash) {
    const start = address(dash[1]!);
    let end: number[];
    if (dash[2]!.includes('.')) {
      end = address(dash[2]!);
      if (end.slice(0, 3).join('.') !== start.slice(0, 3).join('.'))
        throw badRange(
          `${dash[1]} and ${dash[2]} are not in one /24: a scan covers at most ${SCAN_MAX_ADDRESSES} addresses, with the first three numbers the same`,
        );
    } else end = [...start.slice(0, 3), lastOctet(dash[2]!)];
    if (end[3]! < start[3]!) throw badRange(`the range ${t} ends before it starts: put the lower address first`);
    return Array.from({ length: end[3]! - start[3]! + 1 }, (_, i) => dotted(numeric(start) + i));
  }
  if (/^[\d.]+$/.test(t)) return [dotted(numeric(address(t)))];
  throw badRange(`"${t}" is not a range this scan takes: enter ${FORMS}`);
}

const PRIVATE = [/^10\./, /^172\.(1[6-9]|2\d|3[01])\./, /^192\.168\./];

/** The /24 of this machine's first non-internal private IPv4 address (10/8, 172.16/12, 192.168/16), else null. */
export function suggestedRange(
  interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]> = os.networkInterfaces(),
): string | null {
  for (const list of Object.values(interfaces))
    for (const i of list ?? [])
      if (i.family === 'IPv4' && !i.internal && PRIVATE.some((r) => r.test(i.address)))
        return `${i.address.split('.').slice(0, 3).join('.')}.0/24`;
  return null;
}

export type DeviceScannerDeps = {
  clock: Clock;
  events: EventBus;
  log: Logger;
  /** The devices already added (their host and port), for a hit's `added`. */
  added: () => { host: string; port: number }[];
  adapters?: Record<DeviceKind, DeviceAdapter>;
  /** os.networkInterfaces unless a test gives others. */
  interfaces?: () => NodeJS.Dict<os.NetworkInterfaceInfo[]>;
  /** SCAN_CONCURRENCY and SCAN_PROBE_TIMEOUT_MS unless a test narrows them. */
  concurrency?: number;
  timeoutMs?: number;
};

type Run = { scan: DeviceScan; abort: AbortController; finished: Promise<void> };

/** Runs one scan at a time and keeps the last one for `status` (in memory: a scan is a moment's look). */
export class DeviceScanner {
  private current: Run | null = null;
  private stopped = false;
  private lastEmit = -Infinity;
  private pending: { cancel(): void } | null = null;
  private readonly adapters: Record<DeviceKind, DeviceAdapter>;

  constructor(private readonly d: DeviceScannerDeps) {
    this.adapters = d.adapters ?? deviceAdapters;
  }

  /** Starts a scan and answers at once; progress comes as `device-scan` events. */
  start(input: DeviceScanInput): DeviceScan {
    const running = this.current?.scan.state === 'running' ? this.current.scan : null;
    if (running)
      throw new HandlerError(
        'conflict',
        `A scan of ${running.range} is running (${running.done} of ${running.total} addresses)`,
        'wait for it to finish, or cancel it',
      );
    if (this.stopped)
      throw new HandlerError('unavailable', 'Hearth is stopping', 'start the scan again after it restarts');
    const addresses = parseScanRange(input.range);
    const kinds = LAN_DEVICE_KINDS.filter((k) => input.kinds === undefined || input.kinds.includes(k));
    const scan: DeviceScan = {
      id: crypto.randomUUID().slice(0, 8),
      range: input.range.trim(),
      state: 'running',
      done: 0,
      total: addresses.length,
      found: [],
      startedAt: this.d.clock.now(),
      finishedAt: null,
    };
    const abort = new AbortController();
    // Each running probe listens for the cancel: as many listeners as probes at once, not a leak.
    setMaxListeners((this.d.concurrency ?? SCAN_CONCURRENCY) + 8, abort.signal);
    const run: Run = { scan, abort, finished: Promise.resolve() };
    this.current = run;
    this.d.log.info(`device: scanning ${scan.range} (${scan.total} addresses) for ${kinds.join(', ')}`);
    run.finished = this.run(run, addresses, kinds, input.ports ?? {}).catch((err: unknown) => {
      // A bug, not a device: the scan ends rather than staying 'running' and refusing every later one.
      this.d.log.error(`device: the scan of ${scan.range} failed: ${(err as Error).message}`);
      this.finish(run, 'done');
    });
    this.emit(true);
    return this.view(scan);
  }

  /** Stops the scan `id` (new probes are not started, running ones aborted) and answers once it ended. */
  async cancel(id: string): Promise<DeviceScan> {
    const run = this.current;
    if (run?.scan.id !== id)
      throw new HandlerError(
        'not-found',
        `No scan has the id "${id}"`,
        'the scan status names the last scan and its id',
        'id',
      );
    run.abort.abort();
    await run.finished;
    return this.view(run.scan);
  }

  status(): DeviceScanStatus {
    return {
      scan: this.current ? this.view(this.current.scan) : null,
      suggestedRange: suggestedRange(this.d.interfaces?.()),
    };
  }

  /** Ends a running scan (the core is closing). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.current?.abort.abort();
    await this.current?.finished;
  }

  private async run(
    run: Run,
    addresses: string[],
    kinds: DeviceKind[],
    ports: NonNullable<DeviceScanInput['ports']>,
  ): Promise<void> {
    const { scan, abort } = run;
    const tasks = addresses.flatMap((host) =>
      kinds.map((kind) => ({ host, kind, port: ports[kind] ?? this.adapters[kind].defaultPort })),
    );
    // An address is done when every kind was asked there.
    const left = new Map(addresses.map((a) => [a, kinds.length]));
    let next = 0;
    const worker = async () => {
      while (!abort.signal.aborted && next < tasks.length) {
        const task = tasks[next++]!;
        const hit = await this.probe(task, abort.signal);
        if (hit) scan.found.push(hit);
        if (abort.signal.aborted) return;
        const n = left.get(task.host)! - 1;
        left.set(task.host, n);
        if (n === 0) {
          scan.done++;
          this.emit(false);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.d.concurrency ?? SCAN_CONCURRENCY, tasks.length) }, worker));
    this.finish(run, abort.signal.aborted ? 'cancelled' : 'done');
  }

  private finish(run: Run, state: 'done' | 'cancelled'): void {
    if (run.scan.state !== 'running') return;
    Object.assign(run.scan, { state, finishedAt: this.d.clock.now() });
    const { range, done, total, found } = run.scan;
    this.d.log.info(
      `device: the scan of ${range} ${state === 'done' ? 'ended' : 'was cancelled'}: ${done} of ${total} addresses, ${found.length} found`,
    );
    this.emit(true);
  }

  /** One kind at one address: its probe, and for a yes the model where reading it needs no login. */
  private async probe(
    task: { host: string; kind: DeviceKind; port: number },
    scanSignal: AbortSignal,
  ): Promise<DeviceScanHit | null> {
    const adapter = this.adapters[task.kind];
    const timeoutMs = this.d.timeoutMs ?? SCAN_PROBE_TIMEOUT_MS;
    const ctl = new AbortController();
    const onAbort = () => ctl.abort();
    scanSignal.addEventListener('abort', onAbort, { once: true });
    const io: DeviceIo = { timeoutMs, maxReplyBytes: SCAN_MAX_REPLY_BYTES, credentials: null, signal: ctl.signal };
    const address = { host: task.host, port: task.port };
    try {
      const yes = await bounded(timeoutMs, ctl, adapter.probe(address, io)).catch(() => false);
      if (!yes) return null;
      // Braiins OS reads only after a login: the scan tries none (a wrong one on someone's miner is unwelcome).
      const model =
        task.kind === 'braiins'
          ? null
          : await bounded(timeoutMs, ctl, adapter.read(address, io)).then(
              (t) => t.model,
              () => null,
            );
      return { kind: task.kind, host: task.host, port: task.port, model, added: false }; // `added`: see view()
    } finally {
      scanSignal.removeEventListener('abort', onAbort);
      ctl.abort(); // whatever the adapter left open is closed now
    }
  }

  /** A copy for the caller, with `added` as of now (a device added from the list shows so at once). */
  private view(scan: DeviceScan): DeviceScan {
    const added = new Set(this.d.added().map((a) => `${a.host}:${a.port}`));
    const order = (h: DeviceScanHit) => numeric(parseIpv4(h.host) ?? [0, 0, 0, 0]);
    const found = scan.found
      .map((h) => ({ ...h, added: added.has(`${h.host}:${h.port}`) }))
      .sort((a, b) => order(a) - order(b) || LAN_DEVICE_KINDS.indexOf(a.kind) - LAN_DEVICE_KINDS.indexOf(b.kind));
    return { ...scan, found };
  }

  /** Progress at most every PROGRESS_EVERY_MS (one more later where some was held back); `now` for the start and end. */
  private emit(now: boolean): void {
    const run = this.current;
    if (!run) return;
    const wait = this.lastEmit + PROGRESS_EVERY_MS - this.d.clock.now();
    if (now || wait <= 0) {
      this.pending?.cancel();
      this.pending = null;
      this.lastEmit = this.d.clock.now();
      this.d.events.emit('device-scan', this.view(run.scan));
    } else
      this.pending ??= this.d.clock.setTimeout(() => {
        this.pending = null;
        if (run.scan.state === 'running') this.emit(true);
      }, wait);
  }
}

/**
 * The adapters keep their own deadline; this one (half a second more, on the real clock: it bounds
 * I/O, not a schedule) holds even if one did not, and aborts what the adapter left running.
 */
function bounded<T>(timeoutMs: number, ctl: AbortController, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      ctl.abort();
      reject(new Error(`no answer within ${(timeoutMs + 500) / 1000} s`));
    }, timeoutMs + 500);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
