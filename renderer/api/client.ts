import type {
  ApiError,
  Args,
  Connection,
  Envelope,
  EventName,
  Events,
  Method,
  Result,
  ShellApi,
} from '#contract/index';

declare global {
  // Declaration merging with the DOM's Window needs an interface.
  // eslint-disable-next-line @typescript-eslint/consistent-type-definitions
  interface Window {
    /** Present only inside the desktop app (main/shell/preload). */
    hearth?: ShellApi;
  }
}

/**
 * An error from the core, with the user-facing hint when it has one, and the refused argument's
 * path (`field`, every refused one in `issues`) for the form to show the message at its input.
 */
export class ApiCallError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly field: string | undefined;
  readonly issues: ApiError['issues'];
  constructor(code: string, message: string, hint?: string, where?: Pick<ApiError, 'field' | 'issues'>) {
    super(message);
    this.code = code;
    this.hint = hint;
    this.field = where?.field;
    this.issues = where?.issues;
  }
}

type Listeners = Map<string, Set<(payload: never) => void>>;

function unwrap<R>(env: Envelope<unknown>): R {
  if (env.ok) return env.result as R;
  throw new ApiCallError(env.error.code, env.error.message, env.error.hint, env.error);
}

function fanOut(listeners: Listeners, event: string, payload: unknown): void {
  for (const l of listeners.get(event) ?? []) (l as (p: unknown) => void)(payload);
}

function subscribeTo<E extends EventName>(
  listeners: Listeners,
  event: E,
  listener: (payload: Events[E]) => void,
): () => void {
  let set = listeners.get(event);
  if (!set) listeners.set(event, (set = new Set()));
  set.add(listener as (p: never) => void);
  return () => set.delete(listener as (p: never) => void);
}

/** Desktop: the preload bridge over Electron IPC. */
function ipcConnection(bridge: ShellApi): Connection {
  const listeners: Listeners = new Map();
  bridge.subscribe((event, payload) => fanOut(listeners, event, payload));
  return {
    kind: 'ipc',
    send: async <M extends Method>(method: M, args: Args<M>) => unwrap<Result<M>>(await bridge.invoke(method, args)),
    on: (event, listener) => subscribeTo(listeners, event, listener),
  };
}

/**
 * Browser: HTTP for calls, one WebSocket for events, reconnecting with backoff. The access token
 * arrives once in the page URL; the server turns it into an HttpOnly cookie, so the page never
 * has to keep it.
 */
function httpConnection(): Connection {
  const listeners: Listeners = new Map();
  let delay = 500;
  const connect = () => {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${proto}//${location.host}/ws`);
    ws.onopen = () => {
      delay = 500;
      fanOut(listeners, 'connection', { connected: true });
    };
    ws.onmessage = (msg) => {
      const { event, payload } = JSON.parse(String(msg.data)) as { event: string; payload: unknown };
      fanOut(listeners, event, payload);
    };
    ws.onclose = () => {
      fanOut(listeners, 'connection', { connected: false });
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10_000);
    };
  };
  connect();
  return {
    kind: 'http',
    async send<M extends Method>(method: M, args: Args<M>): Promise<Result<M>> {
      let res: Response;
      try {
        res = await fetch(`/api/${method}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(args ?? {}),
          credentials: 'same-origin',
        });
      } catch {
        throw new ApiCallError(
          'unavailable',
          'The Hearth server is not reachable',
          'Check that `hearth serve` is still running.',
        );
      }
      if (res.status === 401)
        throw new ApiCallError(
          'unauthorized',
          'Access token missing or wrong',
          'Open the URL that `hearth serve` printed, with its token.',
        );
      return unwrap<Result<M>>((await res.json()) as Envelope<unknown>);
    },
    on: (event, listener) => subscribeTo(listeners, event, listener),
  };
}

/** Connection-state pseudo-event, for the "reconnecting" banner; not part of the core's events. */
export function onConnection(conn: Connection, listener: (s: { connected: boolean }) => void): () => void {
  return (conn.on as unknown as (e: string, l: (s: { connected: boolean }) => void) => () => void)(
    'connection',
    listener,
  );
}

/** Chosen at run time: the preload bridge when running inside the desktop app, else HTTP/WS. */
export const api: Connection = window.hearth ? ipcConnection(window.hearth) : httpConnection();
