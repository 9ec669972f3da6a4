import net from 'node:net';
import { connect as mqttConnect, type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FleetSettings } from '#contract/index';
import { deviceId, jobId } from '#contract/id';
import type { Plan, PlanDecision } from '#contract/plan';
import { systemClock } from '#core/clock';
import { EventBus } from '#core/event';
import { openLedger, type Db } from '#core/ledger/db';
import type { Logger } from '#core/log';
import type { FleetInputs, FleetLink } from '#core/scheduler/fleet-link';
import { createSettings, settingMigrations, type Settings } from '#core/setting';
import { MOSQUITTO, startMosquitto, type Broker } from '../../../test/fixtures/mosquitto.ts';
import { plannedSlot } from '../../../test/support/planned-slot.ts';
import { tempDirs } from '../../../test/support/temp-dir.ts';
import { until } from '../../../test/support/until.ts';
import { CLAIM_TOPIC, fleetTopics } from './protocol.ts';
import { FleetService, refusal } from './service.ts';
import { fleetSetting } from './setting.ts';
import { zeroTotals } from '#workers/planner/evaluate';

const tmp = tempDirs('hearth-fleet-');
const dbs: Db[] = [];
const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
  for (const db of dbs.splice(0)) db.close();
});

let broker: Broker;
beforeAll(async () => {
  if (MOSQUITTO) broker = await startMosquitto();
});
afterAll(async () => broker?.stop());

/** Stands in for the scheduler: holds the link it was given and counts the re-plans asked for. */
class FakeScheduler {
  link: FleetLink | null = null;
  replans = 0;
  attachFleet(link: FleetLink | null) {
    this.link = link;
  }
  fleetChanged() {
    this.replans++;
  }
}

type Node = {
  fleet: FleetService;
  scheduler: FakeScheduler;
  settings: Settings;
  logs: string[];
  /** The mqtt.js clients it opened, newest last. */
  clients: MqttClient[];
};

function settingsOn(dir: string): Settings {
  const db = openLedger(dir, [...settingMigrations]);
  dbs.push(db);
  return createSettings(
    db,
    () => Date.now(),
    () => undefined,
  );
}

/** A FleetService on its own settings, as node `node` on the broker at `url`. */
function node(
  name: string,
  role: FleetSettings,
  opts: { url?: string; keepaliveSec?: number; settings?: Settings; retryMs?: number } = {},
): Node {
  const settings = opts.settings ?? settingsOn(tmp());
  settings.set(fleetSetting, role);
  const logs: string[] = [];
  const log: Logger = {
    info: (m) => logs.push(`info: ${m}`),
    warn: (m) => logs.push(`warn: ${m}`),
    error: (m) => logs.push(`error: ${m}`),
  };
  const scheduler = new FakeScheduler();
  const clients: MqttClient[] = [];
  const fleet = new FleetService({
    settings,
    clock: systemClock,
    random: Math.random,
    log,
    events: new EventBus(),
    scheduler,
    home: {
      broker: () => ({ url: opts.url ?? broker.url, nodeId: name, username: null, password: null, caFile: null }),
    },
    keepaliveSec: opts.keepaliveSec ?? 5,
    settleMs: 300,
    tickMs: 200,
    // A node the test cut off stays away unless it says otherwise.
    backoff: { floorMs: opts.retryMs ?? 60_000, capMs: opts.retryMs ?? 60_000 },
    connect: (url: string, o: IClientOptions) => {
      const c = mqttConnect(url, o);
      clients.push(c);
      return c;
    },
  });
  fleet.start();
  cleanup.push(() => fleet.stop());
  return { fleet, scheduler, settings, logs, clients };
}

/** A planner node, once it holds the role. */
async function plannerNode(name: string): Promise<Node> {
  const n = node(name, { role: 'planner', planner: null });
  await until(
    `${name} plans`,
    () => n.fleet.status(),
    (s) => s.state === 'planning',
    10_000,
  );
  return n;
}

/** `agent` offers one device of `powerW`; resolves once the planner has it in its inputs. */
async function offered(planner: Node, agent: Node, powerW: number): Promise<void> {
  agent.fleet.offer(offerOf(powerW));
  await until(
    'the agent planned',
    () => planner.fleet.agentInputs().devices.length,
    (n) => n === 1,
    10_000,
  );
}

/** A plain MQTT client on the broker: what any other program on the home's bus may send. */
async function raw(own = true): Promise<{
  c: MqttClient;
  got: Map<string, string>;
  topics: string[];
  pub(topic: string, payload: string | Buffer, retain?: boolean): Promise<void>;
}> {
  const c = mqttConnect(broker.url, { clientId: `test_${Math.random().toString(16).slice(2)}` });
  await new Promise<void>((resolve, reject) => {
    c.once('connect', () => resolve());
    c.once('error', reject);
  });
  const got = new Map<string, string>();
  const topics: string[] = [];
  c.on('message', (t, p) => {
    got.set(t, p.toString());
    topics.push(t);
  });
  await c.subscribeAsync('hearth/#', { qos: 1 });
  if (own) cleanup.push(() => c.endAsync(true));
  return {
    c,
    got,
    topics,
    pub: async (topic, payload, retain = true) => {
      await c.publishAsync(topic, payload, { qos: 1, retain });
    },
  };
}

/** Removes every retained message the fleet left (each test starts from an empty bus). */
async function clearRetained(): Promise<void> {
  const r = await raw(false);
  await new Promise((res) => setTimeout(res, 200));
  for (const t of [...r.got.keys()]) await r.pub(t, '');
  await r.c.endAsync();
}

const heater = (powerW: number) => ({
  id: deviceId('heater'),
  levels: [{ powerW, rates: { mine: 3_600 } }],
});
const offerOf = (powerW: number): FleetInputs => ({
  devices: [heater(powerW)],
  jobs: [{ id: jobId('job:1'), kind: 'mine', valuePerWork: 1e-6 }],
});

function planWith(decisions: PlanDecision[][], start = Math.floor(Date.now() / 900_000) * 900_000): Plan {
  return {
    slots: decisions.map((d, i) =>
      plannedSlot({ start: start + i * 900_000, price: 0.1, decisions: d, reason: 'test' }),
    ),
    totals: zeroTotals(),
    shortfalls: [],
    solver: 'dp',
    status: { kind: 'optimal' },
    planMs: 1,
  };
}
const run = (device: string, job: string, powerW: number): PlanDecision => ({
  device: deviceId(device),
  job: jobId(job),
  level: 0,
  powerW,
  work: 900,
});

/**
 * A TCP relay to the broker that can go silent without closing (a cable pulled, a node frozen):
 * the broker hears nothing more, and only its keep-alive check can tell the node is gone.
 */
async function relay(): Promise<{ url: string; freeze(): void; close(): Promise<void> }> {
  const socks: net.Socket[] = [];
  let frozen = false;
  const server = net.createServer((inner) => {
    const outer = net.connect(broker.port, '127.0.0.1');
    socks.push(inner, outer);
    inner.on('data', (b) => !frozen && outer.write(b));
    outer.on('data', (b) => !frozen && inner.write(b));
    const end = () => {
      if (frozen) return;
      inner.destroy();
      outer.destroy();
    };
    inner.on('close', end);
    outer.on('close', end);
    inner.on('error', () => undefined);
    outer.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    freeze: () => {
      frozen = true;
    },
    close: async () => {
      for (const s of socks) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** How often mosquitto 2.0 checks its clients' keep-alives, ms. */
const MOSQUITTO_CHECK_MS = 5_000;

describe.skipIf(!MOSQUITTO)('the fleet on a real mosquitto', () => {
  // Run last (the cleanups run newest first): after every node left, the bus is emptied for the next test.
  beforeEach(() => {
    cleanup.push(clearRetained);
  });

  it('one node claims the planning role; a second planner is refused with the message and takes over when the first goes offline', async () => {
    const bus = await raw();
    const den = await plannerNode('den');
    expect(den.scheduler.link).toBe(den.fleet);
    expect(JSON.parse(bus.got.get(CLAIM_TOPIC) ?? '{}')).toMatchObject({ node: 'den' });
    expect(JSON.parse(bus.got.get(fleetTopics('den').state) ?? '{}')).toMatchObject({ role: 'planner', online: true });

    const loft = node('loft', { role: 'planner', planner: null });
    const refused = await until(
      'loft refused',
      () => loft.fleet.status(),
      (s) => s.state === 'refused',
      10_000,
    );
    expect(refused.message).toBe(
      'node den already plans this home: make this node an agent, or make den stop planning first',
    );
    expect(refused.message).toBe(refusal('den'));
    expect(refused.planner).toBe('den');
    expect(loft.logs).toContain(`warn: fleet: ${refusal('den')}`);
    // Refused, it plans only itself: no agent's inputs, and its plans go nowhere.
    expect(loft.fleet.agentInputs()).toEqual({ devices: [], jobs: [] });
    // The claim is still den's.
    expect(JSON.parse(bus.got.get(CLAIM_TOPIC)!)).toMatchObject({ node: 'den' });

    // den's connection drops without a goodbye: the broker sends its will, and loft takes the role.
    den.clients.at(-1)!.stream.destroy();
    await until(
      'den offline by its will',
      () => bus.got.get(fleetTopics('den').state),
      (v) => v?.includes('"online":false') === true,
      10_000,
    );
    await until(
      'loft plans',
      () => loft.fleet.status(),
      (s) => s.state === 'planning',
      10_000,
    );
    expect(JSON.parse(bus.got.get(CLAIM_TOPIC)!)).toMatchObject({ node: 'loft' });
  }, 40_000);

  it("an agent's offer reaches the planner's inputs prefixed; schedules go to the right agent only; a schedule from another node is ignored; the last one outlives a restart", async () => {
    const bus = await raw();
    const den = await plannerNode('den');
    const attic = node('attic', { role: 'agent', planner: 'den' });
    const shed = node('shed', { role: 'agent', planner: 'den' });
    // An agent of another planner offers on the same bus: den must not plan it.
    const barn = node('barn', { role: 'agent', planner: 'elsewhere' });
    expect(attic.scheduler.link?.role()).toBe('agent');
    await expect(attic.fleet.configure({ role: 'agent', planner: 'attic' })).rejects.toThrow(
      'this node is attic: an agent follows another node',
    );
    await until(
      'attic idle',
      () => attic.fleet.status(),
      (s) => s.state === 'idle',
      10_000,
    );
    const before = den.scheduler.replans;
    attic.fleet.offer(offerOf(140));
    shed.fleet.offer(offerOf(100));
    barn.fleet.offer(offerOf(50));
    const inputs = await until(
      'both agents in den inputs',
      () => den.fleet.agentInputs(),
      (i) => i.devices.length === 2,
      10_000,
    );
    expect(inputs.devices.map((d) => d.id).sort()).toEqual(['attic/heater', 'shed/heater']);
    const a = inputs.devices.find((d) => d.id === 'attic/heater')!;
    expect(a.levels).toEqual([{ powerW: 140, rates: { 'attic/mine': 3_600 } }]);
    expect(inputs.jobs.map((j) => [j.id, j.kind]).sort()).toEqual([
      ['attic/job:1', 'attic/mine'],
      ['shed/job:1', 'shed/mine'],
    ]);
    expect(den.scheduler.replans).toBeGreaterThan(before);
    const st = den.fleet.status();
    expect(st.nodes.find((n) => n.node === 'attic')).toMatchObject({
      role: 'agent',
      online: true,
      devices: [{ id: 'attic/heater', label: 'heater', status: 'online' }],
    });

    // den plans: its own heater and attic's run, shed's stays off.
    const plan = planWith([
      [
        run('heater', 'mining', 200),
        run('attic/heater', 'attic/job:1', 140),
        { device: deviceId('shed/heater'), job: null, level: -1, powerW: 0, work: 0 },
      ],
      [run('attic/heater', 'attic/job:1', 140)],
    ]);
    bus.topics.length = 0;
    den.fleet.planned(plan);
    const got = await until(
      'attic follows',
      () => attic.fleet.status(),
      (s) => s.state === 'following',
      10_000,
    );
    expect(got.message).toBeNull();
    const sa = attic.fleet.schedule()!;
    expect(sa.slots.map((s) => s.decisions.map((d) => [d.device, d.job, d.powerW]))).toEqual([
      [['heater', 'job:1', 140]],
      [['heater', 'job:1', 140]],
    ]);
    await until(
      'shed follows',
      () => shed.fleet.schedule(),
      (s) => s !== null,
      10_000,
    );
    expect(shed.fleet.schedule()!.slots[0]!.decisions).toEqual([
      { device: 'heater', job: null, level: -1, powerW: 0, work: 0 },
    ]);
    expect(attic.scheduler.replans).toBeGreaterThan(0);
    // Only the two agents that offered to den got a schedule: barn (another planner's) did not.
    await new Promise((r) => setTimeout(r, 300));
    expect(bus.topics.filter((t) => t.endsWith('/fleet/schedule')).sort()).toEqual([
      fleetTopics('attic').schedule,
      fleetTopics('shed').schedule,
    ]);
    expect(den.fleet.status().nodes.find((n) => n.node === 'attic')?.scheduleUntil).toBe(
      plan.slots[1]!.start + 900_000,
    );

    // Someone else publishes a schedule for attic: ignored, attic keeps den's.
    const intruder = {
      version: 1,
      planner: 'loft',
      node: 'attic',
      at: Date.now() + 1,
      until: Date.now() + 3_600_000,
      plan: planWith([[run('heater', 'job:1', 999)]]),
    };
    await bus.pub(fleetTopics('attic').schedule, JSON.stringify(intruder));
    await until(
      'refusal logged',
      () => attic.logs.join('\n'),
      (l) => l.includes('sent by loft, but this node follows den'),
      5_000,
    );
    expect(attic.fleet.schedule()!.slots[0]!.decisions[0]!.powerW).toBe(140);

    // attic restarts (same settings): it follows den's last schedule before hearing from anyone.
    await attic.fleet.stop();
    const again = new FleetService({
      settings: attic.settings,
      clock: systemClock,
      random: Math.random,
      log: { info: () => undefined, warn: () => undefined, error: () => undefined },
      events: new EventBus(),
      scheduler: new FakeScheduler(),
      home: { broker: () => null },
    });
    again.start();
    cleanup.push(() => again.stop());
    expect(again.schedule()?.slots[0]!.decisions[0]).toMatchObject({ device: 'heater', powerW: 140 });
  }, 40_000);

  it("an agent that goes silent is dropped from the inputs by its will within the broker's keep-alive bound, and planned again when it is back", async () => {
    const den = await plannerNode('den');
    const r = await relay();
    cleanup.push(() => r.close());
    const KEEPALIVE_S = 1;
    const attic = node('attic', { role: 'agent', planner: 'den' }, { url: r.url, keepaliveSec: KEEPALIVE_S });
    await until(
      'attic connected',
      () => attic.fleet.status(),
      (s) => s.state === 'idle',
      10_000,
    );
    await offered(den, attic, 140);
    const replans = den.scheduler.replans;

    const t0 = Date.now();
    r.freeze();
    await until(
      'attic dropped',
      () => den.fleet.agentInputs().devices.length,
      (n) => n === 0,
      10_000,
      20,
    );
    const took = Date.now() - t0;
    // The broker sends the will after 1.5 keep-alives of silence; mosquitto 2.0 looks at the
    // keep-alives every 5 s (measured: 1 to 3 s keep-alives all gave the will 4.7-4.9 s after the
    // silence began), plus 2 s for a second's rounding and this check's polling.
    console.log(`silent agent dropped ${took} ms after it went silent (keep-alive ${KEEPALIVE_S} s)`);
    expect(took).toBeLessThan(KEEPALIVE_S * 1_500 + MOSQUITTO_CHECK_MS + 2_000);
    expect(den.scheduler.replans).toBeGreaterThan(replans);
    expect(den.fleet.status().nodes.find((n) => n.node === 'attic')?.online).toBe(false);

    // attic is back (a new connection): online again, its retained offer planned again.
    const back = node('attic', { role: 'agent', planner: 'den' });
    back.fleet.offer(offerOf(140));
    await until(
      'attic planned again',
      () => den.fleet.agentInputs().devices.length,
      (n) => n === 1,
      10_000,
    );
  }, 40_000);

  it('two planners started together settle on one: the other is refused', async () => {
    const a = node('den', { role: 'planner', planner: null });
    const b = node('loft', { role: 'planner', planner: null });
    const [sa, sb] = await until(
      'one plans, one is refused',
      () => [a.fleet.status().state, b.fleet.status().state],
      (st) => st.includes('planning') && st.includes('refused'),
      10_000,
    );
    // Settled: a second later it is still so.
    await new Promise((r) => setTimeout(r, 1_000));
    expect([a.fleet.status().state, b.fleet.status().state]).toEqual([sa, sb]);
    const holder = sa === 'planning' ? 'den' : 'loft';
    expect((sa === 'refused' ? a : b).fleet.status().message).toBe(refusal(holder));
  }, 20_000);

  it("an agent idles when its schedule's last slot ends, and says so", async () => {
    const den = await plannerNode('den');
    const attic = node('attic', { role: 'agent', planner: 'den' });
    await offered(den, attic, 140);
    // One slot that ends 1.5 s from now.
    const plan = planWith([[run('attic/heater', 'attic/job:1', 140)]], Date.now() - 900_000 + 1_500);
    den.fleet.planned(plan);
    await until(
      'attic follows',
      () => attic.fleet.status(),
      (s) => s.state === 'following',
      5_000,
    );
    expect(attic.fleet.schedule()).not.toBeNull();
    const idle = await until(
      'attic idles',
      () => attic.fleet.status(),
      (s) => s.state === 'idle',
      5_000,
    );
    expect(idle.message).toBe(
      `den's last schedule ended at ${new Date(plan.slots[0]!.start + 900_000).toISOString()}: idle until it sends another`,
    );
    expect(attic.fleet.schedule()).toBeNull();
  }, 20_000);

  it('garbage on the fleet topics is logged and ignored: nothing crashes, nothing changes', async () => {
    const bus = await raw();
    const den = await plannerNode('den');
    const attic = node('attic', { role: 'agent', planner: 'den' });
    await offered(den, attic, 140);
    den.fleet.planned(planWith([[run('attic/heater', 'attic/job:1', 140)]]));
    await until(
      'attic follows',
      () => attic.fleet.status(),
      (s) => s.state === 'following',
      10_000,
    );
    const inputsBefore = JSON.stringify(den.fleet.agentInputs());
    const scheduleBefore = JSON.stringify(attic.fleet.schedule());

    await bus.pub(fleetTopics('attic').offer, 'not json {');
    await bus.pub(
      fleetTopics('attic').offer,
      JSON.stringify({ version: 1, planner: 'den', at: 1, devices: [{ id: 'x' }], jobs: [], summary: [] }),
    );
    await bus.pub(fleetTopics('attic').offer, Buffer.alloc(5 * 1024 * 1024, 0x7b));
    await bus.pub(fleetTopics('attic').state, JSON.stringify({ version: 2, role: 'agent', online: false, at: 1 }));
    await bus.pub(fleetTopics('ghost').state, '[]');
    await bus.pub(CLAIM_TOPIC, JSON.stringify({ version: 1, node: 'bad node!', at: 1 }));
    await bus.pub(
      fleetTopics('attic').schedule,
      JSON.stringify({
        version: 1,
        planner: 'den',
        node: 'attic',
        at: Date.now() + 5,
        until: Date.now() + 9e6,
        plan: { slots: 'many' },
      }),
    );
    await bus.pub(fleetTopics('attic').schedule, '\u0000\u0001binary');
    // Well formed and from den, but for another node: not attic's to run.
    const forShed = planWith([[run('heater', 'job:1', 999)]]);
    await bus.pub(
      fleetTopics('attic').schedule,
      JSON.stringify({
        version: 1,
        planner: 'den',
        node: 'shed',
        at: Date.now() + 9,
        until: Date.now() + 9e5,
        plan: forShed,
      }),
    );
    await bus.pub('hearth/attic/fleet/schedule/extra', 'ignored: not a fleet topic');

    await until(
      'every bad message logged',
      () => [...den.logs, ...attic.logs].filter((l) => l.startsWith('warn: fleet: ignored')).length,
      (n) => n >= 10,
      10_000,
    );
    const warnings = [...den.logs, ...attic.logs].filter((l) => l.startsWith('warn: fleet: ignored'));
    // Three bad offers, two bad states, the bad claim (seen by both), three bad schedules: one line each.
    expect(warnings).toHaveLength(10);
    expect(warnings.some((l) => l.includes('not JSON'))).toBe(true);
    expect(warnings.some((l) => l.includes('it is addressed to shed, not to attic'))).toBe(true);
    expect(warnings.some((l) => l.includes('more than the 4194304 a fleet message may have'))).toBe(true);
    expect(den.logs.some((l) => l.startsWith('error:'))).toBe(false);
    expect(attic.logs.some((l) => l.startsWith('error:'))).toBe(false);
    // Nothing believed: den still plans attic as offered, attic still follows den's schedule.
    expect(den.fleet.status().state).toBe('planning');
    expect(JSON.stringify(den.fleet.agentInputs())).toBe(inputsBefore);
    expect(JSON.stringify(attic.fleet.schedule())).toBe(scheduleBefore);
    expect(attic.fleet.status().state).toBe('following');
    expect(den.fleet.status().nodes.find((n) => n.node === 'attic')?.online).toBe(true);
  }, 40_000);
});
