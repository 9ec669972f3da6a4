import type { z } from 'zod';

/**
 * Every handler takes one argument object and resolves to one result. The transports (Electron
 * IPC, HTTP + WebSocket) and the renderer's client are all typed from a map of these.
 */
export type Handler<A, R> = (args: A) => Promise<R>;

/**
 * An error that crosses the boundary: what failed, and what the user can do about it. `message` is
 * for people: it never names a method or a schema path. `field` is for the form: the dotted path of
 * the argument that was refused ("schedule.0.2.c"), so the page can show the message at its input;
 * `issues` lists every refused field when there are several.
 */
export type ApiError = {
  code: 'bad-request' | 'not-found' | 'conflict' | 'unavailable' | 'failed';
  message: string;
  hint?: string;
  field?: string;
  issues?: { field: string; message: string }[];
};

export type Envelope<R> = { ok: true; result: R } | { ok: false; error: ApiError };

/** Thrown by handlers for failures the user should read; anything else becomes code 'failed'. */
export class HandlerError extends Error {
  readonly code: ApiError['code'];
  readonly hint: string | undefined;
  /** The argument's path the refusal is about, for the form to mark (see ApiError). */
  readonly field: string | undefined;
  readonly issues: ApiError['issues'];
  constructor(code: ApiError['code'], message: string, hint?: string, field?: string, issues?: ApiError['issues']) {
    super(message);
    this.name = 'HandlerError';
    this.code = code;
    this.hint = hint;
    this.field = field;
    this.issues = issues;
  }
}

/** Runtime schemas for each handler's argument, keyed like the handler map. */
export type ArgSchemas<H> = {
  [K in keyof H]: H[K] extends Handler<infer A, unknown> ? z.ZodType<A> : never;
};

/** Runtime schemas for each event's payload, keyed like the event map. */
export type EventSchemas<E> = { [K in keyof E]: z.ZodType<E[K]> };

/**
 * What the desktop shell's preload exposes to the page as `window.hearth`: two named functions,
 * never a raw ipcRenderer. The renderer's client wraps it into a typed Connection.
 */
export type ShellApi = {
  invoke(method: string, args: unknown): Promise<Envelope<unknown>>;
  subscribe(listener: (event: string, payload: unknown) => void): () => void;
};
