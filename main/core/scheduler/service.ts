import { schedule, type ScheduledTask } from 'node-cron';
import {
  DEFAULT_PLANNER_TIME_LIMIT_SEC,
  HandlerError,
  type Events,
  type PlanApplied,
  type PlanLimitSettings,
  type PlanOverride,
  type PresenceSettings,
  type RunMode,
  type RunModes,
  type RunModeTarget,
} from '#contract/index';
import type { Plan, PlanDevice, PlanInput, PlanSlot, ThermalModel } from '#contract/plan';
import type { DeviceService } from '#core/device/service';
import { moneyPerHash } from '#core/market/revenue';
import type { Clock } from '#core/clock';
import type { EventBus } from '#core/event';
import type { HardwareService } from '#core/hardware/service';
import { reachableBands, type BandSlot } from '#core/heating/band';
import type { HeatingService } from '#core/heating/service';
import type { JobService } from '#core/job/service';
import type { Logger } from '#core/log';
import type { MarketService } from '#core/market/service';
import { marketSetting } from '#core/market/setting';
import type { MiningService } from '#core/mining/service';
import { planInstance } from '#core/planner/instance';
import type { Settings } from '#core/setting';
import type { TariffService } from '#core/tariff/service';
import { systemTimeZone } from '#core/time';
import { matchZone } from '#core/tariff/zone';
import { zeroTotals } from '#workers/planner/evaluate';
import type { PlanOptions } from '#workers/planner/plan';
import type { PlanEventStore } from './events.ts';
import { Executor } from './executor.ts';
import { isRemote, type FleetLink } from './fleet-link.ts';
import { LanExecutor } from './lan.ts';
import {
  buildWorld,
  DEFAULT_HASHES_PER_THREAD_SEC,
  lanIdOf,
  measuredPerThread,
  plannedValuePerHash,
  planJobId,
  poolDown,
  type Built,
} from './inputs.ts';
import { modeInput, planInModes } from './modes.ts';
import { Presence, type IdleSource } from './presence.ts';
import { Scheduler } from './scheduler.ts';
import {
  deviceSetting,
  hashRateSetting,
  heldSetting,
  limitSetting,
  managedSetting,
  modesSetting,
  presenceSetting,
} from './setting.ts';

const SLOT_MS = 900_000;
const HORIZON_MS = 48 * 3_600_000;

export type SchedulingDeps = {
  store: PlanEventStore;
  settings: Settings;
  clock: Clock;
  log: Logger;
  events: EventBus;
  tariff: TariffService;
  heating: HeatingService;
  hardware: HardwareService | null;
  mining: MiningService | null;
  jobs: JobService | null;
  market: MarketService | null;
  /** LAN heater-miners (issue 23): planned as devices, commanded through this service. */
  devices?: DeviceService | null;
  /** Makes a plan (the planner worker thread in the app, the solver in-process in a test). */
  planner: (input: PlanInput, opts: PlanOptions) => Promise<Plan>;
  /** Idle time source; null where there is none (`hearth serve`). */
  idle: IdleSource | null;
  /** Running process names and whether on battery; default: systeminformation. */
  processes?: (() => Promise<string[]>) | undefined;
  battery?: (() => Promise<boolean | null>) | undefined;
  /** How often the process list and battery are read (default 30 s). */
  processEveryMs?: number | undefined;
  /** Re-plans at 13:15 local time, when day-ahead prices are usually out (off in tests). */
  cron: boolean;
};

export type Scheduling = ReturnType<typeof createScheduling>;

/** What other domains may ask of the scheduler (the home bus's commands): the plan, modes, overrides, limits. */
export type SchedulerService = Pick<
  Scheduling,
  | 'state'
  | 'modes'
  | 'setMode'
  | 'setOverride'
  | 'limits'
  | 'setLimits'
  | 'replan'
  | 'note'
  | 'presence'
  | 'attachFleet'
  | 'fleetChanged'
>;

/**
 * The scheduler domain: plans the next 48 h from the tariff's prices, the heating domain's demand
 * and credit, the detected devices and the job queue; re-plans when any changes; at every slot
 * boundary (and at once on start) carries the slot out on the jobs (mining is one of them), bent by
 * presence rules and device temperatures; takes manual overrides; records every decision and
 * deviation in the ledger (plan_event).
 */
export function createScheduling(deps: SchedulingDeps) {
  const { tariff, heating, hardware, mining, jobs, market } = deps;
  const lanDevices = deps.devices ?? null;
  /** Other Hearth nodes (main/core/fleet), once that domain attaches: null plans this node alone. */
  let fleet: FleetLink | null = null;
  const events = deps.store;
  let lastApplied: PlanApplied | null = null;
  let currentOverride: PlanOverride | null = null;
  let cron: ScheduledTask | null = null;
  let tables: Built = { devices: [], jobs: [], controls: new Map(), queue: new Map() };
  const unsubs: (() => void)[] = [];

  const record = (e: Omit<Parameters<typeof events.add>[0], 'at'>) => {
    try {
      deps.events.emit('plan-event', events.add({ ...e, at: deps.clock.now() }));
    } catch (err) {
      deps.log.error(`scheduler: an event could not be stored: ${(err as Error).message}`);
    }
  };

  const limits = (): PlanLimitSettings => deps.settings.get(limitSetting);
  /** Detected devices take the user's limits; a device configured by hand keeps its own. */
  const limited = (devices: PlanDevice[], l: PlanLimitSettings, slotMin: number): PlanDevice[] =>
    devices.map((d) => ({
      ...d,
      minRunSlots: d.minRunSlots ?? Math.max(1, Math.ceil(l.minRunMin / slotMin)),
      minPauseSlots: d.minPauseSlots ?? Math.max(1, Math.ceil(l.minPauseMin / slotMin)),
      maxTempC: d.maxTempC ?? l.maxTempC,
    }));

  const timeLimitMs = () => (limits().timeLimitSec ?? DEFAULT_PLANNER_TIME_LIMIT_SEC) * 1000;

  const held = (): number[] => deps.settings.get(heldSetting);

  const presenceSettings = (): PresenceSettings => deps.settings.get(presenceSetting);

  const modes = (): RunModes => deps.settings.get(modesSetting);

  /**
   * What another process may change that the plan is made from, besides prices, heat and jobs
   * (their domains tell): this domain's settings a person sets, the market's override, whether a
   * pool is set up. Compared when the ledger watch sees a foreign write; the bookkeeping the
   * scheduler writes itself (managed jobs, the measured hash rate) is left out.
   */
  const ownRows = () => {
    // Each setting is read (parsed and checked) once: the parts compared on their own sit in `all` too.
    const modesNow = JSON.stringify(modes());
    const presenceNow = JSON.stringify(presenceSettings());
    const all = JSON.stringify([
      limits(),
      presenceNow,
      modesNow,
      held(),
      deps.settings.get(deviceSetting),
      market ? deps.settings.get(marketSetting) : null,
      mining?.configured() ?? null,
    ]);
    return { all, modes: modesNow, presence: presenceNow };
  };
  let seenRows = ownRows();

  const mining$ = (): { hashesPerThreadSec: number; valuePerHash: number } | null => {
    if (!mining?.configured()) return null;
    const st = mining.status();
    const measured = measuredPerThread(st);
    const stored = deps.settings.get(hashRateSetting);
    // Kept for the next start; rewritten only when it moved by more than 1 % (not at every re-plan).
    if (measured && !(stored && Math.abs(measured - stored) <= 0.01 * stored))
      deps.settings.set(hashRateSetting, measured);
    const perThread = measured ?? stored ?? DEFAULT_HASHES_PER_THREAD_SEC;
    const now = deps.clock.now();
    const currency = tariff.slots(now, now + SLOT_MS)[0]?.currency ?? null;
    return { hashesPerThreadSec: perThread, valuePerHash: plannedValuePerHash(st, market?.basis() ?? null, currency) };
  };

  /**
   * Mining is planned as a job: while a pool is set up the queue holds one. A mining job the
   * user cancelled, or one that failed (the pool refused the worker), is not replaced: that
   * takes the user's word (a new mining job, or Start on the Mining page).
   */
  const keepMiningJob = () => {
    if (!jobs || !mining?.configured()) return;
    const newest = jobs.list().find((j) => j.kind === 'mining');
    if (newest && newest.state !== 'finished') return;
    jobs.create({ name: 'Mining (kept in the plan while a pool is set up)', spec: { kind: 'mining' } });
  };

  const inputs = async (): Promise<PlanInput> => {
    // What this plan is made from is known from here on (own changes re-plan, so they pass here).
    seenRows = ownRows();
    const from = Math.floor(deps.clock.now() / SLOT_MS) * SLOT_MS;
    const prices = tariff.slots(from, from + HORIZON_MS);
    const heat = heating.demand(prices);
    const l = limits();
    const zone = systemTimeZone();
    // Thermal mode: the planner keeps the room in each slot's comfort band instead of meeting a demand.
    const room = heating.thermal();
    const slots: PlanSlot[] = prices.map((p, i) => {
      const h = heat[i];
      const quiet = l.quiet.enabled && matchZone([l.quiet], p.start, zone) !== undefined;
      const slot: PlanSlot = {
        start: p.start,
        hours: (p.end - p.start) / 3_600_000,
        price: p.price,
        heatDemandW: h?.demandW ?? 0,
        heatCreditPerKWh: h?.creditPerKWh ?? 0,
        quiet,
      };
      if (room && h && h.outdoorC !== null) slot.outdoorC = h.outdoorC;
      if (room && h?.comfort) slot.comfort = h.comfort;
      return slot;
    });
    // Without a fresh reading the room is assumed at the band's lower edge: neither a reason to
    // heat hard now nor stored warmth to coast on.
    const thermal: ThermalModel | undefined = room
      ? {
          uaWPerK: room.uaWPerK,
          capacityWhPerK: room.capacityWhPerK,
          sourceCapW: room.sourceCapW,
          indoorC: room.indoorC ?? slots[0]?.comfort?.minC ?? heat[0]?.setpointC ?? 20,
        }
      : undefined;
    if (thermal && slots.every((s) => s.comfort && s.outdoorC !== undefined)) {
      const bands = reachableBands(thermal, slots as BandSlot[]);
      slots.forEach((s, i) => (s.comfort = bands[i]));
    }
    keepMiningJob();
    const currency = prices[0]?.currency ?? null;
    const basis = market?.basis() ?? null;
    // LAN miners hash for their own pools: the one revenue formula on the market's figures,
    // nothing while the BTC price is in another currency than the electricity.
    const lanValue = basis && (currency === null || basis.currency === currency) ? moneyPerHash(basis) : 0;
    tables = buildWorld({
      ...(lanDevices
        ? {
            lan: {
              devices: lanDevices.list(),
              valuePerHash: lanValue,
              slotMin: (prices[0] ? prices[0].end - prices[0].start : SLOT_MS) / 60_000,
            },
          }
        : {}),
      hardware: hardware ? await hardware.info() : null,
      configured: deps.settings.get(deviceSetting),
      jobs: (jobs?.list() ?? []).filter((j) => !held().includes(j.id)),
      mining: mining$(),
      now: deps.clock.now(),
    });
    const slotMin = (slots[0]?.hours ?? SLOT_MS / 3_600_000) * 60;
    const input = modeInput(
      {
        slots,
        devices: limited(tables.devices, l, slotMin),
        jobs: tables.jobs,
        limits: {
          ...(l.powerCapW !== null ? { powerCapW: l.powerCapW } : {}),
          ...(l.quiet.enabled ? { quietCapW: l.quiet.capW } : {}),
        },
        ...(thermal ? { thermal } : {}),
      },
      modes(),
    );
    if (fleet?.role() === 'agent') fleet.offer({ devices: input.devices, jobs: input.jobs });
    if (fleet?.role() === 'planner') {
      const others = fleet.agentInputs();
      input.devices.push(...others.devices);
      input.jobs.push(...others.jobs);
    }
    return input;
  };

  const lanExecutor = lanDevices ? new LanExecutor({ devices: lanDevices, record }) : null;

  /** An agent carries out the planning node's last schedule; before one comes, and after it ends, it idles. */
  const agentPlan = (link: FleetLink): Plan => {
    const s = link.schedule();
    const now = deps.clock.now();
    if (s) return { ...s, slots: s.slots.filter((x) => x.start + SLOT_MS > now) };
    return {
      slots: [],
      totals: zeroTotals(),
      shortfalls: [],
      solver: 'heuristic',
      status: { kind: 'heuristic', reason: `waiting for a schedule from ${link.plannerNode() ?? 'the planning node'}` },
      planMs: 0,
    };
  };

  const executor = new Executor({
    jobs,
    poolProblem: () => (mining ? poolDown(mining.status()) : null),
    telemetry: () => hardware?.latest() ?? null,
    maxTempC: () => limits().maxTempC,
    record,
    loadManaged: () => deps.settings.get(managedSetting),
    saveManaged: (m) => deps.settings.set(managedSetting, m),
    loadHeld: held,
    saveHeld: (ids) => {
      deps.settings.set(heldSetting, ids);
      seenRows = ownRows();
    },
  });

  const presence = new Presence({
    clock: deps.clock,
    settings: presenceSettings,
    idle: deps.idle,
    ...(deps.processes ? { processes: deps.processes } : {}),
    ...(deps.battery ? { battery: deps.battery } : {}),
    ...(deps.processEveryMs ? { processEveryMs: deps.processEveryMs } : {}),
    onChange: () => {
      deps.events.emit('presence-changed', presence.status());
      void scheduler.reapply();
    },
    onError: (m) => record({ kind: 'error', message: m }),
  });

  const scheduler = new Scheduler({
    clock: deps.clock,
    slotMs: SLOT_MS,
    inputs,
    // Off the core's thread: with deadline jobs a plan can take a few hundred ms.
    // The reasons quote prices ("pre-heating: 0.0400 EUR/kWh now vs …") in the tariff's currency.
    // The run modes bend the planner's answer (modes.ts): the plan shown is the plan carried out.
    planner: async (input, now) => {
      const link = fleet;
      if (link?.role() === 'agent') return agentPlan(link);
      const currency = tariff.slots(now, now + SLOT_MS)[0]?.currency ?? 'EUR';
      const p = await planInModes(input, (i, c) => deps.planner(i, { now, currency: c, timeLimitMs: timeLimitMs() }), {
        modes: modes(),
        currency,
        jobs: jobs?.list() ?? [],
      });
      if (link?.role() === 'planner') link.planned(p);
      return p;
    },
    apply: async (planned) => {
      let a = planned;
      // An agent without a schedule for now (none came, or the last one ended) idles: everything off.
      if (fleet?.role() === 'agent' && a.source === 'none')
        a = {
          ...a,
          reason: `no schedule from ${fleet.plannerNode() ?? 'the planning node'} for this slot: idle`,
          decisions: tables.devices.map((d) => ({ device: d.id, job: null, level: -1, powerW: 0, work: 0 })),
        };
      // Other nodes' devices are theirs to run; LAN miners are commanded through the device domain;
      // presence rules are about this PC, so they bend only its own devices.
      const own = a.decisions.filter((d) => !isRemote(d.device) && lanIdOf(d.device) === null);
      const lan = a.decisions.filter((d) => lanIdOf(d.device) !== null);
      lanExecutor?.apply(a.slotStart, lan);
      const eff = await executor.apply({ ...a, decisions: own }, presence.active(), tables);
      lastApplied = {
        slotStart: eff.slotStart,
        decisions: [...eff.decisions, ...lan],
        reason: eff.reason,
        source: eff.source,
      };
      deps.events.emit('plan-applied', lastApplied);
    },
    record: (e) => {
      if (e.type === 'planned') {
        const p = scheduler.plan();
        if (p) deps.events.emit('plan-updated', p);
        record({
          kind: 'planned',
          message: `planned ${e.slots} slots, expected net ${e.net.toFixed(4)}${e.shortfalls.length ? `; short of deadline: ${e.shortfalls.map((s) => `${s.job} ${s.missingWork.toFixed(0)} work`).join(', ')}` : ''}`,
        });
        for (const s of e.shortfalls)
          record({
            kind: 'deviation',
            job: s.job,
            message: `${s.job} cannot finish before its deadline: ${s.missingWork.toFixed(0)} work does not fit`,
          });
      } else if (e.type === 'override') {
        record({
          kind: 'override',
          message: e.override
            ? e.override.kind === 'pause'
              ? `paused by hand until ${new Date(e.override.until).toISOString()}`
              : `run ${e.override.job} on ${e.override.device} by hand until ${new Date(e.override.until).toISOString()}`
            : 'override ended: back to the plan',
        });
      } else if (e.type === 'error') {
        deps.log.warn(`scheduler: ${e.message}`);
        record({ kind: 'error', message: e.message });
      }
    },
  });

  // The plan with what holds now: presence rules and temperatures join the current slot's reason.
  const planNow = () => {
    const p = scheduler.plan();
    if (!p || !lastApplied) return p;
    const notes = lastApplied.reason;
    const now = deps.clock.now();
    return {
      ...p,
      slots: p.slots.map((s) => (s.start === lastApplied!.slotStart && s.start <= now ? { ...s, reason: notes } : s)),
    };
  };

  /** Checks a manual override against the devices, levels and jobs of the plan, then applies it. */
  const setOverride = async (override: PlanOverride | null): Promise<{ override: PlanOverride | null }> => {
    if (override && override.until <= deps.clock.now())
      throw new HandlerError('bad-request', 'the override ends in the past', 'give an end time after now');
    if (override?.kind === 'run') {
      const dev = tables.devices.find((d) => d.id === override.device);
      if (!dev)
        throw new HandlerError(
          'bad-request',
          `override: there is no device "${override.device}"`,
          `use one of ${tables.devices.map((d) => d.id).join(', ') || '(none detected)'}`,
        );
      if (override.level >= dev.levels.length)
        throw new HandlerError(
          'bad-request',
          `override: ${override.device} has levels 0..${dev.levels.length - 1}, not ${override.level}`,
        );
      if (!tables.jobs.some((j) => j.id === override.job))
        throw new HandlerError(
          'bad-request',
          `override: there is no job "${override.job}" in the plan`,
          `use one of ${tables.jobs.map((j) => j.id).join(', ') || '(none queued)'}`,
        );
    }
    currentOverride = override;
    await scheduler.setOverride(override);
    return { override };
  };

  /**
   * Sets one device's or job's mode and plans again. A job the user paused by hand is held out of
   * the plan; choosing a mode other than off for it is the user's word to plan it again. A job
   * switched off that runs is paused now, also when the user started it by hand.
   */
  const setMode = async (target: RunModeTarget, mode: RunMode): Promise<RunModes> => {
    const current = modes();
    let next: RunModes;
    if ('device' in target) {
      const known = tables.devices.map((d) => d.id as string);
      if (!known.includes(target.device))
        throw new HandlerError(
          'bad-request',
          `there is no device "${target.device}"`,
          `use one of ${known.join(', ') || '(none detected)'}`,
        );
      const devices = { ...current.devices };
      if (mode === 'plan') delete devices[target.device];
      else devices[target.device] = mode;
      next = { ...current, devices };
    } else {
      const job = jobs?.get(target.job);
      if (!job)
        throw new HandlerError('bad-request', `there is no job ${target.job}`, 'use the id of a job in the queue');
      const all = { ...current.jobs };
      if (mode === 'plan') delete all[String(target.job)];
      else all[String(target.job)] = mode;
      next = { ...current, jobs: all };
    }
    deps.settings.set(modesSetting, next);
    if ('job' in target) {
      const h = held();
      if (mode !== 'off' && h.includes(target.job))
        deps.settings.set(
          heldSetting,
          h.filter((x) => x !== target.job),
        );
      if (mode === 'off' && jobs?.get(target.job)?.state === 'running') {
        try {
          await jobs.pause(target.job);
        } catch (err) {
          record({
            kind: 'error',
            message: `pausing job ${target.job} (switched off) failed: ${(err as Error).message}`,
          });
        }
      }
    }
    record({
      kind: 'override',
      ...('device' in target ? { device: target.device } : { job: planJobId(target.job) }),
      message: `${'device' in target ? target.device : `job ${target.job}`}: mode ${mode}`,
    });
    seenRows = ownRows();
    deps.events.emit('run-modes-changed', next);
    scheduler.changed();
    return next;
  };

  return {
    state: () => ({ plan: planNow(), override: currentOverride, applied: lastApplied }),
    /** The fleet domain joins (or leaves, with null): plan again in the new role. */
    attachFleet: (link: FleetLink | null) => {
      if (link === fleet) return;
      fleet = link;
      scheduler.changed();
    },
    /** Agents came, went or offered something new, or a schedule arrived: plan (or follow) again. */
    fleetChanged: () => scheduler.changed(),
    /** LAN commands still under way have ended (tests). */
    lanSettled: () => lanExecutor?.settled() ?? Promise.resolve(),
    /** Plans again once pending changes settle (the home bus's "re-plan now"). */
    replan: () => scheduler.changed(),
    /** Records a command from outside the app (its source and what it asked) in the event log. */
    note: (message: string) => record({ kind: 'override', message }),
    modes,
    setMode,
    setOverride,
    events: (limit: number) => events.latest(limit),
    /** The input the next planning would use, with its time limit (`hearth plan --export`). */
    instance: async () => planInstance(await inputs(), deps.clock.now(), timeLimitMs()),
    presence: () => presence.status(),
    /** The ledger watch saw another process write: when it changed what the plan is made from, tell pages and plan again. */
    reload: () => {
      const now = ownRows();
      if (now.all === seenRows.all) return;
      const was = seenRows;
      seenRows = now;
      if (now.modes !== was.modes) deps.events.emit('run-modes-changed', modes());
      if (now.presence !== was.presence)
        void presence.refresh().then(
          () => deps.events.emit('presence-changed', presence.status()),
          (err: Error) => record({ kind: 'error', message: `presence rules saved elsewhere: ${err.message}` }),
        );
      scheduler.changed();
    },
    setPresence: async (s: PresenceSettings) => {
      deps.settings.set(presenceSetting, s);
      seenRows = ownRows();
      await presence.refresh();
      return presence.status();
    },
    limits,
    setLimits: (l: PlanLimitSettings) => {
      const saved = deps.settings.set(limitSetting, l);
      seenRows = ownRows();
      scheduler.changed();
      return saved;
    },
    async start() {
      unsubs.push(
        tariff.onUpdate(() => scheduler.changed()),
        heating.onChange(() => scheduler.changed()),
      );
      if (jobs) {
        unsubs.push(
          executor.watch(jobs, (j) => {
            const managed = deps.settings.get(managedSetting).jobs;
            if (j.state === 'failed' && managed.includes(j.id))
              record({
                kind: 'deviation',
                job: planJobId(j.id),
                message: `job ${j.id} failed: ${j.error ?? 'no reason given'}`,
              });
            scheduler.changed();
          }),
        );
      }
      // Telemetry (every few seconds) is when hot devices and a lost pool are noticed.
      // Nothing hot, pool fine: what a fresh start has already applied.
      let seen = '|';
      unsubs.push(
        deps.events.on('telemetry', (t) => {
          // Read once a tick, not once a device: each read parses the stored setting.
          const maxC = limits().maxTempC;
          const hot = t.devices
            .filter((d) => d.temperatureC !== null && d.temperatureC >= maxC)
            .map((d) => d.deviceId)
            .join(',');
          const key = `${hot}|${mining && poolDown(mining.status()) !== null ? 'pool down' : ''}`;
          if (key === seen) return;
          seen = key;
          void scheduler.reapply();
        }),
      );
      // The pool starting or stopping to pay for the work changes mining's value: plan again.
      let paid = true;
      unsubs.push(
        deps.events.on('hash-rate', (r) => {
          const now = r.health === 'ok';
          if (now === paid) return;
          paid = now;
          scheduler.changed();
        }),
      );
      // A LAN miner that comes or goes, or whose levels, zone or minimum run/pause change: plan again.
      if (lanDevices) {
        const planned = (list: Events['device-update']) =>
          JSON.stringify(
            list
              .filter((d) => d.status === 'online' && d.levels.length > 0)
              .map((d) => [d.id, d.levels.map((l) => [l.powerW, l.hashRate]), d.zone, d.minRunMin, d.minPauseMin]),
          );
        let seenLan = planned(lanDevices.list());
        unsubs.push(
          deps.events.on('device-update', (list) => {
            const key = planned(list);
            if (key === seenLan) return;
            seenLan = key;
            scheduler.changed();
          }),
        );
      }
      if (deps.cron) cron = schedule('15 13 * * *', () => scheduler.changed());
      await presence.start();
      await scheduler.start();
    },
    async stop() {
      scheduler.stop();
      presence.stop();
      for (const u of unsubs) u();
      await cron?.stop();
    },
  };
}
