import { argSchemas, type Handlers } from '#contract/index';
import { startCore, type Core, type CoreOptions } from './app.ts';
import { EventBus } from './event.ts';

/**
 * A core its host (the headless server, the desktop shell) can close and start again without
 * dropping its transports: `handlers` and `events` stay the same objects across restarts, calls
 * that arrive during a restart wait for the new core. A ledger restore restarts through this.
 */
export type HostedCore = {
  handlers: Handlers;
  events: EventBus;
  /** The core running now (changes on restart). */
  current(): Core;
  restart(): Promise<void>;
  close(): Promise<void>;
};

export async function startHostedCore(options: CoreOptions): Promise<HostedCore> {
  const events = new EventBus();
  let core: Core;
  let restarting: Promise<void> | null = null;
  let closed = false;

  const launch = async () => {
    // Forwarded from the start, so what modules announce while starting reaches the transports too.
    core = await startCore({ ...options, restart: () => hosted.restart(), forward: events });
  };

  const handlers = new Proxy({} as Handlers, {
    get(_target, method) {
      // Only contract methods: anything else (`then` included, so the map is never taken for a promise) is absent.
      if (typeof method !== 'string' || !Object.hasOwn(argSchemas, method)) return undefined;
      return async (args: unknown) => {
        while (restarting) await restarting;
        if (closed) throw new Error('Hearth is stopping');
        return (core.handlers as Record<string, (a: unknown) => Promise<unknown>>)[method]!(args);
      };
    },
  });

  const hosted: HostedCore = {
    handlers,
    events,
    current: () => core,
    restart() {
      if (restarting) return restarting;
      restarting = (async () => {
        try {
          await core.close();
          await launch();
        } finally {
          restarting = null;
        }
      })();
      return restarting;
    },
    async close() {
      while (restarting) await restarting;
      if (closed) return;
      closed = true;
      await core.close();
    },
  };
  await launch();
  return hosted;
}
