import { HandlerError, type Args, type Handlers, type Method, type Result } from '#contract/index';
import { startCore } from '#core/app';
import { defaultDataDir } from '#core/data-dir';
import { dispatch } from '#core/handler';
import { createdOnly, type CoreModule } from '#core/module';
import { modules as coreModules } from '#core/modules';
import { findServer, type ServerFile } from '#transport/discovery';
import { httpSend, unwrap, type Send } from '#transport/http-client';
import { rethrowAsUsage } from './command.ts';

export type { Send } from '#transport/http-client';

/** Where a command's calls go: a Hearth already running on the folder, or a core the command opened. */
export type Via =
  { kind: 'remote'; by: ServerFile['by']; pid: number; url: string } | { kind: 'local'; dataDir: string };

/**
 * What the commands call the core through. Both kinds run each call through `dispatch` (the
 * arguments parsed by the contract's schemas, the outcome wrapped in an Envelope) and throw the
 * Envelope's ApiError as a HandlerError, so a command cannot tell them apart.
 */
export type CliClient = {
  send: Send;
  readonly via: Via;
  close(): Promise<void>;
};

export function dataDirOf(values: Record<string, unknown>): string {
  return typeof values['data-dir'] === 'string' ? values['data-dir'] : defaultDataDir();
}

/** A handler map as a Send: the same dispatch and unwrapping a remote call gets. */
export function sendTo(handlers: Handlers): Send {
  return async <M extends Method>(method: M, args: Args<M>) =>
    unwrap<Result<M>>(await dispatch(handlers, method, args));
}

/** The log of a core a command opens: its errors on stderr, nothing else (the output is the command's). */
export const errorsOnlyLog = { info: () => undefined, warn: () => undefined, error: (m: string) => console.error(m) };

/**
 * Opens the data folder with the whole core, every domain in modules.ts, not started: started, the
 * scheduler would carry out the current slot (start the miner, resume jobs), the market and the
 * forecast would fetch, the hardware domain would sample into the ledger. What a command needs
 * fresh it asks for by name (`tariff-refresh`, `market-refresh`, `heating-refresh`). `replace`
 * swaps in a domain built with other options (one of the same name).
 */
export async function localClient(
  dataDir: string,
  { replace = [] }: { replace?: CoreModule[] } = {},
): Promise<CliClient> {
  const modules = coreModules.map((m) => replace.find((r) => r.name === m.name) ?? m);
  const core = await startCore({ dataDir, modules: modules.map(createdOnly), log: errorsOnlyLog });
  return { send: sendTo(core.handlers), via: { kind: 'local', dataDir }, close: () => core.close() };
}

export function remoteClient(server: ServerFile): CliClient {
  return {
    send: httpSend(server.url, server.token),
    via: { kind: 'remote', by: server.by, pid: server.pid, url: server.url },
    close: async () => undefined,
  };
}

/**
 * The client for a data folder: the Hearth running on it (the desktop app or `hearth serve`, found
 * through its server.json) when there is one, so it sees the change at once and the ledger has one
 * writer; otherwise the folder opened here.
 */
export async function openClient(dataDir: string): Promise<CliClient> {
  const found = await findServer(dataDir);
  if (found.server) return remoteClient(found.server);
  if (found.note) console.error(`hearth: ${found.note}; opening the data folder directly`);
  return localClient(dataDir);
}

/**
 * Runs `fn` with a client for the command's --data-dir and closes it after. A handler's refusal is
 * shown the way a command shows it (one line with its hint, exit code 2); `failed` (a handler
 * broke rather than refused) stays an error (exit code 1).
 */
export async function withClient<T>(
  values: Record<string, unknown>,
  fn: (client: CliClient) => Promise<T>,
  open: (dataDir: string) => Promise<CliClient> = openClient,
): Promise<T> {
  const client = await open(dataDirOf(values));
  try {
    return await fn(client);
  } catch (err) {
    if (err instanceof HandlerError && err.code === 'failed') throw new Error(err.message, { cause: err });
    return rethrowAsUsage(err);
  } finally {
    await client.close();
  }
}
