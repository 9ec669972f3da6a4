import type { Clock, Random } from './clock.ts';
import type { EventBus } from './event.ts';
import type { HandlerPart } from './handler.ts';
import type { Db, Migration } from './ledger/db.ts';
import type { Logger } from './log.ts';
import type { SecretStore } from './secret.ts';
import type { Services } from './service.ts';
import type { SettingDef, Settings } from './setting.ts';

/** What every domain gets from the core: storage, events, time, and the other domains' services. */
export type CoreContext = {
  db: Db;
  events: EventBus;
  clock: Clock;
  random: Random;
  dataDir: string;
  settings: Settings;
  secrets: SecretStore;
  log: Logger;
  /** Closes and starts the core again (on the same data folder); null where the host cannot. */
  restart: (() => Promise<void>) | null;
};

/** The services a module declared: required ones always present, optional ones null when absent. */
export type Deps<R extends keyof Services = never, O extends keyof Services = never> = { [K in R]: Services[K] } & {
  [K in O]: Services[K] | null;
};

export type ModuleInstance<K extends keyof Services = keyof Services> = {
  handlers?: HandlerPart;
  /** The narrow interface other domains may use (see service.ts). */
  service?: Services[K];
  start?(): void | Promise<void>;
  /** Stops timers and workers; the core closes the database after every module stopped. */
  stop?(): void | Promise<void>;
  /**
   * Another process wrote to the ledger (see db-watch.ts): read again what is kept in memory and
   * emit the domain's update events, so open pages and other domains see the change.
   */
  reload?(): void;
};

/**
 * A domain of the core: its tables, its settings, the other domains' services it needs, and how to
 * create it. Listed in modules.ts, in dependency order. The core hands `create` the declared
 * services: a missing required one stops the start with a message, a missing optional one is null
 * (a core started with part of the modules, as tests do).
 */
export type CoreModule<R extends keyof Services = keyof Services, O extends keyof Services = keyof Services> = {
  name: string;
  migrations?: Migration[];
  settings?: SettingDef<unknown>[];
  requires?: readonly R[];
  optional?: readonly O[];
  create(ctx: CoreContext, deps: Deps<R, O>): ModuleInstance | Promise<ModuleInstance>;
};

/** Infers the declared dependencies, so `deps` in `create` is typed by what the module lists. */
export function defineModule<R extends keyof Services = never, O extends keyof Services = never>(
  m: CoreModule<R, O>,
): CoreModule {
  // The list in modules.ts holds modules with different dependencies; `create` is only ever called
  // with what `requires` and `optional` declare, which is what makes this widening sound.
  return m as unknown as CoreModule;
}

/**
 * The module created but not started: its handlers and service serve, but no timer, fetch, miner,
 * job or sampling runs (a command that opens the data folder for a moment). Stopping stays: it
 * releases what creating took.
 */
export function createdOnly(m: CoreModule): CoreModule {
  return {
    ...m,
    async create(ctx, deps) {
      const { start: _notStarted, ...rest } = await m.create(ctx, deps);
      return rest;
    },
  };
}
