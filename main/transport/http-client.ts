import { HandlerError, type Args, type Connection, type Envelope, type Method, type Result } from '#contract/index';

/** One call of a contract method: the signature every transport's client offers (see Connection). */
export type Send = Connection['send'];

/**
 * Why a call never reached a handler. `unreachable`: nothing listens there (the process is gone);
 * `unauthorised`: something listens but refused the token (another program, or another Hearth
 * that took the port); `timeout`: no answer in time; `bad-answer`: an answer that is no Envelope.
 */
export class HttpCallError extends Error {
  readonly reason: 'unreachable' | 'unauthorised' | 'timeout' | 'bad-answer';
  constructor(reason: HttpCallError['reason'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HttpCallError';
    this.reason = reason;
  }
}

/** An Envelope's result, or its ApiError thrown as the HandlerError the core raised. */
export function unwrap<R>(env: Envelope<unknown>): R {
  if (env.ok) return env.result as R;
  throw new HandlerError(env.error.code, env.error.message, env.error.hint, env.error.field, env.error.issues);
}

/**
 * The HTTP transport's client side for Node callers (the CLI): each call is one POST /api/<method>
 * with the token as a Bearer header, so it passes the same Host and token checks, and the same
 * `dispatch`, as the page's calls.
 */
export function httpSend(baseUrl: string, token: string, { timeoutMs }: { timeoutMs?: number } = {}): Send {
  return async <M extends Method>(method: M, args: Args<M>): Promise<Result<M>> => {
    const url = new URL(`api/${encodeURIComponent(method)}`, baseUrl);
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(args ?? {}),
        ...(timeoutMs !== undefined ? { signal: AbortSignal.timeout(timeoutMs) } : {}),
      });
    } catch (err) {
      if ((err as Error).name === 'TimeoutError')
        throw new HttpCallError('timeout', `Hearth at ${url.origin} did not answer ${method} within ${timeoutMs} ms`, {
          cause: err,
        });
      const code = ((err as Error).cause as NodeJS.ErrnoException | undefined)?.code;
      throw new HttpCallError('unreachable', `cannot reach Hearth at ${url.origin}${code ? ` (${code})` : ''}`, {
        cause: err,
      });
    }
    const text = await res.text();
    if (res.status === 401) throw new HttpCallError('unauthorised', `Hearth at ${url.origin} refused the access token`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new HttpCallError(
        'bad-answer',
        `Hearth at ${url.origin} answered ${method} with HTTP ${res.status}: ${text.trim().slice(0, 200)}`,
      );
    }
    if (typeof body !== 'object' || body === null || typeof (body as { ok?: unknown }).ok !== 'boolean') {
      throw new HttpCallError(
        'bad-answer',
        `Hearth at ${url.origin} answered ${method} with HTTP ${res.status} and no result`,
      );
    }
    return unwrap<Result<M>>(body as Envelope<unknown>);
  };
}
