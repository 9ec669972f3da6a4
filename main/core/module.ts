import type { Clock, Random } from './clock.ts';
import type { EventBus } from './event.ts';
import type { HandlerPart } from './handler.ts';
import type { Db, Migration } from './ledger/db.ts';
import type { Logger } from './log.ts';
import type { SecretStore } from './secret.ts';
import type { Services } from './service.ts';
import type { Settings } from './setting.ts';

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
  /** A service a module created earlier in the list provides. */
  use<K extends keyof Services>(name: K): Services[K];
};

export type ModuleInstance<K extends keyof Services = keyof Services> = {
  handlers?: HandlerPart;
  /** The narrow interface other domains may use (see service.ts). */
  service?: Services[K];
  start?(): void | Promise<void>;
  /** Stops timers and workers; the core closes the database after every module stopped. */
  stop?(): void | Promise<void>;
};

/** A domain of the core: its tables and how to create it. Listed in modules.ts, in dependency order. */
export type CoreModule = {
  name: string;
  migrations?: Migration[];
  create(ctx: CoreContext): ModuleInstance | Promise<ModuleInstance>;
};
