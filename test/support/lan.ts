import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import WebSocket from 'ws';

/**
 * What a client elsewhere on the network does to `hearth serve`, played on loopback: the whole
 * 127.0.0.0/8 block stands in for other addresses of this machine (the address a connection
 * reaches) and for other machines (the address it comes from).
 */

/** A server as these helpers reach it: the scheme comes from the URL it printed. */
export type Reachable = { url: string; port: number };

export type Reply = { status: number; headers: http.IncomingHttpHeaders; body: string };

/** Longest wait for anything in these helpers: a liveness bound, not a speed requirement. */
export const LIVENESS_MS = 30_000;

/**
 * One request on a connection of its own (no agent pooling), to address `to` with the Host header
 * `host` (default `to:port`), from local address `from`. POST /api/data-folder with `token` as a
 * Bearer header unless told otherwise. HTTPS when the server printed an https URL: then `ca`, if
 * given, is the only certificate trusted; without it the certificate is not checked.
 */
export function request(
  s: Reachable,
  o: {
    to?: string;
    host?: string;
    from?: string;
    method?: string;
    path?: string;
    token?: string;
    headers?: Record<string, string>;
    ca?: string;
  } = {},
): Promise<Reply> {
  const to = o.to ?? '127.0.0.1';
  const secure = s.url.startsWith('https:');
  const method = o.method ?? 'POST';
  const body = method === 'POST' ? '{}' : undefined;
  const headers: Record<string, string> = {
    host: o.host ?? `${to}:${s.port}`,
    ...(o.token !== undefined ? { authorization: `Bearer ${o.token}` } : {}),
    ...(body !== undefined ? { 'content-type': 'application/json', 'content-length': String(body.length) } : {}),
    ...o.headers,
  };
  const options: https.RequestOptions = {
    host: to,
    port: s.port,
    method,
    path: o.path ?? '/api/data-folder',
    headers,
    agent: false,
    ...(o.from !== undefined ? { localAddress: o.from } : {}),
    ...(secure ? { rejectUnauthorized: o.ca !== undefined, ...(o.ca !== undefined ? { ca: o.ca } : {}) } : {}),
  };
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request(options, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      res.on('error', reject);
    });
    req.setTimeout(LIVENESS_MS, () => req.destroy(new Error(`no answer within ${LIVENESS_MS / 1000} s`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** The certificate the server presents on `to:port`, as a browser would show its fingerprint. */
export function presentedCertificate(port: number, to = '127.0.0.1'): Promise<{ fingerprint256: string; der: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: to, port, rejectUnauthorized: false }, () => {
      const cert = socket.getPeerCertificate();
      socket.end();
      resolve({ fingerprint256: cert.fingerprint256, der: cert.raw });
    });
    socket.setTimeout(LIVENESS_MS, () => socket.destroy(new Error('no TLS handshake')));
    socket.on('error', reject);
  });
}

/** The fingerprint `hearth serve` printed at start. */
export function printedFingerprint(output: string): string | undefined {
  return /TLS certificate SHA-256 fingerprint: ([0-9A-F:]+)/.exec(output)?.[1];
}

export type OpenSocket = {
  socket: net.Socket;
  closed: Promise<void>;
  isClosed(): boolean;
  /** What the server sent on it so far. */
  received(): string;
};

/**
 * A connection that, once connected (and with `tls`, once the handshake is done), sends only `send`
 * or nothing at all, and what became of it.
 */
export async function openSocket(
  port: number,
  o: { to?: string; from?: string; send?: string; tls?: boolean } = {},
): Promise<OpenSocket> {
  const to = o.to ?? '127.0.0.1';
  const where = { host: to, port, ...(o.from !== undefined ? { localAddress: o.from } : {}) };
  const socket = o.tls ? tls.connect({ ...where, rejectUnauthorized: false }) : net.connect(where);
  let isClosed = false;
  let received = '';
  socket.on('data', (d: Buffer) => (received += d.toString()));
  // The server may reset it: that is the outcome looked for, not an error of the test.
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) =>
    socket.once('close', () => {
      isClosed = true;
      resolve();
    }),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once(o.tls ? 'secureConnect' : 'connect', () => resolve());
    socket.once('close', () => reject(new Error(`could not connect to ${to}:${port}`)));
  });
  if (o.send !== undefined) socket.write(o.send);
  return { socket, closed, isClosed: () => isClosed, received: () => received };
}

/**
 * A WebSocket to `/ws` with `headers`: resolves with the open socket and a promise of its close, or
 * with the status the server refused the upgrade with.
 */
export function openWebSocket(
  s: Reachable,
  headers: Record<string, string>,
  o: { ca?: string } = {},
): Promise<{ status: 101; ws: WebSocket; closed: Promise<number> } | { status: number }> {
  const secure = s.url.startsWith('https:');
  const ws = new WebSocket(`${secure ? 'wss' : 'ws'}://127.0.0.1:${s.port}/ws`, {
    headers,
    handshakeTimeout: LIVENESS_MS,
    ...(secure ? { rejectUnauthorized: o.ca !== undefined, ...(o.ca !== undefined ? { ca: o.ca } : {}) } : {}),
  });
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ status: 101, ws, closed }));
    ws.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0 });
      ws.terminate();
    });
    // `on`, not `once`: terminating a refused upgrade reports an error too, after the status.
    ws.on('error', reject);
  });
}

/** Resolves once `p` does, or rejects after `ms` naming `what`. */
export async function within<T>(what: string, p: Promise<T>, ms = LIVENESS_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}
