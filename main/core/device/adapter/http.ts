import http from 'node:http';
import { DeviceError, type DeviceAddress, type DeviceIo } from './types.ts';

/**
 * The one bounded HTTP request of the adapters that speak HTTP (AxeOS, Braiins OS). Node's http
 * rather than fetch so that a reply past `io.maxReplyBytes` is cut off as it arrives, not buffered
 * first. What each status means is the adapter's: this only says whether an answer came, in HTTP,
 * within the call's deadline and the reply limit.
 */

export type HttpReply = { status: number; headers: http.IncomingHttpHeaders; text: string };

export type HttpRequest = {
  method: string;
  path: string;
  /** Sent besides `accept: application/json` (and content-type/-length where there is a body). */
  headers?: http.OutgoingHttpHeaders;
  /** Sent as JSON; none where undefined. */
  body?: unknown;
  /** The protocol's name as people know it, to start each message ("AxeOS"). */
  label: string;
  /** What a reply that is too big or not HTTP suggests ("is this a Braiins OS miner?"). */
  hint: string;
  /**
   * The adapter call's signal, shared by all its requests: `deadline(io)`, or one joined with more.
   * It aborting is a timeout, unless `io.signal` (the caller) aborted it: then a cancellation.
   */
  signal: AbortSignal;
};

/** One adapter call's signal: `io.timeoutMs` from now, joined with the caller's `io.signal` and any `more`. */
export function deadline(io: DeviceIo, ...more: AbortSignal[]): AbortSignal {
  const signals = [AbortSignal.timeout(io.timeoutMs), ...more, ...(io.signal ? [io.signal] : [])];
  return signals.length === 1 ? signals[0]! : AbortSignal.any(signals);
}

/**
 * One request on a connection of its own, its reply read chunk by chunk and dropped past
 * `io.maxReplyBytes` (at once where Content-Length announces more). Resolves with any status;
 * rejects with a DeviceError that says what happened and what to do: `unreachable` for no answer
 * (refused, timed out, cancelled, cut mid-reply), `protocol` for one too big or not HTTP.
 */
export function httpRequest(address: DeviceAddress, io: DeviceIo, r: HttpRequest): Promise<HttpReply> {
  const { signal } = r;
  const at = `${r.label} at ${address.host}:${address.port} (${r.method} ${r.path})`;
  const payload = r.body === undefined ? undefined : Buffer.from(JSON.stringify(r.body));
  const headers: http.OutgoingHttpHeaders = { accept: 'application/json', ...r.headers };
  if (payload) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = payload.length;
  }
  const tooBig = (what: string) =>
    new DeviceError('protocol', `${at} ${what}, over the ${io.maxReplyBytes}-byte limit of one reply: ${r.hint}`);

  return new Promise<HttpReply>((resolve, reject) => {
    let settled = false;
    const fail = (err: DeviceError) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      req.destroy();
      reject(err);
    };
    const onAbort = () =>
      fail(
        new DeviceError(
          'unreachable',
          io.signal?.aborted
            ? `${at}: the call was cancelled`
            : `${at} did not answer within ${io.timeoutMs} ms: check that it is on and on this network`,
        ),
      );

    const req = http.request(
      { host: address.host, port: address.port, method: r.method, path: r.path, headers, agent: false },
      (res) => {
        const declared = Number(res.headers['content-length']);
        if (Number.isFinite(declared) && declared > io.maxReplyBytes)
          return fail(tooBig(`announces ${declared} bytes`));
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > io.maxReplyBytes) fail(tooBig(`sent more than ${io.maxReplyBytes} bytes`));
          else chunks.push(c);
        });
        res.on('end', () => {
          if (settled) return;
          settled = true;
          signal.removeEventListener('abort', onAbort);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') });
        });
        // A peer that drops the connection mid-reply: 'end' never comes, 'close' says so (its 'error' adds nothing).
        res.on('error', () => undefined);
        res.on('close', () => {
          if (!res.complete)
            fail(new DeviceError('unreachable', `${at} closed the connection mid-reply: check its network link`));
        });
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (signal.aborted) return onAbort();
      // Node's HTTP parser (HPE_*): the peer answered, but not in HTTP.
      if (err.code?.startsWith('HPE_'))
        return fail(new DeviceError('protocol', `${at} answered something that is not HTTP (${err.code}): ${r.hint}`));
      fail(
        new DeviceError(
          'unreachable',
          `Cannot reach ${at} (${err.code ?? err.message}): check its address and that it is on`,
        ),
      );
    });
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    req.end(payload);
  });
}

/** A reply's start on one line, for a message: whitespace collapsed, at most 160 characters. */
export function snippet(text: string): string {
  // The first 400 characters are enough for 160 shown, and a 1 MiB body is not scanned for them.
  const one = text.slice(0, 400).replace(/\s+/g, ' ').trim();
  return one.length > 160 ? `${one.slice(0, 160)}…` : one || '(empty)';
}
