import crypto from 'node:crypto';
import {
  HandlerError,
  type DeviceAddInput,
  type DeviceConfigureInput,
  type LanDevice,
  type LanDeviceLevel,
} from '#contract/index';
import type { Clock, Random } from '#core/clock';
import type { EventBus } from '#core/event';
import type { Logger } from '#core/log';
import type { SecretStore } from '#core/secret';
import type { Settings } from '#core/setting';
import { deviceAdapters } from './adapter/registry.ts';
import {
  DEFAULT_DEVICE_IO,
  DeviceError,
  type DeviceAdapter,
  type DeviceAddress,
  type DeviceIo,
  type DeviceKind,
  type DeviceTelemetry,
} from './adapter/types.ts';
import { deviceLoginSetting, devicePollingSetting, type DevicePolling } from './setting.ts';
import { DEFAULT_MIN_MINUTES, type DeviceStore, type StoredDevice } from './store.ts';

/** A command (apply, pause, resume) is tried this often before it fails. */
export const COMMAND_ATTEMPTS = 4;
/** The first wait between two tries of a command, and the longest, ms. */
export const COMMAND_BACKOFF_FLOOR_MS = 2_000;
export const COMMAND_BACKOFF_CAP_MS = 60_000;
/** How long levels read from a device are trusted before they are read again, ms. */
const LEVELS_MAX_AGE_MS = 10 * 60_000;

/** What the planner (later) uses: the devices as last seen, and the three commands. */
export type DeviceService = {
  list(): LanDevice[];
  apply(id: string, level: number): Promise<void>;
  pause(id: string): Promise<void>;
  resume(id: string): Promise<void>;
};

type Entry = {
  stored: StoredDevice;
  status: LanDevice['status'];
  lastSeen: number | null;
  telemetry: DeviceTelemetry | null;
  levels: LanDeviceLevel[];
  levelsAt: number | null;
  error: string | null;
  /** Failed readings in a row. */
  failures: number;
  /** A reading is under way: the next waits for it, so a slow device is never asked twice at once. */
  reading: boolean;
  timer: { cancel(): void } | null;
  /** Counts commands: a newer one ends the retries of an older one. */
  command: number;
  removed: boolean;
};

export type DevicesDeps = {
  store: DeviceStore;
  settings: Settings;
  secrets: SecretStore;
  clock: Clock;
  random: Random;
  events: EventBus;
  log: Logger;
  adapters?: Record<DeviceKind, DeviceAdapter>;
  /** Limits of every call; DEFAULT_DEVICE_IO unless a test narrows them. */
  io?: Omit<DeviceIo, 'credentials' | 'signal'>;
};

/**
 * The LAN heater-miners: each read on its own timer, so one that hangs or floods holds up only
 * itself (each call is bounded by `io`); shown offline after `offlineAfter` failed readings in a
 * row and then tried less often (backoff between the interval and `maxBackoffSec`, with jitter so
 * devices that fell off together are not all asked again at once).
 */
export class Devices implements DeviceService {
  private readonly entries = new Map<string, Entry>();
  private readonly adapters: Record<DeviceKind, DeviceAdapter>;
  private readonly io: Omit<DeviceIo, 'credentials' | 'signal'>;
  private readonly stopping = new AbortController();
  private started = false;
  private stopped = false;

  constructor(private readonly d: DevicesDeps) {
    this.adapters = d.adapters ?? deviceAdapters;
    this.io = d.io ?? DEFAULT_DEVICE_IO;
    for (const s of d.store.list()) this.entries.set(s.id, fresh(s));
  }

  start(): void {
    this.started = true;
    for (const e of this.entries.values()) this.schedule(e, 0);
  }

  stop(): void {
    this.started = false;
    this.stopped = true;
    this.stopping.abort();
    for (const e of this.entries.values()) e.timer?.cancel();
  }

  list(): LanDevice[] {
    return [...this.entries.values()].map(view);
  }

  /** Reads every device now, all at once; resolves when each answered or failed. */
  async refresh(): Promise<LanDevice[]> {
    await Promise.all([...this.entries.values()].map((e) => this.poll(e)));
    return this.list();
  }

  async add(input: DeviceAddInput): Promise<LanDevice> {
    const adapter = this.adapters[input.kind];
    const address = { host: input.host, port: input.port ?? adapter.defaultPort };
    const where = `${address.host}:${address.port}`;
    if (this.d.store.at(address.host, address.port) !== null)
      throw new HandlerError(
        'conflict',
        `A device is already added at ${where}`,
        'remove it first, or enter another address',
      );
    const login = input.kind === 'braiins' ? { user: input.user ?? 'root', password: input.password ?? '' } : null;
    if (input.kind !== 'braiins' && (input.user !== undefined || input.password !== undefined))
      throw new HandlerError(
        'bad-request',
        `${adapter.label} devices take no login`,
        'leave the user and password out',
        'user',
      );
    const io = { ...this.io, credentials: login, signal: this.stopping.signal };

    const answers = await bounded(this.io.timeoutMs, adapter.probe(address, io)).catch(() => false);
    let telemetry: DeviceTelemetry;
    try {
      // The probe only says yes or no; reading again gives the adapter's own reason for a no.
      telemetry = await bounded(this.io.timeoutMs, adapter.read(address, io));
    } catch (err) {
      throw new HandlerError(
        'bad-request',
        `${where} does not answer as ${adapter.label}: ${(err as Error).message}`,
        `check the address, the port and the kind (axeos, cgminer, braiins)${input.kind === 'braiins' ? ', and the login' : ''}`,
        'host',
      );
    }
    if (!answers)
      throw new HandlerError(
        'bad-request',
        `${where} answers, but not as ${adapter.label}`,
        'check the kind (axeos, cgminer, braiins) and the port',
        'host',
      );
    const levels = await bounded(this.io.timeoutMs, adapter.levels(address, io, telemetry)).catch(() => []);

    const now = this.d.clock.now();
    const stored: StoredDevice = {
      id: crypto.randomUUID().slice(0, 8),
      kind: input.kind,
      name: input.name ?? `${telemetry.model ?? adapter.label} (${address.host})`,
      ...address,
      addedAt: now,
      zone: 'home',
      minRunMin: DEFAULT_MIN_MINUTES[input.kind].run,
      minPauseMin: DEFAULT_MIN_MINUTES[input.kind].pause,
    };
    if (login)
      this.d.settings.update(deviceLoginSetting, (all) => ({
        ...all,
        [stored.id]: { user: login.user, password: this.d.secrets.seal(login.password) },
      }));
    this.d.store.add(stored);
    const e = fresh(stored);
    Object.assign(e, { status: 'online', lastSeen: now, telemetry, levels, levelsAt: levels.length ? now : null });
    this.entries.set(stored.id, e);
    this.d.log.info(`device: added ${stored.kind} ${where} as "${stored.name}" (${stored.id})`);
    this.schedule(e, this.polling().intervalSec * 1000);
    this.emit();
    return view(e);
  }

  remove(id: string): void {
    const e = this.entry(id);
    e.removed = true;
    e.timer?.cancel();
    this.entries.delete(id);
    this.d.store.remove(id);
    this.d.settings.update(deviceLoginSetting, (all) =>
      Object.fromEntries(Object.entries(all).filter(([k]) => k !== id)),
    );
    this.d.log.info(`device: removed ${e.stored.kind} ${e.stored.host}:${e.stored.port} (${id})`);
    this.emit();
  }

  rename(id: string, name: string): LanDevice {
    return this.configure({ id, name });
  }

  configure(c: DeviceConfigureInput): LanDevice {
    const e = this.entry(c.id);
    const { id: _id, ...changes } = c;
    const next = { ...e.stored, ...changes };
    this.d.store.configure(next);
    e.stored = next;
    this.emit();
    return view(e);
  }

  apply(id: string, level: number): Promise<void> {
    return this.command(id, `level ${level}`, (a, addr, io) => a.apply(addr, io, level));
  }

  pause(id: string): Promise<void> {
    return this.command(id, 'pause', (a, addr, io) => a.pause(addr, io));
  }

  resume(id: string): Promise<void> {
    return this.command(id, 'resume', (a, addr, io) => a.resume(addr, io));
  }

  /**
   * Runs a command, retried with backoff where the device did not answer (a refusal is final: asking
   * again would not change the device's mind). A newer command for the same device ends the retries
   * of this one, so commands never pile up at a device that is away.
   */
  private async command(
    id: string,
    what: string,
    run: (a: DeviceAdapter, addr: DeviceAddress, io: DeviceIo) => Promise<void>,
  ): Promise<void> {
    const e = this.entry(id);
    const mine = ++e.command;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.call(e, run);
        this.schedule(e, 0); // read it again soon, to show what the command did
        return;
      } catch (err) {
        const refused = err instanceof DeviceError && err.kind === 'refused';
        if (refused || attempt >= COMMAND_ATTEMPTS || e.removed || this.stopped)
          throw new Error(`${e.stored.name}: ${what} failed: ${(err as Error).message}`, { cause: err });
        this.d.log.warn(
          `device: ${e.stored.name}: ${what} failed (try ${attempt}), trying again: ${(err as Error).message}`,
        );
      }
      await new Promise<void>((r) =>
        this.d.clock.setTimeout(r, this.backoff(attempt, COMMAND_BACKOFF_FLOOR_MS, COMMAND_BACKOFF_CAP_MS)),
      );
      if (e.command !== mine) throw new Error(`${e.stored.name}: ${what} was replaced by a later command`);
    }
  }

  private async poll(e: Entry): Promise<void> {
    e.timer?.cancel();
    e.timer = null;
    if (e.reading || e.removed) return;
    e.reading = true;
    const polling = this.polling();
    try {
      const t = await this.call(e, (a, addr, io) => a.read(addr, io));
      const now = this.d.clock.now();
      Object.assign(e, { telemetry: t, lastSeen: now, status: 'online', failures: 0, error: null });
      if (e.levelsAt === null || now - e.levelsAt >= LEVELS_MAX_AGE_MS) {
        try {
          e.levels = await this.call(e, (a, addr, io) => a.levels(addr, io, t));
          e.levelsAt = now;
        } catch (err) {
          this.d.log.warn(`device: ${e.stored.name}: its power levels could not be read: ${(err as Error).message}`);
        }
      }
    } catch (err) {
      e.failures++;
      e.error = (err as Error).message;
      if (e.failures >= polling.offlineAfter && e.status !== 'offline') {
        e.status = 'offline';
        this.d.log.warn(`device: ${e.stored.name} (${e.stored.host}:${e.stored.port}) is offline: ${e.error}`);
      }
    } finally {
      e.reading = false;
    }
    if (e.removed) return;
    this.emit();
    this.schedule(
      e,
      e.failures === 0
        ? polling.intervalSec * 1000
        : this.backoff(e.failures, polling.intervalSec * 1000, polling.maxBackoffSec * 1000),
    );
  }

  private schedule(e: Entry, ms: number): void {
    if (!this.started || e.removed || e.reading) return;
    e.timer?.cancel();
    e.timer = this.d.clock.setTimeout(() => void this.poll(e), ms);
  }

  /** Doubles from `floor` per failure up to `cap`, spread by up to a fifth either way but never below `floor`. */
  private backoff(failures: number, floor: number, cap: number): number {
    const base = Math.min(cap, floor * 2 ** Math.min(30, failures - 1));
    return Math.round(Math.min(cap, Math.max(floor, base * (0.8 + 0.4 * this.d.random()))));
  }

  /** One adapter call, with the device's login, ended by its deadline or by `stop`. */
  private call<T>(e: Entry, run: (a: DeviceAdapter, addr: DeviceAddress, io: DeviceIo) => Promise<T>): Promise<T> {
    const { kind, host, port } = e.stored;
    let credentials: DeviceIo['credentials'] = null;
    if (kind === 'braiins') {
      const l = this.d.settings.get(deviceLoginSetting)[e.stored.id];
      try {
        credentials = l ? { user: l.user, password: this.d.secrets.open(l.password) } : null;
      } catch (err) {
        return Promise.reject(
          new DeviceError(
            'refused',
            `its password cannot be opened here (${(err as Error).message}): remove the device and add it again`,
          ),
        );
      }
    }
    const io: DeviceIo = { ...this.io, credentials, signal: this.stopping.signal };
    return bounded(this.io.timeoutMs, run(this.adapters[kind], { host, port }, io));
  }

  private polling(): DevicePolling {
    return this.d.settings.get(devicePollingSetting);
  }

  private entry(id: string): Entry {
    const e = this.entries.get(id);
    if (!e) throw new HandlerError('not-found', `No device has the id "${id}"`, '`hearth devices` lists the ids', 'id');
    return e;
  }

  private emit(): void {
    this.d.events.emit('device-update', this.list());
  }
}

function fresh(stored: StoredDevice): Entry {
  return {
    stored,
    status: 'unknown',
    lastSeen: null,
    telemetry: null,
    levels: [],
    levelsAt: null,
    error: null,
    failures: 0,
    reading: false,
    timer: null,
    command: 0,
    removed: false,
  };
}

function view(e: Entry): LanDevice {
  const { id, kind, name, host, port, zone, minRunMin, minPauseMin } = e.stored;
  return {
    id,
    kind,
    name,
    host,
    port,
    status: e.status,
    lastSeen: e.lastSeen,
    telemetry: e.telemetry,
    levels: e.levels,
    error: e.error,
    zone,
    minRunMin,
    minPauseMin,
  };
}

/**
 * The adapters keep their own deadline; this one (a second more, on the real clock: it bounds I/O,
 * not a schedule) holds even if one did not, so no device can hold a caller longer.
 */
function bounded<T>(timeoutMs: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new DeviceError(
            'unreachable',
            `no answer within ${(timeoutMs + 1000) / 1000} s: check that it is on and on this network`,
          ),
        ),
      timeoutMs + 1000,
    );
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
