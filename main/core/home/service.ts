import fs from 'node:fs';
import { connect as mqttConnect, type IClientOptions, type MqttClient } from 'mqtt';
import {
  HandlerError,
  type BrokerProbe,
  type HomeAction,
  type JobKind,
  type MqttLinkInput,
  type MqttLinkStatus,
  type MqttLinkView,
} from '#contract/index';
import type { Clock, Random } from '#core/clock';
import type { EventBus } from '#core/event';
import type { HardwareService } from '#core/hardware/service';
import type { HeatingService } from '#core/heating/service';
import type { JobService } from '#core/job/service';
import type { LedgerService } from '#core/ledger/service';
import type { Logger } from '#core/log';
import type { MiningService } from '#core/mining/service';
import type { SchedulerService } from '#core/scheduler/service';
import type { SecretStore } from '#core/secret';
import type { Settings } from '#core/setting';
import type { TariffService } from '#core/tariff/service';
import { dayKey } from '#core/time';
import { applyCommand, currentMode, parseCommand, PAUSE_SPAN_MS } from './command.ts';
import { discoveryMessages, ENTITIES, topics, type EntityId } from './discovery.ts';
import { planJsonSchema, planMessage } from './plan-topic.ts';
import { homeComputeOffSetting, homeLinkSetting, type StoredMqttLink } from './setting.ts';

/** What other domains and hosts may ask of the home link. */
export type HomeService = { status(): MqttLinkStatus; broker(): BrokerAccess | null };

/** The home's broker as the link reaches it, the password opened. */
export type BrokerAccess = {
  url: string;
  nodeId: string;
  username: string | null;
  password: string | null;
  caFile: string | null;
};

/**
 * mqtt.js options for a connection to the home's broker: no automatic reconnect (the caller
 * retries with `backoffDelay`), a clean session, the credentials and the CA file. Throws, saying
 * which, when the CA file cannot be read.
 */
export function brokerOptions(
  b: BrokerAccess,
  o: { clientId: string; keepaliveSec: number; will: NonNullable<IClientOptions['will']> },
): IClientOptions {
  const opts: IClientOptions = {
    clientId: o.clientId,
    keepalive: o.keepaliveSec,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
    clean: true,
    will: o.will,
    ...(b.username ? { username: b.username } : {}),
    ...(b.password ? { password: b.password } : {}),
  };
  if (b.caFile) {
    try {
      opts.ca = fs.readFileSync(b.caFile);
    } catch (err) {
      throw new Error(`the CA file: ${(err as Error).message}`, { cause: err });
    }
  }
  return opts;
}

export type Backoff = { floorMs: number; capMs: number };

export type HomeDeps = {
  settings: Settings;
  secrets: SecretStore;
  clock: Clock;
  random: Random;
  log: Logger;
  /** `telemetry` and `plan-updated` come in, `home-status` goes out. */
  events: EventBus;
  hardware?: Pick<HardwareService, 'latest'> | null;
  ledger?: Pick<LedgerService, 'settings' | 'days' | 'energyTotalKWh'> | null;
  mining?: Pick<MiningService, 'status' | 'configured'> | null;
  job?: Pick<JobService, 'list'> | null;
  tariff?: Pick<TariffService, 'slots'> | null;
  heating?: Pick<HeatingService, 'indoor'> | null;
  scheduler?: SchedulerService | null;
  /** `hearth serve --mqtt URL`: wins over the stored URL (and connects) for this run. */
  urlOverride?: string | null;
  /** From HEARTH_MQTT_USERNAME / HEARTH_MQTT_PASSWORD: win over the stored ones for this run. */
  envCredentials?: { username: string | null; password: string | null };
  probe?: (link: MqttLinkInput & { password: string | null }) => Promise<BrokerProbe>;
  /** Reconnect delays: doubling from `floorMs` up to `capMs`, each times 0.5–1 (random). */
  backoff?: Backoff;
  /** How often values are read for changes, ms (default 1 s). */
  tickMs?: number;
  /** A sensor's state is sent at most this often, ms (default 10 s). */
  minIntervalMs?: number;
  /** MQTT keep-alive, s (default 30): the broker sends the last will this long after Hearth goes silent. */
  keepaliveSec?: number;
  swVersion?: string;
  connect?: (url: string, opts: IClientOptions) => MqttClient;
};

export const DEFAULT_BACKOFF: Backoff = { floorMs: 1_000, capMs: 60_000 };

/** The delay before reconnect attempt `n` (0 = the first): doubling from the floor, capped, jittered by `random`. */
export function backoffDelay(n: number, b: Backoff, random: Random): number {
  const base = Math.min(b.capMs, b.floorMs * 2 ** Math.min(n, 30));
  return Math.max(b.floorMs, Math.round(base * (0.5 + 0.5 * random())));
}

const LEDGER_EVERY_MS = 10_000;

/**
 * Hearth on the home's MQTT bus: keeps a connection to the broker (retried with backoff, never
 * stopping the app), announces the entities by Home Assistant's discovery, sends their state on
 * change (a sensor at most every `minIntervalMs`), the plan retained after every re-plan, and
 * carries out commands from `hearth/<nodeId>/<entity>/set`.
 */
export class HomeLink implements HomeService {
  private client: MqttClient | null = null;
  private st: MqttLinkStatus = { state: 'off', url: null, lastPublishAt: null, lastError: null, retryAt: null };
  private attempt = 0;
  private retry: { cancel(): void } | null = null;
  private ticker: { cancel(): void } | null = null;
  private readonly sent = new Map<string, { value: string; at: number }>();
  private readonly unsubs: (() => void)[] = [];
  private ledgerCache: { at: number; today: number; month: number; energyKWh: number; currency: string } | null = null;
  private planStale = true;
  private pausedByHome = false;
  private running = false;
  private linking: Promise<void> = Promise.resolve();
  /** The stored settings the current connection was opened with (as JSON), to notice another process's change. */
  private seen = '';
  /** The link the current connection was made with (topics follow its node id). */
  private link: StoredMqttLink | null = null;

  constructor(private readonly d: HomeDeps) {}

  private stored(): StoredMqttLink {
    return this.d.settings.get(homeLinkSetting);
  }

  view(): MqttLinkView {
    const { password, ...rest } = this.stored();
    return { ...rest, passwordSet: password !== null, urlOverride: this.d.urlOverride ?? null };
  }

  status(): MqttLinkStatus {
    return { ...this.st };
  }

  async configure(input: MqttLinkInput): Promise<MqttLinkView> {
    const current = this.stored();
    const { password, ...rest } = input;
    const next: StoredMqttLink = {
      ...rest,
      password: password === undefined ? current.password : password === null ? null : this.d.secrets.seal(password),
    };
    if (next.password !== null && next.username === null && password !== null)
      throw new HandlerError(
        'bad-request',
        'a broker password needs its user name (MQTT sends no password without one)',
        'enter the user name, or remove the password',
      );
    if (next.caFile !== null && !fs.existsSync(next.caFile))
      throw new HandlerError('bad-request', `the CA file ${next.caFile} does not exist`, 'give the path of a PEM file');
    this.d.settings.set(homeLinkSetting, next);
    if (this.running) await this.reconnect();
    return this.view();
  }

  /** Another process saved the link settings (db-watch): connect again with them if they changed. */
  reload(): void {
    if (this.running && JSON.stringify(this.stored()) !== this.seen) void this.reconnect();
  }

  async test(partial: Partial<MqttLinkInput>): Promise<BrokerProbe> {
    if (!this.d.probe) throw new HandlerError('unavailable', 'the connection test is not available in this build');
    const s = this.stored();
    const { password: _sealed, ...link } = s;
    const password =
      partial.password !== undefined ? partial.password : s.password === null ? null : this.d.secrets.open(s.password);
    return this.d.probe({ ...link, url: this.d.urlOverride ?? link.url, ...partial, password });
  }

  start(): void {
    this.running = true;
    // Switched off from the bus before a restart: off until switched back on, not until Hearth restarts.
    const s = this.d.scheduler;
    if (s && this.d.settings.get(homeComputeOffSetting) && s.state().override?.kind !== 'pause') {
      this.pausedByHome = true;
      void s.setOverride({ kind: 'pause', until: this.d.clock.now() + PAUSE_SPAN_MS });
    }
    this.unsubs.push(
      this.d.events.on('plan-updated', () => {
        this.planStale = true;
        this.flushPlan();
      }),
    );
    this.ticker = this.d.clock.setInterval(() => this.tick(false), this.d.tickMs ?? 1_000);
    void this.reconnect();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.ticker?.cancel();
    for (const u of this.unsubs.splice(0)) u();
    await this.disconnect(true);
    this.setStatus({ state: 'off', retryAt: null });
  }

  /** Drops any connection and connects again with the settings as they are now (or stays off). */
  private reconnect(): Promise<void> {
    // One after another: a settings change while the last one is still closing never leaves two clients.
    this.linking = this.linking.then(async () => {
      await this.disconnect(true);
      this.attempt = 0;
      this.open();
    });
    return this.linking;
  }

  private effective(): { link: StoredMqttLink; password: string | null } | null {
    const s = this.stored();
    const url = this.d.urlOverride ?? s.url;
    if (!s.enabled && !this.d.urlOverride) return null;
    let password: string | null = null;
    const env = this.d.envCredentials;
    if (env?.password) password = env.password;
    else if (s.password !== null) password = this.d.secrets.open(s.password);
    return { link: { ...s, url, username: env?.username ?? s.username }, password };
  }

  /**
   * The broker as this link reaches it (URL, credentials, CA file, node id), for another domain
   * that talks over the same bus (the fleet); null while the link is off. Throws when the stored
   * password cannot be opened.
   */
  broker(): BrokerAccess | null {
    const eff = this.effective();
    if (!eff) return null;
    const { url, nodeId, username, caFile } = eff.link;
    return { url, nodeId, username, password: eff.password, caFile };
  }

  private open(): void {
    if (!this.running) return;
    this.seen = JSON.stringify(this.stored());
    let eff: ReturnType<HomeLink['effective']>;
    try {
      eff = this.effective();
    } catch (err) {
      this.setStatus({
        state: 'disconnected',
        lastError: `the broker password cannot be opened: ${(err as Error).message}`,
      });
      return;
    }
    if (!eff) {
      this.setStatus({ state: 'off', url: null, lastError: null, retryAt: null });
      return;
    }
    const { link, password } = eff;
    this.link = link;
    const t = topics(link.nodeId);
    let opts: IClientOptions;
    try {
      opts = brokerOptions(
        { url: link.url, nodeId: link.nodeId, username: link.username, password, caFile: link.caFile },
        {
          clientId: `hearth_${link.nodeId}_${Math.floor(this.d.random() * 0xffffffff).toString(16)}`,
          keepaliveSec: this.d.keepaliveSec ?? 30,
          will: { topic: t.availability, payload: Buffer.from('offline'), qos: 1, retain: true },
        },
      );
    } catch (err) {
      this.setStatus({ state: 'disconnected', url: link.url, lastError: (err as Error).message });
      return;
    }
    this.setStatus({ state: 'connecting', url: link.url, retryAt: null });
    const client = (this.d.connect ?? mqttConnect)(link.url, opts);
    this.client = client;
    client.on('connect', () => {
      if (this.client !== client) return;
      this.attempt = 0;
      this.setStatus({ state: 'connected', lastError: null, retryAt: null });
      this.announce();
    });
    client.on('error', (err) => {
      if (this.client !== client) return;
      this.st.lastError = err.message;
    });
    client.on('message', (topic, payload) => {
      if (this.client !== client) return;
      if (topic === `${link.discoveryPrefix}/status`) {
        // Home Assistant came back (its birth message): it forgot non-retained state, so tell it all again.
        if (payload.toString() === 'online') this.announce();
        return;
      }
      void this.command(topic, payload);
    });
    client.on('close', () => {
      if (this.client !== client) return;
      this.client = null;
      client.removeAllListeners();
      client.on('error', () => undefined);
      client.end(true);
      this.scheduleRetry();
    });
  }

  private scheduleRetry(): void {
    if (!this.running) return;
    const delay = backoffDelay(this.attempt++, this.d.backoff ?? DEFAULT_BACKOFF, this.d.random);
    const at = this.d.clock.now() + delay;
    this.setStatus({
      state: 'disconnected',
      lastError: this.st.lastError ?? 'the broker closed the connection',
      retryAt: at,
    });
    this.retry?.cancel();
    this.retry = this.d.clock.setTimeout(() => {
      this.retry = null;
      this.open();
    }, delay);
  }

  private async disconnect(sayOffline: boolean): Promise<void> {
    this.retry?.cancel();
    this.retry = null;
    const c = this.client;
    this.client = null;
    if (!c) return;
    c.removeAllListeners();
    c.on('error', () => undefined);
    const link = this.link;
    if (sayOffline && c.connected && link) {
      // Said before leaving, so HA does not wait for the broker to notice (the will covers a crash).
      const said = new Promise<void>((resolve) =>
        c.publish(topics(link.nodeId).availability, 'offline', { qos: 1, retain: true }, () => resolve()),
      );
      // A broker that just went away answers neither the publish nor the goodbye, and mqtt.js's
      // graceful end waits for both: quitting Hearth must not wait for it, so each has 2 s.
      const within = (p: Promise<void>) =>
        Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 2_000).unref())]);
      const ended =
        (await within(said)) && (await within(new Promise<void>((resolve) => c.end(false, {}, () => resolve()))));
      if (!ended) c.end(true);
    } else c.end(true);
  }

  /** On connect: online, the subscriptions, every discovery config, every state, the plan. */
  private announce(): void {
    const c = this.client;
    const link = this.link;
    if (!c || !link) return;
    const t = topics(link.nodeId);
    this.publish(t.availability, 'online', true);
    c.subscribe([t.commands, `${link.discoveryPrefix}/status`], { qos: 1 });
    for (const m of discoveryMessages({
      nodeId: link.nodeId,
      discoveryPrefix: link.discoveryPrefix,
      currency: this.currency(),
      swVersion: this.d.swVersion ?? '0.1.0',
    }))
      this.publish(m.topic, m.payload, true);
    this.publish(`${t.plan}/schema`, JSON.stringify(planJsonSchema()), true);
    this.sent.clear();
    this.tick(true);
    this.planStale = true;
    this.flushPlan();
  }

  private publish(topic: string, payload: string, retain: boolean): void {
    const c = this.client;
    if (!c?.connected) return;
    c.publish(topic, payload, { qos: 1, retain }, (err) => {
      if (err) this.d.log.warn(`home: publishing ${topic} failed: ${err.message}`);
    });
    this.setStatus({ lastPublishAt: this.d.clock.now() });
  }

  private flushPlan(): void {
    if (!this.planStale || !this.client?.connected || !this.link) return;
    const plan = this.d.scheduler?.state().plan;
    if (!plan) return;
    this.planStale = false;
    const msg = planMessage(plan, this.d.clock.now(), this.currency());
    this.publish(topics(this.link.nodeId).plan, JSON.stringify(msg), true);
  }

  private currency(): string {
    const now = this.d.clock.now();
    return this.d.tariff?.slots(now, now + 1)[0]?.currency ?? this.d.ledger?.settings().currency ?? 'EUR';
  }

  /**
   * Reads every value; sends those that changed (a sensor's at most every `minIntervalMs`, a
   * control's at once: it echoes a command). `all`: send every value (on connect).
   */
  tick(all: boolean): void {
    this.renewPause();
    if (!this.client?.connected || !this.link) return;
    const t = topics(this.link.nodeId);
    const now = this.d.clock.now();
    const min = this.d.minIntervalMs ?? 10_000;
    const values = this.values(now);
    for (const e of ENTITIES) {
      if (e.stateless) continue;
      const v = values[e.id] ?? 'None';
      const last = this.sent.get(e.id);
      if (!all && last && (last.value === v || (e.component === 'sensor' && now - last.at < min))) continue;
      this.sent.set(e.id, { value: v, at: now });
      this.publish(t.state(e.id), v, false);
    }
    const attrs = JSON.stringify(this.actionAttributes());
    const last = this.sent.get('action/attributes');
    if (all || !last || (last.value !== attrs && now - last.at >= min)) {
      this.sent.set('action/attributes', { value: attrs, at: now });
      this.publish(t.attributes('action'), attrs, false);
    }
  }

  /** Each entity's state as HA reads it ("None": unknown). */
  private values(now: number): Partial<Record<EntityId, string>> {
    const { hardware, mining, job, heating, scheduler } = this.d;
    const tele = hardware?.latest() ?? null;
    const out: Partial<Record<EntityId, string>> = {};
    if (tele) {
      out.power = tele.totalPowerW.toFixed(0);
      out.energy_today = tele.today.energyKWh.toFixed(3);
      out.heat_today = tele.today.heatKWh.toFixed(3);
    }
    if (mining) {
      const m = mining.status();
      out.hash_rate = (m.running ? m.hashRate : 0).toFixed(0);
      out.shares_accepted = String(m.totals.accepted);
      out.shares_rejected = String(m.totals.rejected);
    }
    const training = (job?.list() ?? []).find(
      (j) => j.kind !== 'mining' && (j.state === 'running' || j.state === 'paused' || j.state === 'queued'),
    );
    if (training) {
      const p = training.progress;
      if (p.total !== null && p.total > 0) out.job_progress = ((100 * p.done) / p.total).toFixed(1);
      if (training.state === 'running' && p.etaSec !== null)
        out.job_eta = new Date(now + p.etaSec * 1000).toISOString();
    }
    const money = this.ledgerValues(now);
    if (money) {
      out.energy_total = money.energyKWh.toFixed(3);
      out.net_today = money.today.toFixed(2);
      out.net_month = money.month.toFixed(2);
    }
    out.action = this.action();
    const indoor = heating?.indoor();
    if (indoor) out.indoor_temperature = indoor.c.toFixed(1);
    const prices = this.d.tariff?.slots(now, now + 48 * 3_600_000) ?? [];
    const current = prices.find((p) => p.start <= now && now < p.end);
    if (current) out.price_now = current.price.toFixed(4);
    const cheap = nextCheapWindow(prices, now);
    if (cheap !== null) out.next_cheap_window = new Date(cheap).toISOString();
    if (scheduler) {
      out.compute = scheduler.state().override?.kind === 'pause' ? 'OFF' : 'ON';
      out.mode = currentMode(scheduler, job ?? null);
      out.power_limit = String(scheduler.limits().powerCapW ?? 0);
    }
    return out;
  }

  private ledgerValues(now: number) {
    const ledger = this.d.ledger;
    if (!ledger) return null;
    if (this.ledgerCache && now - this.ledgerCache.at < LEDGER_EVERY_MS) return this.ledgerCache;
    const todayKey = dayKey(now, ledger.settings().timeZone);
    const days = ledger.days(`${todayKey.slice(0, 8)}01`, todayKey);
    const net = (d: { net: number }) => d.net / 1e9;
    this.ledgerCache = {
      at: now,
      today: net(days.at(-1) ?? { net: 0 }),
      month: days.reduce((sum, d) => sum + net(d), 0),
      energyKWh: ledger.energyTotalKWh(),
      currency: ledger.settings().currency,
    };
    return this.ledgerCache;
  }

  /** What Hearth does now: the override, the presence rules, the slot applied, the plan ahead. */
  private action(): HomeAction {
    const s = this.d.scheduler;
    if (!s) return 'idle';
    const jobs = this.d.job?.list() ?? [];
    return currentAction(s.state(), s.presence().active, (n) => jobs.find((j) => j.id === n)?.kind ?? null);
  }

  private actionAttributes(): Record<string, unknown> {
    const applied = this.d.scheduler?.state().applied ?? null;
    return {
      reason: applied?.reason ?? null,
      source: applied?.source ?? null,
      slot_start: applied ? new Date(applied.slotStart).toISOString() : null,
    };
  }

  /** A pause from the compute switch lasts until switched back: renewed before its timer runs out. */
  private renewPause(): void {
    const s = this.d.scheduler;
    if (!s || !this.pausedByHome) return;
    const o = s.state().override;
    if (o?.kind !== 'pause') {
      // Resumed another way (the Plan page, the API): the switch is on again.
      this.computeOff(false);
      return;
    }
    const now = this.d.clock.now();
    if (o.until - now < 86_400_000) void s.setOverride({ kind: 'pause', until: now + PAUSE_SPAN_MS });
  }

  private computeOff(off: boolean): void {
    this.pausedByHome = off;
    if (this.d.settings.get(homeComputeOffSetting) !== off) this.d.settings.set(homeComputeOffSetting, off);
  }

  private async command(topic: string, payload: Buffer): Promise<void> {
    const link = this.link;
    if (!link) return;
    const t = topics(link.nodeId);
    const parsed = parseCommand(t.base, topic, payload);
    const refuse = (error: string, entity: string | null) => {
      this.d.log.warn(`home: refused the command on ${topic}: ${error}`);
      this.publish(
        t.error,
        JSON.stringify({ topic, entity, error, at: new Date(this.d.clock.now()).toISOString() }),
        false,
      );
    };
    if (!parsed.ok) return refuse(parsed.error, parsed.entity);
    const s = this.d.scheduler;
    if (!s) return refuse('the scheduler is not running in this Hearth', parsed.entity);
    try {
      const what = await applyCommand(parsed, {
        scheduler: s,
        jobs: this.d.job ?? null,
        now: () => this.d.clock.now(),
      });
      if (parsed.entity === 'compute') this.computeOff(parsed.value === 'OFF');
      s.note(`from the home bus (MQTT ${topic}): ${what}`);
      this.tick(false);
    } catch (err) {
      refuse((err as Error).message, parsed.entity);
    }
  }

  private setStatus(p: Partial<MqttLinkStatus>): void {
    const next = { ...this.st, ...p };
    const changed = JSON.stringify(next) !== JSON.stringify(this.st);
    this.st = next;
    // lastPublishAt alone moves with every message: pushed with the next other change, or once a tick.
    if (changed && (Object.keys(p).length > 1 || !('lastPublishAt' in p)))
      this.d.events.emit('home-status', this.status());
  }
}

/**
 * What Hearth does now, as the action sensor says it: a pause by hand first; then what the slot
 * applied runs (training wins over mining when both run: it is the job someone queued); then a
 * presence rule's pause; else whether the plan runs anything later ("paused by price") or not.
 * The planner names mining "mining" or, for a queued mining job, "job:<n>" like any other job,
 * so a queued job's kind is looked up.
 */
export function currentAction(
  state: ReturnType<SchedulerService['state']>,
  presence: { action: string }[],
  kindOf: (jobId: number) => JobKind | null,
): HomeAction {
  if (state.override?.kind === 'pause') return 'paused by hand';
  const kinds = (state.applied?.decisions ?? [])
    .filter((d) => d.job !== null && d.level >= 0)
    .map((d) => (d.job === 'mining' ? 'mining' : kindOf(Number(/^job:(\d+)$/.exec(d.job!)?.[1] ?? NaN))));
  if (kinds.some((k) => k !== null && k !== 'mining')) return 'training';
  if (kinds.length > 0) return 'mining';
  if (presence.some((r) => r.action === 'pause')) return 'paused by presence';
  const later = (state.plan?.slots ?? []).some((sl) => sl.decisions.some((d) => d.job !== null && d.level >= 0));
  return later ? 'paused by price' : 'idle';
}

/**
 * The start of the next cheap window: the first slot from now on whose price is among the cheapest
 * quarter of the known prices of the next 48 h (the current slot's start when it is one); null
 * without prices.
 */
export function nextCheapWindow(prices: { start: number; end: number; price: number }[], now: number): number | null {
  const ahead = prices.filter((p) => p.end > now);
  if (ahead.length === 0) return null;
  const sorted = ahead.map((p) => p.price).sort((a, b) => a - b);
  const threshold = sorted[Math.floor((sorted.length - 1) / 4)]!;
  return ahead.find((p) => p.price <= threshold)?.start ?? null;
}
