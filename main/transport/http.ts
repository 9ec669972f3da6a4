import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import type stream from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ApiError, Handlers } from '#contract/index';
import { isLocalOnly, localOnlyRefusal } from '#contract/local-only';
import type { EventBus } from '#core/event';
import { dispatch } from '#core/handler';

export type HttpTransportOptions = {
  handlers: Handlers;
  events: EventBus;
  /**
   * The access token every request must carry (query on first load, then a cookie). A function is
   * asked on every request, so a token rotated while the server runs takes effect at once.
   */
  token: string | (() => string);
  host: string;
  port: number;
  /** The built renderer (index.html and assets); null serves the API only. */
  staticDir: string | null;
  /**
   * More names the Host header may carry besides loopback and the bound address: `name` (on the
   * bound port) or `name:port` (a port forward or proxy in front).
   */
  allowedHosts?: string[];
  /** Serve HTTPS with this certificate; absent: plain HTTP. */
  tls?: { cert: string; key: string } | null;
  /** Open connections one client address may hold, and all clients together. */
  limits?: { perClient?: number; total?: number };
};

export type HttpTransport = {
  url: string;
  port: number;
  /** Every Host name (with port) the transport answers to, as the 421 message lists them. */
  hosts(): string[];
  close(): Promise<void>;
};

/**
 * Browsers scope cookies by host name and ignore the port, so each server names its cookie after the
 * port it is bound to: two `hearth serve` on one machine then never overwrite each other's token.
 */
const tokenCookieName = (port: number): string => `hearth_token_${port}`;
/**
 * Calls carry whole files: a CSV of prices, or of a year of ledger slots for a few devices (the
 * `hearth` command sends its imports here when Hearth runs). Only an authorised caller gets this far.
 */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;
/**
 * An oversized body is read to its end and thrown away before the 413 goes out: closing a socket
 * the client is still writing to makes the kernel answer with a reset, and the client (a browser
 * above all) then shows a dropped connection instead of the message. Past this much the socket is
 * cut after all: nobody uploads a gigabyte to Hearth by mistake.
 */
const MAX_DRAIN_BYTES = 16 * MAX_BODY_BYTES;
/**
 * A browser opens about six connections per host and one WebSocket; the `hearth` command one or
 * two. Beyond this one address is flooding, and its extra sockets are closed at once so other
 * clients (and file descriptors) stay available.
 */
export const DEFAULT_PER_CLIENT_CONNECTIONS = 32;
export const DEFAULT_TOTAL_CONNECTIONS = 512;
/** A client that opened a socket and sends no request within this is gone or hostile. */
const HEADERS_TIMEOUT_MS = 10_000;
/** The longest a request may take to arrive, its body included (a 64 MiB import over slow Wi-Fi). */
const REQUEST_TIMEOUT_MS = 120_000;
/** JSON arguments are a few levels deep; a body nested deeper is refused before any parser recurses into it. */
const MAX_JSON_DEPTH = 64;
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
const WILDCARD = new Set(['0.0.0.0', '::', '']);

/**
 * The HTTP status for a core error code, so proxies, logs and `curl -f` see a failure as one; the
 * body is the same Envelope whatever the status, and both clients read its message from it.
 * A full disk is 507 (Insufficient Storage): the user can act on it, unlike an internal error.
 */
export function httpStatusOf(error: ApiError): number {
  switch (error.code) {
    case 'bad-request':
      return 400;
    case 'not-found':
      return 404;
    case 'conflict':
      return 409;
    case 'unavailable':
      return 503;
    case 'failed':
      return /disk (is )?full|ENOSPC|SQLITE_FULL|no space left/i.test(error.message) ? 507 : 500;
  }
}

// Also sent by the desktop app's app:// protocol (main/shell/app-protocol.ts): one policy for both.
export const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/**
 * Serves the contract over HTTP or HTTPS (POST /api/<method>) and pushes events over a WebSocket
 * (/ws). Every request must name an expected Host (so a DNS-rebinding page cannot reach it) and
 * carry the token (query parameter once, then an HttpOnly SameSite=Strict cookie, or a Bearer header).
 */
export async function startHttpTransport(opts: HttpTransportOptions): Promise<HttpTransport> {
  const currentToken = typeof opts.token === 'function' ? opts.token : () => opts.token as string;
  const tokenOk = (candidate: string | undefined | null): boolean => {
    if (!candidate) return false;
    const want = Buffer.from(currentToken());
    const b = Buffer.from(candidate);
    return b.length === want.length && crypto.timingSafeEqual(b, want);
  };
  const secure = Boolean(opts.tls);
  const scheme = secure ? 'https' : 'http';
  const defaultPort = secure ? 443 : 80;
  let boundPort = opts.port;
  const bound = opts.host.trim().toLowerCase();
  const wildcard = WILDCARD.has(bound);
  const allowed = (opts.allowedHosts ?? []).map(parseAllowedHost);

  /**
   * Host names (with port) this server answers to: loopback names, the address it is bound to (for
   * a wildcard bind, the address the connection arrived at), and each --allowed-host. A page a
   * DNS-rebinding attacker serves names the attacker's host and is refused.
   */
  const hostOk = (hostHeader: string | undefined, localAddress: string | undefined, port = defaultPort): boolean => {
    const parsed = parseHostHeader(hostHeader, port);
    if (!parsed) return false;
    const { name, port: p } = parsed;
    if (allowed.some((a) => a.name === name && (a.port ?? boundPort) === p)) return true;
    if (p !== boundPort) return false;
    if (LOOPBACK_NAMES.includes(name)) return true;
    if (!wildcard && name === bracket(bound)) return true;
    return wildcard && localAddress !== undefined && name === bracket(unmapped(localAddress).toLowerCase());
  };
  const hosts = (): string[] => [
    ...LOOPBACK_NAMES.map((n) => `${n}:${boundPort}`),
    ...(wildcard
      ? [`<this machine's address>:${boundPort}`]
      : LOOPBACK_NAMES.includes(bracket(bound))
        ? []
        : [`${bracket(bound)}:${boundPort}`]),
    ...allowed.map((a) => `${a.name}:${a.port ?? boundPort}`),
  ];
  const misdirected = (hostHeader: string | undefined): string => {
    const shown = (hostHeader ?? '').replace(/[^\w.:[\]-]/g, '?').slice(0, 100);
    return (
      `Hearth does not answer to the Host "${shown}". It answers to ${hosts().join(', ')}. ` +
      `To reach it under another name, start it with --allowed-host NAME (repeat it for each name), ` +
      `e.g. hearth serve --host ${opts.host} --allowed-host heater.local`
    );
  };
  // Any one valid credential is enough: a stale cookie from an earlier run on this port must not
  // hide the fresh token in the address the server just printed.
  const authorised = (req: http.IncomingMessage, url: URL): boolean => {
    const auth = req.headers.authorization;
    return (
      (auth?.startsWith('Bearer ') === true && tokenOk(auth.slice(7))) ||
      tokenOk(parseCookies(req.headers.cookie)[tokenCookieName(boundPort)]) ||
      tokenOk(url.searchParams.get('token'))
    );
  };
  /** The same rule as Host, for the page that made the request; and the scheme must be ours. */
  const originOk = (req: http.IncomingMessage): boolean => {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    try {
      const o = new URL(origin);
      if (o.protocol !== `${scheme}:`) return false;
      return hostOk(o.host, req.socket.localAddress, o.protocol === 'https:' ? 443 : 80);
    } catch {
      return false;
    }
  };

  const serverOptions: http.ServerOptions = {
    headersTimeout: HEADERS_TIMEOUT_MS,
    requestTimeout: REQUEST_TIMEOUT_MS,
    // How often the two timeouts above are checked (default 30 s, which would let idle sockets pile up).
    connectionsCheckingInterval: 1_000,
  };
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    void handle(req, res).catch((err: unknown) => {
      if (err instanceof ClientGone) res.destroy();
      else if (!res.headersSent)
        sendJson(res, 500, { ok: false, error: { code: 'failed', message: (err as Error).message } });
      else res.destroy();
    });
  };
  const server: http.Server = opts.tls
    ? https.createServer(
        { ...serverOptions, cert: opts.tls.cert, key: opts.tls.key, handshakeTimeout: HEADERS_TIMEOUT_MS },
        onRequest,
      )
    : http.createServer(serverOptions, onRequest);

  // Connection caps. Counted on the raw TCP socket (before TLS), so a client that never finishes a
  // handshake counts too. server.maxConnections closes sockets past the total.
  const perClient = opts.limits?.perClient ?? DEFAULT_PER_CLIENT_CONNECTIONS;
  server.maxConnections = opts.limits?.total ?? DEFAULT_TOTAL_CONNECTIONS;
  const perAddress = new Map<string, number>();
  const sockets = new Set<net.Socket>();
  server.prependListener('connection', (socket: net.Socket) => {
    const address = socket.remoteAddress ?? '?';
    const n = (perAddress.get(address) ?? 0) + 1;
    if (n > perClient) {
      socket.destroy();
      return;
    }
    perAddress.set(address, n);
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left <= 0) perAddress.delete(address);
      else perAddress.set(address, left);
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!hostOk(req.headers.host, req.socket.localAddress)) {
      sendText(res, 421, misdirected(req.headers.host));
      return;
    }
    const url = parseTarget(req.url);
    if (!url) {
      sendText(res, 400, 'The request target is not a path on this server');
      return;
    }
    if (!authorised(req, url)) {
      sendText(
        res,
        401,
        'Missing or wrong access token: open the URL `hearth serve` printed, which carries ?token=...',
      );
      return;
    }
    if (url.searchParams.has('token') && req.method === 'GET') {
      // Trade the token in the address bar for a cookie, so it does not stay in history or get shared.
      res.writeHead(303, {
        ...SECURITY_HEADERS,
        'Set-Cookie': `${tokenCookieName(boundPort)}=${currentToken()}; HttpOnly; SameSite=Strict; Path=/${secure ? '; Secure' : ''}`,
        Location: samePath(url.pathname),
        'Cache-Control': 'no-store',
      });
      res.end();
      return;
    }
    if (url.pathname.startsWith('/api/')) {
      if (req.method !== 'POST') {
        res.setHeader('Allow', 'POST');
        sendJson(res, 405, { ok: false, error: { code: 'bad-request', message: 'Use POST for API calls' } });
        return;
      }
      if (!originOk(req)) {
        sendJson(res, 403, { ok: false, error: { code: 'bad-request', message: 'Cross-origin request refused' } });
        return;
      }
      const method = decodePath(url.pathname.slice('/api/'.length));
      if (method === null) {
        sendJson(res, 400, {
          ok: false,
          error: { code: 'bad-request', message: 'The method name in the address has a malformed %-escape' },
        });
        return;
      }
      if (isLocalOnly(method)) {
        // Only a person at the machine (the desktop app over IPC, the CLI on the data folder) may call it.
        sendJson(res, 403, { ok: false, error: { code: 'bad-request', message: localOnlyRefusal(method) } });
        return;
      }
      const body = await readBody(req, MAX_BODY_BYTES);
      if (body === TOO_LARGE) {
        res.setHeader('Connection', 'close');
        sendJson(res, 413, {
          ok: false,
          error: {
            code: 'bad-request',
            message: `The request is larger than the limit of ${MAX_BODY_BYTES / 1024 / 1024} MiB`,
            hint: 'Split the file into smaller parts and send them one after the other.',
          },
        });
        return;
      }
      let args: unknown;
      try {
        args = parseJsonBody(body);
      } catch (err) {
        sendJson(res, 400, {
          ok: false,
          error: { code: 'bad-request', message: `Request body: ${(err as Error).message}` },
        });
        return;
      }
      const envelope = await dispatch(opts.handlers, method, args);
      sendJson(res, envelope.ok ? 200 : httpStatusOf(envelope.error), envelope);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendText(res, 405, 'Method not allowed');
      return;
    }
    serveStatic(res, url.pathname);
  }

  function serveStatic(res: http.ServerResponse, pathname: string): void {
    if (!opts.staticDir) {
      sendText(res, 404, 'No user interface is built: run `npm run build`');
      return;
    }
    const decoded = decodePath(pathname);
    if (decoded === null || decoded.includes('\0')) {
      sendText(res, 400, 'The address has a malformed %-escape');
      return;
    }
    const root = path.resolve(opts.staticDir);
    let file = path.resolve(root, `.${decoded}`);
    if (!file.startsWith(root + path.sep) && file !== root) {
      sendText(res, 404, 'Not found');
      return;
    }
    if (file === root || !fs.existsSync(file) || fs.statSync(file).isDirectory()) file = path.join(root, 'index.html');
    if (!fs.existsSync(file)) {
      sendText(res, 404, 'No user interface is built: run `npm run build`');
      return;
    }
    const type = MIME[path.extname(file)] ?? 'application/octet-stream';
    const isIndex = path.basename(file) === 'index.html';
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': type,
      'Cache-Control': isIndex ? 'no-store' : 'max-age=3600',
    });
    fs.createReadStream(file).pipe(res);
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  server.on('upgrade', (req: http.IncomingMessage, socket: stream.Duplex, head: Buffer) => {
    const url = parseTarget(req.url);
    const refuse = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (url?.pathname !== '/ws') return refuse(404, 'Not Found');
    if (!hostOk(req.headers.host, req.socket.localAddress)) return refuse(421, 'Misdirected Request');
    if (!originOk(req)) return refuse(403, 'Forbidden');
    if (!authorised(req, url)) return refuse(401, 'Unauthorized');
    const token = currentToken();
    wss.handleUpgrade(req, socket, head, (ws) => {
      clients.set(ws, token);
      wss.emit('connection', ws, req);
    });
  });
  // Each socket with the token it was opened with: after a rotation it is closed, and the page
  // reconnects with the new token or not at all.
  const clients = new Map<WebSocket, string>();
  wss.on('connection', (ws: WebSocket) => {
    ws.on('close', () => clients.delete(ws));
    ws.on('error', () => clients.delete(ws));
  });
  const rotationCheck = setInterval(() => {
    const token = currentToken();
    for (const [ws, t] of clients) if (t !== token) ws.terminate();
  }, 1_000);
  rotationCheck.unref();
  const unsubscribe = opts.events.onAny((event, payload) => {
    if (clients.size === 0) return;
    const text = JSON.stringify({ event, payload });
    for (const ws of clients.keys()) {
      // A client that cannot keep up is dropped rather than buffering without bound.
      if (ws.bufferedAmount > 4 * 1024 * 1024) ws.terminate();
      else ws.send(text);
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  boundPort = (server.address() as AddressInfo).port;
  const shownHost = wildcard ? '127.0.0.1' : bracket(opts.host);
  return {
    url: `${scheme}://${shownHost}:${boundPort}/`,
    port: boundPort,
    hosts,
    async close() {
      clearInterval(rotationCheck);
      unsubscribe();
      for (const ws of clients.keys()) ws.terminate();
      wss.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Every socket, also those still in a TLS handshake or upgraded, which closeAllConnections misses.
      server.closeAllConnections();
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

/** `[::1]` for an IPv6 literal, the name itself otherwise. */
function bracket(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** An IPv4 client on a dual-stack socket shows as ::ffff:a.b.c.d. */
function unmapped(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

function parseHostHeader(value: string | undefined, defaultPort: number): { name: string; port: number } | null {
  if (!value) return null;
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(value.trim().toLowerCase());
  if (!m) return null;
  return { name: (m[1] ?? '').replace(/\.$/, ''), port: m[2] === undefined ? defaultPort : Number(m[2]) };
}

/** `--allowed-host` as given: a name, an IP address (IPv6 with or without brackets), either with `:port`. */
export function parseAllowedHost(value: string): { name: string; port: number | undefined } {
  const v = value.trim().toLowerCase();
  if (net.isIPv6(v)) return { name: `[${v}]`, port: undefined };
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/.exec(v);
  if (!m || (m[2] !== undefined && (Number(m[2]) < 1 || Number(m[2]) > 65535)))
    throw new Error(
      `--allowed-host expects a host name or address, optionally with :port (like heater.local or 192.168.1.20:7420); got "${value}"`,
    );
  return { name: m[1]!.replace(/\.$/, ''), port: m[2] === undefined ? undefined : Number(m[2]) };
}

/**
 * The request target as a URL on this server. A target that starts with `//` is a path here, never
 * another host (new URL would read `//evil.example/` as one); an absolute-form target keeps only
 * its path. null: nothing usable.
 */
function parseTarget(target: string | undefined): URL | null {
  try {
    const t = target ?? '/';
    if (t.startsWith('/')) return new URL(`http://local${t}`);
    const abs = new URL(t);
    return new URL(`http://local${abs.pathname}${abs.search}`);
  } catch {
    return null;
  }
}

/** A same-origin path for Location: `//evil.example/` and `/\evil.example` would leave the site. */
function samePath(pathname: string): string {
  return `/${pathname.replace(/^[/\\]+/, '')}`;
}

function decodePath(p: string): string | null {
  try {
    return decodeURIComponent(p);
  } catch {
    return null;
  }
}

function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

/** The client went away mid-request: there is nobody to answer. */
class ClientGone extends Error {}
const TOO_LARGE = Symbol('too large');

/**
 * The body, or TOO_LARGE once it passes `limit`: then the rest is read and dropped (not kept) so
 * the 413 reaches a client that is still sending; see MAX_DRAIN_BYTES.
 */
function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | typeof TOO_LARGE> {
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] | null = Number(req.headers['content-length'] ?? 0) > limit ? null : [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_DRAIN_BYTES) {
        req.destroy();
        reject(new ClientGone());
        return;
      }
      if (chunks && size > limit) chunks = null;
      chunks?.push(c);
    });
    req.on('end', () => resolve(chunks ? Buffer.concat(chunks) : TOO_LARGE));
    req.on('aborted', () => reject(new ClientGone()));
    req.on('error', () => reject(new ClientGone()));
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** JSON arguments: valid UTF-8, not nested deeper than MAX_JSON_DEPTH; an empty body is `{}`. */
function parseJsonBody(body: Buffer): unknown {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw new Error('not valid UTF-8 text');
  }
  if (text.trim().length === 0) return {};
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_JSON_DEPTH) throw new Error(`nested deeper than ${MAX_JSON_DEPTH} levels`);
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return JSON.parse(text) as unknown;
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
  });
  res.end(JSON.stringify(body));
}

function sendText(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'text/plain; charset=utf-8',
    'Cache-Control': 'no-store',
  });
  res.end(text + '\n');
}
