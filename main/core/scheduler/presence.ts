import path from 'node:path';
import si from 'systeminformation';
import type { PresenceRule, PresenceSettings, PresenceStatus } from '#contract/index';
import type { Clock } from '#core/clock';

/** Seconds since the user last touched keyboard or mouse (Electron's powerMonitor in the desktop app). */
export type IdleSource = () => number;

let hostIdle: IdleSource | null = null;

/**
 * The desktop shell registers its idle-time source here before it starts the core, so the source
 * outlives a core restart; plain `hearth serve` registers none and the UI says "not available".
 */
export function setIdleSource(source: IdleSource | null): void {
  hostIdle = source;
}

export function idleSource(): IdleSource | null {
  return hostIdle;
}

/** Names of running processes (lower-case, with and without their path). */
export async function runningProcessNames(): Promise<string[]> {
  const p = await si.processes();
  const names = new Set<string>();
  for (const x of p.list) {
    if (x.name) names.add(x.name.toLowerCase());
    const cmd = (x.command || '').split(/\s+/)[0];
    if (cmd) names.add(path.basename(cmd).toLowerCase());
    if (x.path) names.add(path.basename(x.path).toLowerCase());
  }
  return [...names];
}

export async function onBatteryNow(): Promise<boolean | null> {
  const b = await si.battery();
  return b.hasBattery ? !b.acConnected : null;
}

export type PresenceDeps = {
  clock: Clock;
  settings(): PresenceSettings;
  idle: IdleSource | null;
  processes?: () => Promise<string[]>;
  battery?: () => Promise<boolean | null>;
  /** The rules holding changed: re-apply the slot. */
  onChange(active: PresenceRule[]): void;
  onError(message: string): void;
  /** How often idle time is read (cheap) and the process list and battery are (a spawned `ps`). */
  idleEveryMs?: number;
  processEveryMs?: number;
};

const bare = (n: string) => n.toLowerCase().replace(/\.exe$/, '');

/**
 * Presence rules: the PC is someone's computer. Watches idle time, listed programs and the power
 * source, and says which rules hold now; the scheduler pauses or caps work while any does.
 */
export class Presence {
  private idleSec: number | null = null;
  private programs: string[] = [];
  private battery: boolean | null = null;
  private checkedAt: number | null = null;
  private timers: { cancel(): void }[] = [];
  private lastKey = '';
  private checking: Promise<void> | null = null;

  constructor(private readonly deps: PresenceDeps) {}

  start(): Promise<void> {
    this.readIdle();
    this.timers.push(this.deps.clock.setInterval(() => this.readIdle(), this.deps.idleEveryMs ?? 5_000));
    this.timers.push(this.deps.clock.setInterval(() => void this.check(), this.deps.processEveryMs ?? 30_000));
    return this.check();
  }

  stop(): void {
    for (const t of this.timers.splice(0)) t.cancel();
  }

  /** Reads the process list and battery now (also every ~30 s). */
  check(): Promise<void> {
    this.checking ??= (async () => {
      const s = this.deps.settings();
      try {
        const names = s.programs.names.length > 0 ? await (this.deps.processes ?? runningProcessNames)() : [];
        const seen = new Set(names.map(bare));
        this.programs = s.programs.names.filter((n) => seen.has(bare(n)));
      } catch (e) {
        this.deps.onError(`the process list could not be read: ${(e as Error).message}`);
      }
      try {
        this.battery = s.battery.enabled ? await (this.deps.battery ?? onBatteryNow)() : null;
      } catch (e) {
        this.deps.onError(`the battery state could not be read: ${(e as Error).message}`);
      }
      this.checkedAt = this.deps.clock.now();
      this.changed();
    })().finally(() => {
      this.checking = null;
    });
    return this.checking;
  }

  private readIdle(): void {
    const src = this.deps.idle;
    if (!src) return;
    try {
      this.idleSec = src();
    } catch (e) {
      this.idleSec = null;
      this.deps.onError(`idle time could not be read: ${(e as Error).message}`);
    }
    this.changed();
  }

  /** Settings changed: judge again at once. */
  refresh(): Promise<void> {
    this.readIdle();
    return this.check();
  }

  private changed(): void {
    const key = JSON.stringify(this.active());
    if (key === this.lastKey) return;
    this.lastKey = key;
    this.deps.onChange(this.active());
  }

  active(): PresenceRule[] {
    const s = this.deps.settings();
    const out: PresenceRule[] = [];
    const what = (a: PresenceSettings['programs']['action'], cap: number) =>
      a === 'pause' ? 'paused' : `capped at ${cap} %`;
    // Input within the resume time counts as active: work resumes once idle reaches it.
    if (s.userActive.enabled && this.idleSec !== null && this.idleSec < s.resumeAfterIdleMin * 60) {
      out.push({
        rule: 'user-active',
        action: s.userActive.action,
        capPct: s.userActive.capPct,
        reason: `${what(s.userActive.action, s.userActive.capPct)}: user active`,
      });
    }
    for (const p of this.programs)
      out.push({
        rule: 'program',
        action: s.programs.action,
        capPct: s.programs.capPct,
        reason: `${what(s.programs.action, s.programs.capPct)}: ${p} running`,
      });
    if (s.battery.enabled && this.battery === true)
      out.push({
        rule: 'battery',
        action: s.battery.action,
        capPct: s.battery.capPct,
        reason: `${what(s.battery.action, s.battery.capPct)}: on battery`,
      });
    return out;
  }

  status(): PresenceStatus {
    return {
      settings: this.deps.settings(),
      idleSec: this.idleSec,
      idleAvailable: this.deps.idle !== null,
      runningPrograms: [...this.programs],
      onBattery: this.battery,
      checkedAt: this.checkedAt,
      active: this.active(),
    };
  }
}
