import { connect as mqttConnect, type IClientOptions, type MqttClient } from 'mqtt';
import { HandlerError, type FleetNode, type FleetSettings, type FleetState, type FleetStatus } from '#contract/index';
import type { Plan } from '#contract/plan';
import type { Clock, Random } from '#core/clock';
import type { EventBus } from '#core/event';
import type { HardwareService } from '#core/hardware/service';
import { backoffDelay, brokerOptions, DEFAULT_BACKOFF, type Backoff, type HomeService } from '#core/home/service';
import type { Logger } from '#core/log';
import { prefixed, scheduleFor, type FleetInputs, type FleetLink } from '#core/scheduler/fleet-link';
import type { Settings } from '#core/setting';
import {
  ALL_OFFERS,
  ALL_STATES,
  CLAIM_TOPIC,
  claimMessageSchema,
  FLEET_PROTOCOL,
  fleetTopics,
  offerMessageSchema,
  parseMessage,
  planEnd,
  scheduleMessageSchema,
  stateMessageSchema,
  topicNode,
  type ClaimMessage,
  type OfferMessage,
  type ScheduleMessage,
  type StateMessage,
} from './protocol.ts';
import { fleetScheduleSetting, fleetSetting } from './setting.ts';

/** What the fleet needs of the scheduler (SchedulerService): to attach itself, and to ask for a new plan. */
export type FleetScheduler = { attachFleet(link: FleetLink | null): void; fleetChanged(): void };

export type FleetDeps = {
  settings: Settings;
  clock: Clock;
  random: Random;
  log: Logger;
  /** `fleet-status` goes out; `home-status` comes in (the broker settings may have changed). */
  events: EventBus;
  scheduler: FleetScheduler | null;
  /** The home's broker (issue 22): the fleet talks over the same broker with the same node id. */
  home: Pick<HomeService, 'broker'> | null;
  /** Power now of this node's devices, for the offer's summary. */
  hardware?: Pick<HardwareService, 'latest'> | null;
  /** `hearth serve --fleet`: wins over the stored role for this run. */
  override?: FleetSettings | null;
  /** MQTT keep-alive, s (default 30): a silent node's will is sent at most 1.5 times this after it went silent. */
  keepaliveSec?: number;
  backoff?: Backoff;
  /** After subscribing, how long the retained claim and states take to arrive, ms (default 1 s). */
  settleMs?: number;
  /** An offer whose devices and jobs changed only in their figures is sent at most this often, ms (default 60 s). */
  offerEveryMs?: number;
  /** An offer whose devices and jobs did not change (only the power now) is sent at most this often, ms (default 10 s). */
  summaryEveryMs?: number;
  /** How often the state is looked at again (a schedule that ended, the summary), ms (default 5 s). */
  tickMs?: number;
  connect?: (url: string, opts: IClientOptions) => MqttClient;
};

type Seen = {
  role: 'planner' | 'agent';
  online: boolean;
  lastSeen: number | null;
  offer: OfferMessage | null;
  /** The offer's devices and jobs as JSON: a new plan only when they change. */
  inputsKey: string;
  scheduleUntil: number | null;
};

const EMPTY: FleetInputs = { devices: [], jobs: [] };
const NO_BROKER =
  "the fleet talks over the home's MQTT broker, which is off: switch the MQTT link on in Settings → Home Assistant (MQTT), or start with hearth serve --mqtt URL";

/**
 * One Hearth node among several (issue 23, docs/fleet.md): on the home's broker it says who it is
 * (retained state, last will), a planner claims the role and plans the agents' offered devices
 * with its own, sending each its part of the plan; an agent offers its devices and jobs and runs
 * what its planner sent, until that schedule ends. The scheduler sees only the FleetLink.
 */
export class FleetService implements FleetLink {
  private client: MqttClient | null = null;
  private connected = false;
  private connectedAt = 0;
  private attempt = 0;
  private retry: { cancel(): void } | null = null;
  private settle: { cancel(): void } | null = null;
  private ticker: { cancel(): void } | null = null;
  private unsubs: (() => void)[] = [];
  private running = false;
  private linking: Promise<void> = Promise.resolve();
  private lastError: string | null = null;
  private retryAt: number | null = null;
  /** What the connection was opened with (JSON), to notice a change of the settings or the broker. */
  private seen = '';
  private cfg: FleetSettings = { role: 'off', planner: null };
  private self = 'hearth';
  private settled = false;
  private claim: ClaimMessage | null = null;
  private holding = false;
  private refusedBy: string | null = null;
  private readonly nodes = new Map<string, Seen>();
  private sched: ScheduleMessage | null = null;
  private offered: FleetInputs | null = null;
  private offerSent: { shape: string; key: string; summary: string; at: number } | null = null;
  private lastStatus = '';
  /** The role the scheduler was given this link in. */
  private attached: FleetSettings['role'] = 'off';

  constructor(private readonly d: FleetDeps) {}

  // --- FleetLink (the scheduler's side) ---

  role(): 'planner' | 'agent' {
    return this.cfg.role === 'agent' ? 'agent' : 'planner';
  }

  agentInputs(): FleetInputs {
    if (this.cfg.role !== 'planner' || !this.holding || !this.connected) return EMPTY;
    const out: FleetInputs = { devices: [], jobs: [] };
    for (const [node, n] of this.planned$()) {
      const p = prefixed(node, { devices: n.offer!.devices, jobs: n.offer!.jobs });
      out.devices.push(...p.devices);
      out.jobs.push(...p.jobs);
    }
    return out;
  }

  planned(plan: Plan): void {
    if (this.cfg.role !== 'planner' || !this.holding || !this.connected) return;
    const now = this.d.clock.now();
    const until = planEnd(plan);
    for (const [node, n] of this.planned$()) {
      const msg: ScheduleMessage = {
        version: FLEET_PROTOCOL,
        planner: this.self,
        node,
        at: now,
        until,
        plan: scheduleFor(node, plan),
      };
      this.publish(fleetTopics(node).schedule, JSON.stringify(msg));
      n.scheduleUntil = until;
    }
    this.emitStatus();
  }

  offer(inputs: FleetInputs): void {
    this.offered = inputs;
    this.sendOffer(false);
  }

  schedule(): Plan | null {
    const s = this.sched;
    return s && this.cfg.role === 'agent' && s.until > this.d.clock.now() ? s.plan : null;
  }

  plannerNode(): string | null {
    return this.cfg.role === 'agent' ? this.cfg.planner : this.holding ? this.self : (this.claim?.node ?? null);
  }

  // --- the domain's own side ---

  status(): FleetStatus {
    const nodes: FleetNode[] = [...this.nodes.entries()]
      .filter(([node]) => node !== this.self)
      .map(([node, n]) => ({
        node,
        role: n.role,
        online: n.online,
        lastSeen: n.lastSeen,
        devices: (n.offer?.summary ?? []).map((dev) => ({ ...dev, id: `${node}/${dev.id}` })),
        scheduleUntil: n.scheduleUntil,
      }))
      .sort((a, b) => a.node.localeCompare(b.node));
    const [state, message] = this.describe();
    return {
      role: this.cfg.role,
      override: Boolean(this.d.override),
      node: this.self,
      state,
      message,
      planner: this.claim?.node ?? null,
      nodes,
    };
  }

  /** Stores the role; joins the bus in it (unless `--fleet` decides this run). */
  async configure(s: FleetSettings): Promise<FleetStatus> {
    let own: string | null = null;
    try {
      own = this.d.home?.broker()?.nodeId ?? null;
    } catch {
      // The password cannot be opened: the status says so once connecting; the role can still be stored.
    }
    if (s.role === 'agent' && s.planner === own)
      throw new HandlerError(
        'bad-request',
        `this node is ${own}: an agent follows another node`,
        'give the node id of the node that plans, or make this node the planner',
      );
    this.d.settings.set(fleetSetting, s);
    if (this.running && !this.d.override) await this.reconnect();
    return this.status();
  }

  start(): void {
    this.running = true;
    // At once, not after connecting: an agent follows its last schedule even while the broker is away.
    this.takeSettings();
    this.unsubs.push(this.d.events.on('home-status', () => this.reload()));
    this.ticker = this.d.clock.setInterval(() => this.tick(), this.d.tickMs ?? 5_000);
    void this.reconnect();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.ticker?.cancel();
    for (const u of this.unsubs.splice(0)) u();
    await this.linking;
    await this.disconnect(true);
    // The scheduler keeps the link (the core stops it next): unconnected, it gives no agents and
    // sends nothing; attaching null here would only ask for a plan while everything stops.
  }

  /** The fleet or broker settings changed (here, or in another process): connect again with them. */
  reload(): void {
    if (this.running && this.fingerprint() !== this.seen) void this.reconnect();
  }

  // --- connection ---

  private fingerprint(): string {
    let broker: unknown;
    try {
      broker = this.d.home?.broker() ?? null;
    } catch (err) {
      broker = (err as Error).message;
    }
    return JSON.stringify([this.d.override ?? this.d.settings.get(fleetSetting), broker]);
  }

  private reconnect(): Promise<void> {
    // One after another: a change while the last connection still closes never leaves two clients.
    this.linking = this.linking.then(async () => {
      await this.disconnect(true);
      this.attempt = 0;
      this.begin();
    });
    return this.linking;
  }

  /** Takes the settings as they are now: the role, this node's last schedule, the scheduler's link. */
  private takeSettings(): void {
    const cfg = this.d.override ?? this.d.settings.get(fleetSetting);
    const changed = JSON.stringify(cfg) !== JSON.stringify(this.cfg);
    this.cfg = cfg;
    const stored = this.d.settings.get(fleetScheduleSetting);
    this.sched = cfg.role === 'agent' && stored && stored.planner === cfg.planner ? stored : null;
    // Attaching plans again: only when the role changed (off, the default, is what the scheduler has).
    if (cfg.role !== this.attached) {
      this.attached = cfg.role;
      this.d.scheduler?.attachFleet(cfg.role === 'off' ? null : this);
    } else if (changed) this.changed();
  }

  private begin(): void {
    if (!this.running) return;
    this.seen = this.fingerprint();
    this.nodes.clear();
    this.claim = null;
    this.refusedBy = null;
    this.offerSent = null;
    this.takeSettings();
    this.open();
  }

  private open(): void {
    if (!this.running || this.cfg.role === 'off') return this.emitStatus();
    let broker: ReturnType<HomeService['broker']>;
    try {
      broker = this.d.home?.broker() ?? null;
    } catch (err) {
      this.lastError = `the broker password cannot be opened: ${(err as Error).message}`;
      return this.emitStatus();
    }
    if (!broker) {
      this.lastError = NO_BROKER;
      return this.emitStatus();
    }
    this.self = broker.nodeId;
    if (this.cfg.role === 'agent' && this.cfg.planner === this.self) {
      this.lastError = `this node is ${this.self} and cannot follow itself: give the id of the node that plans, or make this node the planner`;
      return this.emitStatus();
    }
    const at = this.d.clock.now();
    this.connectedAt = at;
    const role = this.role();
    const t = fleetTopics(this.self);
    const will: StateMessage = { version: FLEET_PROTOCOL, role, online: false, at };
    let opts: IClientOptions;
    try {
      opts = brokerOptions(broker, {
        clientId: `hearth_${this.self}_fleet_${Math.floor(this.d.random() * 0xffffffff).toString(16)}`,
        keepaliveSec: this.d.keepaliveSec ?? 30,
        will: { topic: t.state, payload: Buffer.from(JSON.stringify(will)), qos: 1, retain: true },
      });
    } catch (err) {
      this.lastError = (err as Error).message;
      return this.emitStatus();
    }
    this.lastError = null;
    this.retryAt = null;
    const client = (this.d.connect ?? mqttConnect)(broker.url, opts);
    this.client = client;
    this.emitStatus();
    client.on('connect', () => {
      if (this.client !== client) return;
      this.attempt = 0;
      this.connected = true;
      this.settled = false;
      this.lastError = null;
      const online: StateMessage = { ...will, online: true };
      this.publish(t.state, JSON.stringify(online));
      const subs =
        role === 'planner'
          ? [CLAIM_TOPIC, ALL_STATES, ALL_OFFERS]
          : [CLAIM_TOPIC, t.schedule, fleetTopics(this.cfg.planner!).state];
      client.subscribe(subs, { qos: 1 }, (err) => {
        if (this.client !== client) return;
        if (err) this.d.log.warn(`fleet: subscribing failed: ${err.message}`);
        // Retained messages follow the subscription's acknowledgement: wait for them before
        // deciding whether the planning role is free.
        this.settle?.cancel();
        this.settle = this.d.clock.setTimeout(() => {
          if (this.client !== client) return;
          this.settled = true;
          this.evaluate();
          this.emitStatus();
        }, this.d.settleMs ?? 1_000);
      });
      this.sendOffer(true);
      this.emitStatus();
    });
    client.on('error', (err) => {
      if (this.client !== client) return;
      this.lastError = err.message;
    });
    client.on('message', (topic, payload) => {
      if (this.client !== client) return;
      try {
        this.message(topic, payload);
      } catch (err) {
        // Whatever a message holds, the node goes on: a bug here is logged, not thrown at mqtt.js.
        this.d.log.error(`fleet: handling ${topic} failed: ${(err as Error).message}`);
      }
    });
    client.on('close', () => {
      if (this.client !== client) return;
      this.client = null;
      client.removeAllListeners();
      client.on('error', () => undefined);
      client.end(true);
      this.lost();
      this.scheduleRetry();
    });
  }

  /** The connection is gone: what the bus said is no longer known; a planner plans only itself meanwhile. */
  private lost(): void {
    const had = this.holding;
    this.connected = false;
    this.settled = false;
    this.holding = false;
    this.settle?.cancel();
    for (const n of this.nodes.values()) n.online = false;
    if (had) this.changed();
  }

  private scheduleRetry(): void {
    if (!this.running) return;
    const delay = backoffDelay(this.attempt++, this.d.backoff ?? DEFAULT_BACKOFF, this.d.random);
    this.retryAt = this.d.clock.now() + delay;
    this.lastError ??= 'the broker closed the connection';
    this.retry?.cancel();
    this.retry = this.d.clock.setTimeout(() => {
      this.retry = null;
      this.open();
    }, delay);
    this.emitStatus();
  }

  private async disconnect(sayOffline: boolean): Promise<void> {
    this.retry?.cancel();
    this.retry = null;
    this.settle?.cancel();
    const c = this.client;
    this.client = null;
    const wasHolding = this.holding;
    this.lost();
    if (!c) return;
    c.removeAllListeners();
    c.on('error', () => undefined);
    if (sayOffline && c.connected) {
      // Said before leaving, so the others need not wait for the broker to notice (the will covers a crash).
      const t = fleetTopics(this.self);
      const off: StateMessage = { version: FLEET_PROTOCOL, role: this.role(), online: false, at: this.connectedAt };
      const sent = (topic: string, payload: string) =>
        new Promise<void>((resolve) => c.publish(topic, payload, { qos: 1, retain: true }, () => resolve()));
      // A broker that just went away answers neither: quitting must not wait for it (2 s each).
      const within = (p: Promise<void>) =>
        Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 2_000).unref())]);
      const ended =
        (!wasHolding || (await within(sent(CLAIM_TOPIC, '')))) &&
        (await within(sent(t.state, JSON.stringify(off)))) &&
        (await within(new Promise<void>((resolve) => c.end(false, {}, () => resolve()))));
      if (!ended) c.end(true);
    } else c.end(true);
  }

  private publish(topic: string, payload: string): void {
    const c = this.client;
    if (!c?.connected) return;
    c.publish(topic, payload, { qos: 1, retain: true }, (err) => {
      if (err) this.d.log.warn(`fleet: publishing ${topic} failed: ${err.message}`);
    });
  }

  // --- messages ---

  private message(topic: string, payload: Buffer): void {
    if (topic === CLAIM_TOPIC) return this.onClaim(payload);
    const stateOf = topicNode(topic, 'state');
    if (stateOf !== null) return this.onState(stateOf, payload);
    const offerOf = topicNode(topic, 'offer');
    if (offerOf !== null) return this.onOffer(offerOf, payload);
    const scheduleOf = topicNode(topic, 'schedule');
    if (scheduleOf !== null) return this.onSchedule(scheduleOf, payload);
  }

  private refuse(topic: string, error: string): void {
    this.d.log.warn(`fleet: ignored the message on ${topic}: ${error}`);
  }

  private onClaim(payload: Buffer): void {
    const r = parseMessage(claimMessageSchema, payload);
    if (!r.ok) return this.refuse(CLAIM_TOPIC, r.error);
    this.claim = r.value;
    this.evaluate();
    this.emitStatus();
  }

  private seenNode(node: string, role: 'planner' | 'agent'): Seen {
    let n = this.nodes.get(node);
    if (!n) {
      n = { role, online: false, lastSeen: null, offer: null, inputsKey: '', scheduleUntil: null };
      this.nodes.set(node, n);
    }
    return n;
  }

  private onState(node: string, payload: Buffer): void {
    if (node === this.self) return;
    const topic = fleetTopics(node).state;
    const r = parseMessage(stateMessageSchema, payload);
    if (!r.ok) return this.refuse(topic, r.error);
    if (r.value === null) {
      // Deleted: the node left the fleet for good.
      const gone = this.nodes.get(node);
      this.nodes.delete(node);
      if (gone?.online && gone.offer) this.changed();
    } else {
      const n = this.seenNode(node, r.value.role);
      const was = n.online && n.role === 'agent';
      n.role = r.value.role;
      n.online = r.value.online;
      // Online: heard from now. Offline (its will, or its goodbye): last heard from then at the latest.
      n.lastSeen = r.value.online ? this.d.clock.now() : (n.lastSeen ?? r.value.at);
      if (was !== (n.online && n.role === 'agent') && n.offer && this.cfg.role === 'planner') {
        this.d.log.info(
          `fleet: ${node} is ${n.online ? 'online' : 'offline'}: planning ${n.online ? 'with' : 'without'} it`,
        );
        this.changed();
      }
    }
    this.evaluate();
    this.emitStatus();
  }

  private onOffer(node: string, payload: Buffer): void {
    if (node === this.self || this.cfg.role !== 'planner') return;
    const topic = fleetTopics(node).offer;
    const r = parseMessage(offerMessageSchema, payload);
    if (!r.ok) return this.refuse(topic, r.error);
    const n = this.seenNode(node, 'agent');
    const before = n.offer && n.offer.planner === this.self ? n.inputsKey : '';
    n.offer = r.value;
    n.inputsKey = r.value ? JSON.stringify([r.value.devices, r.value.jobs]) : '';
    if (r.value) n.lastSeen = this.d.clock.now();
    const after = r.value && r.value.planner === this.self ? n.inputsKey : '';
    if (before !== after && n.online) this.changed();
    this.emitStatus();
  }

  private onSchedule(node: string, payload: Buffer): void {
    const topic = fleetTopics(node).schedule;
    if (node !== this.self || this.cfg.role !== 'agent') return;
    const r = parseMessage(scheduleMessageSchema, payload);
    if (!r.ok) return this.refuse(topic, r.error);
    const s = r.value;
    if (s === null) return;
    if (s.planner !== this.cfg.planner)
      return this.refuse(topic, `sent by ${s.planner}, but this node follows ${this.cfg.planner}`);
    if (s.node !== this.self) return this.refuse(topic, `it is addressed to ${s.node}, not to ${this.self}`);
    // The retained copy of the one followed (a reconnect): nothing new. (The broker keeps a topic's
    // messages in order, so anything else is newer, even from a planner whose clock went back.)
    if (this.sched && s.at === this.sched.at && s.planner === this.sched.planner) return;
    this.sched = s;
    this.d.settings.set(fleetScheduleSetting, s);
    this.changed();
    this.emitStatus();
  }

  /**
   * Planner: takes the role when it is free (no claim, the claim is this node's, or its holder is
   * offline); refuses to plan others while another online node holds it. The last claim on the
   * broker wins when two nodes claim at once.
   */
  private evaluate(): void {
    if (this.cfg.role !== 'planner' || !this.connected || !this.settled) return;
    const holder = this.claim?.node ?? null;
    const wasHolding = this.holding;
    const wasRefused = this.refusedBy;
    const other = holder !== null && holder !== this.self ? this.nodes.get(holder) : undefined;
    if (holder !== null && holder !== this.self && other?.online) {
      this.holding = false;
      this.refusedBy = holder;
      if (wasRefused !== holder) this.d.log.warn(`fleet: ${refusal(holder)}`);
    } else if (holder === this.self) {
      this.holding = true;
      this.refusedBy = null;
    } else {
      // Free: claimed, and held once the broker echoes the claim back.
      this.holding = false;
      if (wasRefused) this.d.log.info(`fleet: ${wasRefused} is offline: this node takes the planning role`);
      this.refusedBy = null;
      const claim: ClaimMessage = { version: FLEET_PROTOCOL, node: this.self, at: this.d.clock.now() };
      this.publish(CLAIM_TOPIC, JSON.stringify(claim));
    }
    if (wasHolding !== this.holding) this.changed();
  }

  /** Agents offering to this planner and online, with their offers. */
  private *planned$(): Generator<[string, Seen]> {
    for (const [node, n] of this.nodes)
      if (node !== this.self && n.online && n.role === 'agent' && n.offer && n.offer.planner === this.self)
        yield [node, n];
  }

  // --- the agent's offer ---

  private summary(inputs: FleetInputs): OfferMessage['summary'] {
    const tele = this.d.hardware?.latest() ?? null;
    const now = this.d.clock.now();
    const slot = this.schedule()?.slots.findLast((s) => s.start <= now);
    return inputs.devices.map((dev) => {
      const t = tele?.devices.find((x) => x.deviceId === dev.id);
      // Measured where the hardware reads it; else what the schedule runs it at now.
      const planned = slot?.decisions.find((x) => x.device === dev.id);
      const powerW = t?.powerW ?? (planned ? Math.max(0, planned.powerW) : null);
      return { id: dev.id, label: t?.label ?? dev.id, powerW, status: 'online' as const };
    });
  }

  /**
   * Sends the offer at once when its devices, levels or jobs changed in kind (one came or went);
   * when only figures moved (a measured hash rate, a job's value) at most every `offerEveryMs`,
   * since each new offer makes the planner plan again; when only the power now moved (it is for the
   * page), at most every `summaryEveryMs`.
   */
  private sendOffer(force: boolean): void {
    if (this.cfg.role !== 'agent' || !this.connected || !this.offered) return;
    const inputs = this.offered;
    const shape = JSON.stringify([
      this.cfg.planner,
      inputs.devices.map((x) => [x.id, x.levels.length]),
      inputs.jobs.map((j) => [j.id, j.kind]),
    ]);
    const key = JSON.stringify([inputs.devices, inputs.jobs]);
    const summary = this.summary(inputs);
    const sum = JSON.stringify(summary);
    const now = this.d.clock.now();
    const last = this.offerSent;
    const since = last ? now - last.at : Infinity;
    const due =
      force ||
      !last ||
      last.shape !== shape ||
      (last.key !== key && since >= (this.d.offerEveryMs ?? 60_000)) ||
      (last.summary !== sum && since >= (this.d.summaryEveryMs ?? 10_000));
    if (!due) return;
    const msg: OfferMessage = {
      version: FLEET_PROTOCOL,
      planner: this.cfg.planner!,
      at: now,
      devices: inputs.devices,
      jobs: inputs.jobs,
      summary,
    };
    this.publish(fleetTopics(this.self).offer, JSON.stringify(msg));
    this.offerSent = { shape, key, summary: sum, at: now };
  }

  private tick(): void {
    this.sendOffer(false);
    this.emitStatus();
  }

  private changed(): void {
    this.d.scheduler?.fleetChanged();
  }

  // --- status ---

  private describe(): [FleetState, string | null] {
    const { role, planner } = this.cfg;
    if (role === 'off') return ['off', null];
    const now = this.d.clock.now();
    const following = role === 'agent' && this.sched !== null && this.sched.until > now;
    const until = this.sched ? new Date(this.sched.until).toISOString() : '';
    if (!this.connected) {
      if (this.client && this.lastError === null) return ['connecting', null];
      const why = this.lastError ?? 'not connected to the broker';
      const retry = this.retryAt !== null ? `; trying again at ${new Date(this.retryAt).toISOString()}` : '';
      return [
        'disconnected',
        `${why}${retry}${following ? `; following ${planner}'s last schedule until ${until}` : ''}`,
      ];
    }
    if (role === 'planner') {
      if (this.refusedBy !== null) return ['refused', refusal(this.refusedBy)];
      if (!this.holding) return ['connecting', null];
      return ['planning', null];
    }
    const p = this.nodes.get(planner!);
    const away = !p?.online;
    if (following)
      return ['following', away ? `${planner} is offline: following its last schedule until ${until}` : null];
    if (this.sched) return ['idle', `${planner}'s last schedule ended at ${until}: idle until it sends another`];
    return ['idle', `waiting for a schedule from ${planner}${away ? ' (it is offline)' : ''}`];
  }

  private emitStatus(): void {
    const s = this.status();
    const json = JSON.stringify(s);
    if (json === this.lastStatus) return;
    this.lastStatus = json;
    this.d.events.emit('fleet-status', s);
  }
}

/** What a node configured as planner says while another online node holds the role. */
export function refusal(holder: string): string {
  return `node ${holder} already plans this home: make this node an agent, or make ${holder} stop planning first`;
}
