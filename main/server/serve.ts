import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { consoleLogger, type CoreOptions } from '#core/app';
import { startHostedCore, type HostedCore } from '#core/host';
import { acquireInstanceLock } from '#core/instance-lock';
import type { FleetSettings } from '#contract/index';
import { fleetModule } from '#core/fleet/module';
import { homeModule } from '#core/home/module';
import { modules as defaultModules } from '#core/modules';
import { announceServer, describeHolder, localUrl, SERVER_FILE } from '#transport/discovery';
import { parseAllowedHost, startHttpTransport, type HttpTransport } from '#transport/http';
import { loadTls, selfSignedTls, type TlsMaterial } from '#transport/tls';
import { loadOrCreateToken, watchedToken } from '#transport/token';
import { nodeOutDir } from '#workers/locate';

export type ServeOptions = CoreOptions & {
  host: string;
  port: number;
  /** Fixed token (tests); otherwise the one kept in the data folder (see token.ts), made on first start. */
  token?: string;
  staticDir?: string | null;
  /** Leave server.json in the data folder, so `hearth` commands on it come here (default true). */
  announce?: boolean;
  /** More Host names to answer to (see HttpTransportOptions.allowedHosts). */
  allowedHosts?: string[];
  /**
   * `{ cert, key }` files, `'self-signed'` for the certificate kept in the data folder, or null for
   * plain HTTP. Default: self-signed when listening beyond loopback, plain HTTP on loopback.
   */
  tls?: { certFile: string; keyFile: string } | 'self-signed' | null;
  /**
   * `hearth serve --mqtt URL`: the home bus connects to this broker for this run, winning over the
   * stored URL; user name and password from the environment when given, else the stored ones.
   */
  mqtt?: { url: string; username: string | null; password: string | null };
  /** `hearth serve --fleet`: this node's role among several Hearth nodes for this run, winning over the stored one. */
  fleet?: FleetSettings;
};

export type Server = {
  core: HostedCore;
  http: HttpTransport;
  token: string;
  url: string;
  /** The certificate served, when over HTTPS. */
  tls: TlsMaterial | null;
  /**
   * Stops the transport, then the core, each within `graceMs`: what did not stop in time is named
   * in `stuck` (empty: everything stopped, and the data folder's lock is released).
   */
  stop(graceMs?: number): Promise<{ stuck: string[] }>;
  close(): Promise<void>;
};

/** How long each part may take to stop before `close` gives up on it and says so. */
export const CLOSE_GRACE_MS = 5_000;

/** The renderer that electron-vite built (out/renderer), beside the Node bundles in out/node. */
export function rendererDir(): string | null {
  const dir = path.join(nodeOutDir(), '..', 'renderer');
  return fs.existsSync(path.join(dir, 'index.html')) ? dir : null;
}

/** True for an address only this machine can reach. */
export function isLoopback(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** Names a generated certificate must carry: loopback, the bound address (or this machine's addresses), the allowed hosts. */
function certificateNames(host: string, allowedHosts: string[]): string[] {
  const names = ['localhost', '127.0.0.1', '::1'];
  const h = host.trim().toLowerCase();
  if (h === '0.0.0.0' || h === '::' || h === '') {
    for (const list of Object.values(os.networkInterfaces()))
      for (const a of list ?? []) if (!a.internal) names.push(a.address.replace(/%.*$/, ''));
  } else names.push(h);
  for (const a of allowedHosts) names.push(parseAllowedHost(a).name);
  return names;
}

/** The headless entry: the core plus the HTTP/WebSocket transport serving the built renderer. */
export async function startServer(options: ServeOptions): Promise<Server> {
  const log = options.log ?? consoleLogger;
  // Two cores on one ledger would both book the same telemetry and both carry out the plan.
  const lock = acquireInstanceLock(
    options.dataDir,
    () => `${describeHolder(options.dataDir)}. Use it, stop it first, or give another --data-dir`,
  );
  let core: HostedCore | null = null;
  let transport: HttpTransport | null = null;
  let cliEndpoint: HttpTransport | null = null;
  let tls: TlsMaterial | null;
  let token: string;
  let current: () => string;
  try {
    token = options.token ?? loadOrCreateToken(options.dataDir);
    const fixed = token;
    current = options.token === undefined ? watchedToken(options.dataDir, token) : () => fixed;
    const allowedHosts = options.allowedHosts ?? [];
    for (const a of allowedHosts) parseAllowedHost(a);
    const tlsOption = options.tls === undefined ? (isLoopback(options.host) ? null : 'self-signed') : options.tls;
    tls =
      tlsOption === null
        ? null
        : tlsOption === 'self-signed'
          ? selfSignedTls(options.dataDir, certificateNames(options.host, allowedHosts))
          : loadTls(tlsOption.certFile, tlsOption.keyFile);
    // Hosted: a ledger restore restarts the core under the same transport, the page stays connected.
    const { mqtt, fleet } = options;
    core = await startHostedCore(
      mqtt || fleet
        ? {
            ...options,
            modules: (options.modules ?? defaultModules).map((m) =>
              m.name === 'home' && mqtt
                ? homeModule({
                    urlOverride: mqtt.url,
                    envCredentials: { username: mqtt.username, password: mqtt.password },
                  })
                : m.name === 'fleet' && fleet
                  ? fleetModule({ override: fleet })
                  : m,
            ),
          }
        : options,
    );
    transport = await startHttpTransport({
      handlers: core.handlers,
      events: core.events,
      token: current,
      host: options.host,
      port: options.port,
      staticDir: options.staticDir === undefined ? rendererDir() : options.staticDir,
      allowedHosts,
      tls,
    });
    // The `hearth` command on this machine cannot check a certificate Hearth signed itself: under
    // TLS it gets its own API-only listener on loopback (plain HTTP never leaves the machine there),
    // the one server.json names, as the desktop app does.
    if (tls && options.announce !== false)
      cliEndpoint = await startHttpTransport({
        handlers: core.handlers,
        events: core.events,
        token: current,
        host: '127.0.0.1',
        port: 0,
        staticDir: null,
      });
  } catch (err) {
    await transport?.close();
    await core?.close();
    lock.release();
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE')
      throw new Error(
        `Port ${options.port} on ${options.host} is already in use: stop the other program or choose another port with --port`,
        { cause: err },
      );
    if (e.code === 'EADDRNOTAVAIL')
      throw new Error(`Cannot listen on ${options.host}: it is not an address of this machine; use --host 127.0.0.1`, {
        cause: err,
      });
    if (e.code === 'EACCES')
      throw new Error(`Not allowed to listen on port ${options.port}: choose a port above 1023 with --port`, {
        cause: err,
      });
    throw err;
  }
  const running = core;
  const http = transport;
  let announced: { withdraw(): void } | null = null;
  const announce = (current: string) => {
    try {
      announced = announceServer(options.dataDir, {
        by: 'serve',
        url: cliEndpoint ? cliEndpoint.url : localUrl(options.host, http.port),
        token: current,
      });
    } catch (err) {
      // The page works without it; only `hearth` commands on this folder will open it themselves.
      log.warn(`could not write ${SERVER_FILE} in ${options.dataDir}: ${(err as Error).message}`);
    }
  };
  if (options.announce !== false) announce(token);
  // After `hearth serve --rotate-token`, server.json carries the new token so commands still reach us.
  let announcedToken = token;
  const reannounce =
    options.announce === false
      ? null
      : setInterval(() => {
          const now = current();
          if (now !== announcedToken) {
            announcedToken = now;
            announce(now);
          }
        }, 1_000);
  reannounce?.unref();
  return {
    core: running,
    http,
    token,
    tls,
    url: `${http.url}?token=${token}`,
    async close() {
      await stop();
    },
    stop,
  };
  async function stop(graceMs = CLOSE_GRACE_MS): Promise<{ stuck: string[] }> {
    if (reannounce) clearInterval(reannounce);
    // Withdrawn first: a command started from now on opens the folder itself rather than calling a server that is going.
    (announced as { withdraw(): void } | null)?.withdraw();
    const stuck: string[] = [];
    const within = async (what: string, p: Promise<void>) => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), graceMs)));
      const outcome = await Promise.race([
        p.then(
          () => 'done' as const,
          (err: unknown) => {
            log.error(`stopping ${what} failed: ${(err as Error).message}`);
            return 'done' as const;
          },
        ),
        late,
      ]);
      clearTimeout(timer);
      if (outcome === 'late') stuck.push(`${what} did not stop within ${graceMs / 1000} s`);
    };
    await within(
      'the HTTP server',
      Promise.all([http.close(), cliEndpoint?.close()]).then(() => undefined),
    );
    await within('the core (its modules and the ledger)', running.close());
    // Released only when the core is really closed: a core still writing keeps the folder.
    if (stuck.length === 0) lock.release();
    return { stuck };
  }
}
