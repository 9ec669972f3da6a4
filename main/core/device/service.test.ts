import { afterEach, describe, expect, it } from 'vitest';
import { HandlerError, type LanDevice } from '#contract/index';
import type { Clock } from '#core/clock';
import { EventBus } from '#core/event';
import { openLedger, type Db } from '#core/ledger/db';
import type { SecretStore } from '#core/secret';
import { createSettings, settingMigrations } from '#core/setting';
import { quiet } from '../../../test/support/quiet-log.ts';
import { rejectionOf } from '../../../test/support/rejection.ts';
import { startAxeosSim } from '../../../test/support/sim/axeos.ts';
import { startBraiinsSim } from '../../../test/support/sim/braiins.ts';
import { startCgminerSim, startHostilePeer } from '../../../test/support/sim/cgminer.ts';
import { tempDirs } from '../../../test/support/temp-dir.ts';
import { when } from '../../../test/support/until.ts';
import { COMMAND_ATTEMPTS, COMMAND_BACKOFF_CAP_MS, COMMAND_BACKOFF_FLOOR_MS, Devices } from './service.ts';
import { DEFAULT_DEVICE_POLLING, deviceLoginSetting, devicePollingSetting } from './setting.ts';
import { createDeviceStore, deviceMigrations } from './store.ts';

const T0 = Date.UTC(2026, 0, 15, 12);
/** Short enough for a hanging device's reading to end quickly; a loopback simulator answers far sooner. */
const IO = { timeoutMs: 1_500, maxReplyBytes: 1024 * 1024 };
const tmp = tempDirs('hearth-device-service-');
const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

/** A clock whose timers fire only when the test says so, one at a time, earliest first. */
class StepClock implements Clock {
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private seq = 0;
  t = T0;
  now = () => this.t;
  setTimeout(fn: () => void, ms: number) {
    const id = ++this.seq;
    this.timers.push({ at: this.t + ms, fn, id });
    return { cancel: () => void (this.timers = this.timers.filter((x) => x.id !== id)) };
  }
  setInterval(): never {
    throw new Error('the device domain uses no interval');
  }
  pending(): number[] {
    return this.timers.map((x) => x.at - this.t).sort((a, b) => a - b);
  }
  /** Fires the earliest timer; returns how long after now it was due, ms. */
  fireNext(): number {
    const next = [...this.timers].sort((a, b) => a.at - b.at || a.id - b.id)[0];
    if (!next) throw new Error('no timer is pending');
    this.timers = this.timers.filter((x) => x.id !== next.id);
    const wait = next.at - this.t;
    this.t = next.at;
    next.fn();
    return wait;
  }
}

/** Seals by marking and reversing: enough to show the password is not stored as typed. */
const secrets: SecretStore = {
  encrypted: true,
  seal: (p) => `sealed:${[...p].reverse().join('')}`,
  open: (s) => [...s.slice('sealed:'.length)].reverse().join(''),
};

function setup(options: { random?: () => number } = {}) {
  const db: Db = openLedger(tmp(), [...settingMigrations, ...deviceMigrations]);
  closers.push(() => {
    db.close();
  });
  const settings = createSettings(
    db,
    () => T0,
    () => undefined,
  );
  const clock = new StepClock();
  const events = new EventBus();
  const updates: LanDevice[][] = [];
  events.on('device-update', (list) => updates.push(list));
  const devices = new Devices({
    store: createDeviceStore(db),
    settings,
    secrets,
    clock,
    random: options.random ?? (() => 0.5),
    events,
    log: quiet,
    io: IO,
  });
  closers.push(() => devices.stop());
  return { db, settings, clock, devices, updates, events };
}

const one = (d: Devices, id: string) => d.list().find((x) => x.id === id)!;

/** Fires the next timer (a reading) and waits for the update it ends with. */
async function step(s: ReturnType<typeof setup>): Promise<number> {
  const before = s.updates.length;
  const wait = s.clock.fireNext();
  await when('the reading ends', () => s.updates.length > before);
  return wait;
}

describe('Devices, against the simulators on loopback', () => {
  it('adds one of each kind, reads their telemetry and levels, and seals the Braiins password', async () => {
    const axe = await startAxeosSim({ host: '127.0.0.21' });
    const cg = await startCgminerSim({ host: '127.0.0.22', model: 'Mini3' });
    const bos = await startBraiinsSim({ host: '127.0.0.23', password: 'hunter22' });
    closers.push(axe.close, cg.close, bos.close);
    const s = setup();

    const a = await s.devices.add({ kind: 'axeos', host: axe.address.host, port: axe.address.port });
    const c = await s.devices.add({ kind: 'cgminer', host: cg.host, port: cg.port, name: 'Living room heater' });
    const b = await s.devices.add({
      kind: 'braiins',
      host: bos.host,
      port: bos.port,
      user: 'root',
      password: 'hunter22',
    });

    expect(s.devices.list().map((d) => [d.kind, d.status, d.lastSeen])).toEqual([
      ['axeos', 'online', T0],
      ['cgminer', 'online', T0],
      ['braiins', 'online', T0],
    ]);
    expect(c.name).toBe('Living room heater');
    for (const d of [a, c, b]) {
      expect(d.telemetry?.powerW).toBeGreaterThan(0);
      expect(d.telemetry?.hashRate).toBeGreaterThan(0);
      expect(d.levels.length).toBeGreaterThan(0);
    }
    expect(a.telemetry?.tempC).toBeGreaterThan(20);

    const stored = s.db.prepare("SELECT value FROM setting WHERE key = 'device.logins'").get() as { value: string };
    expect(stored.value).not.toContain('hunter22');
    expect(s.settings.get(deviceLoginSetting)[b.id]?.user).toBe('root');

    // Readings go on with the stored, sealed login.
    s.devices.start();
    const before = bos.logins;
    bos.advance(24 * 3600_000); // the token expired: the adapter logs in again with the opened password
    while (s.clock.pending().length > 0 && one(s.devices, b.id).lastSeen === T0) await step(s);
    expect(one(s.devices, b.id).status).toBe('online');
    expect(bos.logins).toBeGreaterThanOrEqual(before);
  });

  it("refuses an address that does not answer as the kind, with the adapter's reason", async () => {
    const axe = await startAxeosSim({ host: '127.0.0.24' });
    const garbage = await startHostilePeer('garbage', '127.0.0.24');
    const bos = await startBraiinsSim({ host: '127.0.0.24', password: 'right' });
    closers.push(axe.close, garbage.close, bos.close);
    const s = setup();

    const asCgminer = await rejectionOf(
      s.devices.add({ kind: 'cgminer', host: axe.address.host, port: axe.address.port }),
      HandlerError,
    );
    expect(asCgminer).toMatchObject({ code: 'bad-request', field: 'host' });
    expect(asCgminer.message).toMatch(/^127\.0\.0\.24:\d+ does not answer as cgminer API: ./);

    const junk = await rejectionOf(s.devices.add({ kind: 'cgminer', ...garbage.address }), HandlerError);
    expect(junk.message).toContain('does not answer as cgminer API');

    const wrong = await rejectionOf(
      s.devices.add({ kind: 'braiins', host: bos.host, port: bos.port, password: 'wrong' }),
      HandlerError,
    );
    expect(wrong.hint).toContain('login');

    const login = await rejectionOf(s.devices.add({ kind: 'axeos', ...axe.address, password: 'x' }), HandlerError);
    expect(login.code).toBe('bad-request');
    expect(s.devices.list()).toEqual([]);
    expect(s.settings.get(deviceLoginSetting)).toEqual({});

    await s.devices.add({ kind: 'axeos', ...axe.address });
    const twice = await rejectionOf(s.devices.add({ kind: 'axeos', ...axe.address }), HandlerError);
    expect(twice.code).toBe('conflict');
  });

  it('shows a device that stops answering offline after the set failures, backs off, and brings it back', async () => {
    const axe = await startAxeosSim({ host: '127.0.0.25' });
    closers.push(axe.close);
    const s = setup();
    const { id } = await s.devices.add({ kind: 'axeos', ...axe.address });
    s.devices.start();
    const interval = DEFAULT_DEVICE_POLLING.intervalSec * 1000;

    expect(await step(s)).toBe(0); // every device is read as the domain starts
    expect(await step(s)).toBe(interval);
    expect(one(s.devices, id).status).toBe('online');

    axe.setHostile('error500');
    const waits: number[] = [];
    const statuses: string[] = [];
    for (let i = 0; i < 8; i++) {
      waits.push(await step(s));
      statuses.push(one(s.devices, id).status);
    }
    const offlineAfter = DEFAULT_DEVICE_POLLING.offlineAfter;
    expect(statuses.slice(0, offlineAfter - 1).every((x) => x === 'online')).toBe(true);
    expect(statuses.slice(offlineAfter - 1).every((x) => x === 'offline')).toBe(true);
    expect(one(s.devices, id).error).toBeTruthy();
    // The first failure still waited the interval; then each wait doubles, up to the cap.
    expect(waits[0]).toBe(interval);
    for (let i = 1; i < waits.length; i++) {
      expect(waits[i]).toBeGreaterThanOrEqual(Math.min(waits[i - 1]!, DEFAULT_DEVICE_POLLING.maxBackoffSec * 1000));
      expect(waits[i]).toBeLessThanOrEqual(DEFAULT_DEVICE_POLLING.maxBackoffSec * 1000);
    }
    expect(waits.at(-1)).toBe(DEFAULT_DEVICE_POLLING.maxBackoffSec * 1000);
    // Never flooded: one reading per wait, no more requests than readings (info and ASIC options each).
    expect(s.clock.pending()).toHaveLength(1);

    axe.setHostile(null);
    await step(s);
    expect(one(s.devices, id)).toMatchObject({ status: 'online', error: null });
    expect(await step(s)).toBe(interval);
  });

  it('spreads the retries of devices that failed together (jitter from the injected random)', async () => {
    const axe = await startAxeosSim({ host: '127.0.0.26' });
    closers.push(axe.close);
    const waitsFor = async (r: number) => {
      const s = setup({ random: () => r });
      await s.devices.add({ kind: 'axeos', ...axe.address });
      s.settings.set(devicePollingSetting, { ...DEFAULT_DEVICE_POLLING, intervalSec: 10 });
      s.devices.start();
      await step(s);
      axe.setHostile('error500');
      const w: number[] = [];
      for (let i = 0; i < 3; i++) w.push(await step(s));
      axe.setHostile(null);
      s.devices.stop();
      s.devices.remove(s.devices.list()[0]!.id);
      return w;
    };
    const low = await waitsFor(0);
    const high = await waitsFor(0.999);
    expect(low[2]).toBeLessThan(high[2]!);
    expect(Math.min(...low, ...high)).toBeGreaterThanOrEqual(10_000);
  });

  it("reads a hanging device's neighbours without waiting for it", async () => {
    const good = await startAxeosSim({ host: '127.0.0.27' });
    const slow = await startAxeosSim({ host: '127.0.0.28' });
    const cg = await startCgminerSim({ host: '127.0.0.29', model: 'Nano3s' });
    closers.push(good.close, slow.close, cg.close);
    const s = setup();
    const hanging = await s.devices.add({ kind: 'axeos', ...slow.address });
    const a = await s.devices.add({ kind: 'axeos', ...good.address });
    const c = await s.devices.add({ kind: 'cgminer', host: cg.host, port: cg.port });
    slow.setHostile('hang');
    s.clock.t += 60_000;

    const refreshed = s.devices.refresh();
    await when('both neighbours are read', () => {
      const l = s.updates.at(-1);
      return !!l && l.filter((d) => d.id !== hanging.id).every((d) => d.lastSeen === s.clock.t);
    });
    // The hanging one was first in the list and is still being read: no error yet.
    expect(one(s.devices, hanging.id)).toMatchObject({ error: null, lastSeen: T0 });
    expect([one(s.devices, a.id).status, one(s.devices, c.id).status]).toEqual(['online', 'online']);
    const asked = slow.state.requests.length;
    await s.devices.refresh(); // a second reading while the first hangs is not sent
    expect(slow.state.requests.length).toBe(asked);
    await refreshed;
    expect(one(s.devices, hanging.id).error).toMatch(/./);
  });

  it('retries a command with backoff, gives up after its tries, and does not retry a refusal', async () => {
    const axe = await startAxeosSim({ host: '127.0.0.30' });
    const cg = await startCgminerSim({ host: '127.0.0.31', model: 'Mini3' });
    closers.push(axe.close, cg.close);
    const s = setup();
    const a = await s.devices.add({ kind: 'axeos', ...axe.address });
    const c = await s.devices.add({ kind: 'cgminer', host: cg.host, port: cg.port });
    // Not started: no readings are scheduled, so every pending timer is a command's retry.

    axe.setHostile('error500');
    const waits: number[] = [];
    const paused = s.devices.pause(a.id).catch((err: Error) => err);
    for (let i = 1; i < COMMAND_ATTEMPTS; i++) {
      await when('a retry is due', () => s.clock.pending().length > 0);
      expect(s.clock.pending()).toHaveLength(1); // one retry waits: nothing piles up
      waits.push(s.clock.fireNext());
    }
    const err = await paused;
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/pause failed/);
    expect(waits[0]).toBeGreaterThanOrEqual(COMMAND_BACKOFF_FLOOR_MS);
    expect(waits.every((w) => w <= COMMAND_BACKOFF_CAP_MS)).toBe(true);
    expect(waits[2]).toBeGreaterThan(waits[0]!);

    axe.setHostile(null);
    await s.devices.pause(a.id);
    expect(axe.state.miningPaused || axe.running.paused).toBe(true);
    await s.devices.resume(a.id);

    cg.setPrivileged(false);
    const commandsBefore = cg.received.length;
    const refused = await rejectionOf(s.devices.pause(c.id), Error);
    expect(refused.message).toMatch(/allow/i);
    // One try: the device refused, asking again would not help.
    expect(cg.received.slice(commandsBefore).filter((r) => r.command === 'ascset').length).toBeLessThanOrEqual(1);
    cg.setPrivileged(true);
    await s.devices.apply(c.id, 0);
  });

  it('removes a device: gone from the list, the table and the logins, and read no more', async () => {
    const axe = await startAxeosSim({ host: '127.0.0.32' });
    const bos = await startBraiinsSim({ host: '127.0.0.33', password: 'pw' });
    closers.push(axe.close, bos.close);
    const s = setup();
    const a = await s.devices.add({ kind: 'axeos', ...axe.address });
    const b = await s.devices.add({ kind: 'braiins', host: bos.host, port: bos.port, password: 'pw' });
    s.devices.start();
    s.devices.remove(b.id);
    expect(s.devices.list().map((d) => d.id)).toEqual([a.id]);
    expect(s.settings.get(deviceLoginSetting)).toEqual({});
    expect(s.clock.pending()).toHaveLength(1);
    expect(s.devices.rename(a.id, 'Desk Bitaxe').name).toBe('Desk Bitaxe');
    const missing = await rejectionOf(
      Promise.resolve().then(() => s.devices.remove(b.id)),
      HandlerError,
    );
    expect(missing.code).toBe('not-found');
  });

  it('keeps the devices across a restart, unknown until read again', async () => {
    const axe = await startAxeosSim({ host: '127.0.0.34' });
    closers.push(axe.close);
    const s = setup();
    const a = await s.devices.add({ kind: 'axeos', ...axe.address, name: 'Bitaxe' });
    s.devices.stop();
    const again = new Devices({
      store: createDeviceStore(s.db),
      settings: s.settings,
      secrets,
      clock: s.clock,
      random: () => 0.5,
      events: s.events,
      log: quiet,
      io: IO,
    });
    closers.push(() => again.stop());
    expect(again.list()).toMatchObject([{ id: a.id, name: 'Bitaxe', status: 'unknown', telemetry: null }]);
    const [read] = await again.refresh();
    expect(read?.status).toBe('online');
  });
});
