import { EventEmitter } from 'node:events';
import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { MqttLinkStatus, Telemetry } from '#contract/index';
import { EventBus } from '#core/event';
import { openLedger, type Db } from '#core/ledger/db';
import { plainSecretStore } from '#core/secret';
import { createSettings, settingMigrations } from '#core/setting';
import { quiet } from '../../../test/support/quiet-log.ts';
import { tempDirs } from '../../../test/support/temp-dir.ts';
import { TestClock } from '../../../test/support/test-clock.ts';
import type { SchedulerService } from '#core/scheduler/service';
import { currentAction, HomeLink } from './service.ts';
import { homeLinkSetting } from './setting.ts';

const tmp = tempDirs('hearth-home-service-');
const open: Db[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

/** Stands in for mqtt.js's client: records what is published; the test says when it connects or drops. */
class FakeClient extends EventEmitter {
  connected = false;
  published: { topic: string; payload: string; retain: boolean }[] = [];
  publish(topic: string, payload: string, opts: { retain?: boolean }, cb?: (err?: Error) => void) {
    this.published.push({ topic, payload: String(payload), retain: opts.retain === true });
    cb?.();
    return this;
  }
  subscribe() {
    return this;
  }
  end(_force?: boolean, _opts?: object, cb?: () => void) {
    this.connected = false;
    cb?.();
    return this;
  }
  up() {
    this.connected = true;
    this.emit('connect');
  }
  drop() {
    this.connected = false;
    this.emit('close');
  }
}

const tele = (powerW: number): Telemetry => ({
  at: '',
  cpuLoadPerCorePct: [],
  cpuLoadPct: 0,
  devices: [],
  totalPowerW: powerW,
  estimated: false,
  heatW: powerW,
  today: { energyKWh: 0.5, heatKWh: 0.5, peakPowerW: powerW },
});

function setup() {
  const db = openLedger(tmp(), [...settingMigrations]);
  open.push(db);
  const clock = new TestClock(Date.UTC(2026, 0, 10, 12, 0));
  const settings = createSettings(
    db,
    () => clock.now(),
    () => undefined,
  );
  const events = new EventBus();
  const statuses: MqttLinkStatus[] = [];
  events.on('home-status', (s) => statuses.push(s));
  const clients: FakeClient[] = [];
  const urls: string[] = [];
  let power = 100;
  const link = new HomeLink({
    settings,
    secrets: plainSecretStore,
    clock,
    random: () => 1,
    log: quiet,
    events,
    hardware: { latest: () => tele(power) },
    backoff: { floorMs: 1_000, capMs: 8_000 },
    connect: (url) => {
      urls.push(url);
      const c = new FakeClient();
      clients.push(c);
      return c as unknown as MqttClient;
    },
  });
  return { link, clock, clients, urls, statuses, settings, setPower: (w: number) => (power = w) };
}

describe('HomeLink, with the broker client replaced', () => {
  it('sends a sensor on change, at most once every 10 s', async () => {
    const t = setup();
    t.link.start();
    await t.link.configure({
      enabled: true,
      url: 'mqtt://broker:1883',
      username: null,
      caFile: null,
      discoveryPrefix: 'homeassistant',
      nodeId: 'n',
    });
    const c = t.clients.at(-1)!;
    c.up();
    const powers = () => c.published.filter((m) => m.topic === 'hearth/n/power/state').map((m) => m.payload);
    expect(powers()).toEqual(['100']);
    // The power changes every second for 30 s: sent at 10, 20 and 30 s only, each the latest value.
    const t0 = t.clock.now();
    for (let s = 1; s <= 30; s++) {
      t.setPower(100 + s);
      await t.clock.advanceTo(t0 + s * 1_000);
    }
    expect(powers()).toEqual(['100', '110', '120', '130']);
    // Unchanged: nothing more.
    await t.clock.advanceTo(t0 + 60_000);
    expect(powers()).toHaveLength(4);
    expect(c.published.find((m) => m.topic === 'hearth/n/availability')).toEqual({
      topic: 'hearth/n/availability',
      payload: 'online',
      retain: true,
    });
    await t.link.stop();
  });

  it('retries a lost broker with doubling delays up to the cap, pushing its status, and never gives up', async () => {
    const t = setup();
    t.link.start();
    await t.link.configure({
      enabled: true,
      url: 'mqtt://broker:1883',
      username: null,
      caFile: null,
      discoveryPrefix: 'homeassistant',
      nodeId: 'n',
    });
    const n = t.clients.length;
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      const before = t.clock.now();
      t.clients.at(-1)!.emit('error', new Error('connect ECONNREFUSED'));
      t.clients.at(-1)!.drop();
      const st = t.link.status();
      expect(st).toMatchObject({ state: 'disconnected', lastError: 'connect ECONNREFUSED' });
      delays.push(st.retryAt! - before);
      await t.clock.advanceTo(st.retryAt!);
      expect(t.clients).toHaveLength(n + i + 1);
    }
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 8_000, 8_000]);
    t.clients.at(-1)!.up();
    expect(t.link.status()).toMatchObject({ state: 'connected', lastError: null, retryAt: null });
    // A connection resets the delays.
    t.clients.at(-1)!.drop();
    expect(t.link.status().retryAt! - t.clock.now()).toBe(1_000);
    expect(t.statuses.map((s) => s.state)).toContain('connected');
    expect(t.statuses.at(-1)?.state).toBe('disconnected');
    await t.link.stop();
    expect(t.link.status().state).toBe('off');
  });

  it('connects again when another process saved other link settings, and not when nothing changed', async () => {
    const t = setup();
    t.link.start();
    await t.link.configure({
      enabled: true,
      url: 'mqtt://one:1883',
      username: null,
      caFile: null,
      discoveryPrefix: 'homeassistant',
      nodeId: 'n',
    });
    const n = t.clients.length;
    t.link.reload();
    await new Promise((r) => setImmediate(r));
    expect(t.clients).toHaveLength(n);
    t.settings.set(homeLinkSetting, { ...t.settings.get(homeLinkSetting), url: 'mqtt://two:1883' });
    t.link.reload();
    await new Promise((r) => setImmediate(r));
    expect(t.urls.at(-1)).toBe('mqtt://two:1883');
    expect(t.clients).toHaveLength(n + 1);
    await t.link.stop();
  });
});

describe('the current action sensor', () => {
  type State = ReturnType<SchedulerService['state']>;
  const run = (device: string, job: string | null) => ({
    device,
    job,
    level: job === null ? -1 : 0,
    powerW: 50,
    work: 1,
  });
  const state = (now: ReturnType<typeof run>[], later: ReturnType<typeof run>[] = [], paused = false): State =>
    ({
      override: paused ? { kind: 'pause', until: 1 } : null,
      applied: { decisions: now },
      plan: { slots: [{ decisions: now }, { decisions: later }] },
    }) as unknown as State;
  const kinds: Record<number, 'train' | 'command' | 'mining'> = { 1: 'train', 2: 'mining', 3: 'command' };
  const kindOf = (n: number) => kinds[n] ?? null;

  it('names what runs now, a queued mining job as mining, and why nothing runs', () => {
    expect(currentAction(state([run('cpu', 'mining')]), [], kindOf)).toBe('mining');
    // A queued mining job is "job:<n>" to the planner: still mining, not training.
    expect(currentAction(state([run('cpu', 'job:2')]), [], kindOf)).toBe('mining');
    expect(currentAction(state([run('cpu', 'job:1')]), [], kindOf)).toBe('training');
    expect(currentAction(state([run('cpu', 'job:3'), run('gpu:0', 'mining')]), [], kindOf)).toBe('training');
    expect(currentAction(state([run('cpu', 'mining')], [], true), [], kindOf)).toBe('paused by hand');
    expect(currentAction(state([run('cpu', null)], [run('cpu', 'mining')]), [{ action: 'pause' }], kindOf)).toBe(
      'paused by presence',
    );
    expect(currentAction(state([run('cpu', null)], [run('cpu', 'job:1')]), [], kindOf)).toBe('paused by price');
    expect(currentAction(state([run('cpu', null)], [run('cpu', null)]), [{ action: 'cap' }], kindOf)).toBe('idle');
  });
});
