import fs from 'node:fs';
import { type Handlers } from '#contract/index';
import { systemClock, type Clock, type Random } from './clock.ts';
import { watchOtherWriters } from './db-watch.ts';
import { EventBus } from './event.ts';
import { joinHandlers, type HandlerPart } from './handler.ts';
import { modeFixText, tightenDataDir } from './file-mode.ts';
import { CorruptLedgerError, openLedger, type Db, type Migration } from './ledger/db.ts';
import { applyPendingRestore, corruptLedgerMessage } from './ledger/restore.ts';
import type { Logger } from './log.ts';
import type { CoreContext, CoreModule, Deps, ModuleInstance } from './module.ts';
import { modules as defaultModules } from './modules.ts';
import { sealedSettings } from './sealed-settings.ts';
import { keyFileSecretStore } from './secret-key.ts';
import { resealPlainSecrets, type SecretStore } from './secret.ts';
import type { Services } from './service.ts';
import { createSettings, settingMigrations } from './setting.ts';

export type CoreOptions = {
  dataDir: string;
  clock?: Clock;
  random?: Random;
  /** Default: sealed with the data folder's key file (secret-key.ts). */
  secrets?: SecretStore;
  log?: Logger;
  /** Replaces the module list (tests that start part of the core). */
  modules?: CoreModule[];
  /** Given by a host that can close and start the core again (see host.ts); a restore uses it. */
  restart?: () => Promise<void>;
  /** Every event is emitted on this bus too, from the first one on (a host's bus that outlives restarts). */
  forward?: EventBus;
  /** How often to look for another process's writes to the ledger, ms (db-watch.ts); default 1500. */
  watchMs?: number;
};

export type Core = {
  handlers: Handlers;
  events: EventBus;
  db: Db;
  context: CoreContext;
  /** A domain's service, for hosts and tests; throws when no started module provides it. */
  service<K extends keyof Services>(name: K): Services[K];
  /** Stops every module (workers, timers) in reverse order, then closes the ledger. */
  close(): Promise<void>;
};

export const consoleLogger: Logger = {
  info: (m) => console.log(m),
  warn: (m) => console.warn(m),
  error: (m) => console.error(m),
};

function resolveDeps(mod: CoreModule, services: Map<string, unknown>): Deps<keyof Services, keyof Services> {
  const deps: Record<string, unknown> = {};
  for (const name of mod.requires ?? []) {
    if (!services.has(name))
      throw new Error(
        `The ${mod.name} domain needs the ${name} service, which no module listed before it provides: check the order in modules.ts`,
      );
    deps[name] = services.get(name);
  }
  for (const name of mod.optional ?? []) deps[name] = services.get(name) ?? null;
  return deps as Deps<keyof Services, keyof Services>;
}

/** The ledger, or an error that says which file is damaged and how to restore the latest backup. */
function openOrExplain(dataDir: string, migrations: Migration[]): Db {
  try {
    return openLedger(dataDir, migrations);
  } catch (err) {
    if (err instanceof CorruptLedgerError) throw new Error(corruptLedgerMessage(dataDir, err), { cause: err });
    throw err;
  }
}

/** Starts the core: opens the ledger, creates each domain in order, joins their handlers. */
export async function startCore(options: CoreOptions): Promise<Core> {
  const list = options.modules ?? defaultModules;
  const clock = options.clock ?? systemClock;
  const log = options.log ?? consoleLogger;
  // An older Hearth left the folder and its files as the umask made them (0755, 0644).
  const fixed = modeFixText(options.dataDir, fs.existsSync(options.dataDir) ? tightenDataDir(options.dataDir) : []);
  if (fixed) log.warn(fixed);
  // A restore staged by `ledger-restore` is swapped in while no connection is open.
  const restored = applyPendingRestore(options.dataDir);
  const db = openOrExplain(options.dataDir, [...settingMigrations, ...list.flatMap((m) => m.migrations ?? [])]);
  const events = new EventBus();
  const forward = options.forward;
  if (forward) events.onAny((event, payload) => forward.emit(event, payload));
  const services = new Map<string, unknown>();
  const context: CoreContext = {
    db,
    events,
    clock,
    random: options.random ?? Math.random,
    dataDir: options.dataDir,
    settings: createSettings(
      db,
      () => clock.now(),
      (msg) => log.warn(msg),
    ),
    secrets: options.secrets ?? keyFileSecretStore(options.dataDir),
    log,
    restart: options.restart ?? null,
  };
  const resealed = resealPlainSecrets(context.settings, context.secrets, sealedSettings);
  if (resealed.sealed > 0) {
    log.info(
      `sealed ${resealed.sealed} secret(s) that an older Hearth had stored as plain text in the ledger (backups made before keep them as they were)`,
    );
    try {
      // The plain text stays in freed pages and the WAL until the file is rebuilt; done once.
      db.exec('VACUUM');
      db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    } catch (err) {
      log.warn(`compacting the ledger after sealing its secrets failed: ${(err as Error).message}`);
    }
  }
  for (const p of resealed.problems) log.warn(p);
  if (restored)
    context.log.info(`ledger restored from ${restored.from}; the previous ledger is kept as ${restored.keepAs}`);
  const instances: ModuleInstance[] = [];
  const parts: HandlerPart[] = [];
  const stopAll = async () => {
    for (const inst of [...instances].reverse()) {
      try {
        await inst.stop?.();
      } catch (err) {
        context.log.error(`stopping a module failed: ${(err as Error).message}`);
      }
    }
  };
  try {
    for (const mod of list) {
      const inst = await mod.create(context, resolveDeps(mod, services));
      instances.push(inst);
      if (inst.service !== undefined) services.set(mod.name, inst.service);
      if (inst.handlers) parts.push(inst.handlers);
    }
    const handlers = options.modules ? (Object.assign({}, ...parts) as Handlers) : joinHandlers(parts);
    for (const inst of instances) await inst.start?.();
    const stopWatch = watchOtherWriters(
      db,
      () => {
        for (const inst of instances) {
          try {
            inst.reload?.();
          } catch (err) {
            context.log.error(`reading another process's changes failed: ${(err as Error).message}`);
          }
        }
      },
      options.watchMs,
    );
    let closed = false;
    return {
      handlers,
      events,
      db,
      context,
      service<K extends keyof Services>(name: K): Services[K] {
        if (!services.has(name)) throw new Error(`No started module provides the ${name} service`);
        return services.get(name) as Services[K];
      },
      async close() {
        if (closed) return;
        closed = true;
        stopWatch();
        await stopAll();
        db.close();
      },
    };
  } catch (err) {
    await stopAll();
    db.close();
    throw err;
  }
}
