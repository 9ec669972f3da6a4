import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { consoleLogger, type CoreOptions } from '#core/app';
import { startHostedCore, type HostedCore } from '#core/host';
import { announceServer, localUrl, SERVER_FILE } from '#transport/discovery';
import { startHttpTransport, type HttpTransport } from '#transport/http';
import { nodeOutDir } from '#workers/locate';

export type ServeOptions = CoreOptions & {
  host: string;
  port: number;
  /** Fixed token (tests); otherwise 32 random bytes. */
  token?: string;
  staticDir?: string | null;
  /** Leave server.json in the data folder, so `hearth` commands on it come here (default true). */
  announce?: boolean;
};

export type Server = { core: HostedCore; http: HttpTransport; token: string; url: string; close(): Promise<void> };

/** The renderer that electron-vite built (out/renderer), beside the Node bundles in out/node. */
export function rendererDir(): string | null {
  const dir = path.join(nodeOutDir(), '..', 'renderer');
  return fs.existsSync(path.join(dir, 'index.html')) ? dir : null;
}

/** The headless entry: the core plus the HTTP/WebSocket transport serving the built renderer. */
export async function startServer(options: ServeOptions): Promise<Server> {
  const token = options.token ?? crypto.randomBytes(32).toString('base64url');
  // Hosted: a ledger restore restarts the core under the same transport, the page stays connected.
  const core = await startHostedCore(options);
  let transport: HttpTransport;
  try {
    transport = await startHttpTransport({
      handlers: core.handlers,
      events: core.events,
      token,
      host: options.host,
      port: options.port,
      staticDir: options.staticDir === undefined ? rendererDir() : options.staticDir,
    });
  } catch (err) {
    await core.close();
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
  let announced: { withdraw(): void } | null = null;
  if (options.announce !== false) {
    try {
      announced = announceServer(options.dataDir, { by: 'serve', url: localUrl(options.host, transport.port), token });
    } catch (err) {
      // The page works without it; only `hearth` commands on this folder will open it themselves.
      (options.log ?? consoleLogger).warn(
        `could not write ${SERVER_FILE} in ${options.dataDir}: ${(err as Error).message}`,
      );
    }
  }
  return {
    core,
    http: transport,
    token,
    url: `${transport.url}?token=${token}`,
    async close() {
      // Withdrawn first: a command started from now on opens the folder itself rather than calling a server that is going.
      announced?.withdraw();
      await transport.close();
      await core.close();
    },
  };
}
