import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Handlers } from '#contract/index';
import type { EventBus } from '#core/event';
import { dispatch } from '#core/handler';

export type HttpTransportOptions = {
  handlers: Handlers;
  events: EventBus;
  /** The access token every request must carry (query on first load, then a cookie). */
  token: string;
  host: string;
  port: number;
  /** The built renderer (index.html and assets); null serves the API only. */
  staticDir: string | null;
  /** Extra Host names to accept when bound to a non-loopback address (e.g. a LAN hostname). */
  allowedHosts?: string[];
};

export type HttpTransport = {
  url: string;
  port: number;
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
const MAX_BODY_BYTES = 64 * 1024 * 1024;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const MIME: Record<string, string> = {
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
 * Serves the contract over HTTP (POST /api/<method>) and pushes events over a WebSocket (/ws).
 * Every request must name an expected Host (so a DNS-rebinding page cannot reach it) and carry the
 * token (query parameter once, then an HttpOnly SameSite=Strict cookie, or a Bearer header).
 */
export async function startHttpTransport(opts: HttpTransportOptions): Promise<HttpTransport> {
  const tokenBuf = Buffer.from(opts.token);
  const tokenOk = (candidate: string | undefined | null): boolean => {
    if (!candidate) return false;
    const b = Buffer.from(candidate);
    return b.length === tokenBuf.length && crypto.timingSafeEqual(b, tokenBuf);
  };
  let boundPort = opts.port;
  const hostOk = (hostHeader: string | undefined): boolean => {
    if (!hostHeader) return false;
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hostHeader.trim().toLowerCase());
    if (!m) return false;
    const name = m[1] ?? '';
    const port = m[2] === undefined ? 80 : Number(m[2]);
    if (port !== boundPort) return false;
    if (LOOPBACK.has(name)) return true;
    const bound = opts.host.toLowerCase();
    if (!LOOPBACK.has(bound) && (name === bound || name === `[${bound}]`)) return true;
    return (opts.allowedHosts ?? []).some((h) => h.toLowerCase() === name);
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
  const originOk = (req: http.IncomingMessage): boolean => {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    try {
      return hostOk(new URL(origin).host);
    } catch {
      return false;
    }
  };

  const server = http.createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      if (!res.headersSent)
        sendJson(res, 500, { ok: false, error: { code: 'failed', message: (err as Error).message } });
      else res.destroy();
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!hostOk(req.headers.host)) {
      sendText(
        res,
        421,
        'Unexpected Host header: open Hearth through the address it printed (http://127.0.0.1:<port>/).',
      );
      return;
    }
    const url = new URL(req.url ?? '/', 'http://local');
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
        'Set-Cookie': `${tokenCookieName(boundPort)}=${opts.token}; HttpOnly; SameSite=Strict; Path=/`,
        Location: url.pathname,
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
      const method = decodeURIComponent(url.pathname.slice('/api/'.length));
      if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) {
        // Said before the upload rather than by cutting it off, which the caller would see as a reset.
        res.setHeader('Connection', 'close');
        sendJson(res, 413, {
          ok: false,
          error: {
            code: 'bad-request',
            message: `${method}: the request is larger than ${MAX_BODY_BYTES / 1024 / 1024} MiB`,
          },
        });
        return;
      }
      let body: unknown;
      try {
        const text = await readBody(req, MAX_BODY_BYTES);
        body = text.length === 0 ? {} : JSON.parse(text);
      } catch (err) {
        sendJson(res, 400, {
          ok: false,
          error: { code: 'bad-request', message: `Request body: ${(err as Error).message}` },
        });
        return;
      }
      const envelope = await dispatch(opts.handlers, method, body);
      const status = envelope.ok
        ? 200
        : envelope.error.code === 'not-found'
          ? 404
          : envelope.error.code === 'bad-request'
            ? 400
            : 200;
      sendJson(res, status, envelope);
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
    const root = path.resolve(opts.staticDir);
    let file = path.resolve(root, `.${decodeURIComponent(pathname)}`);
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
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://local');
    const refuse = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (url.pathname !== '/ws') return refuse(404, 'Not Found');
    if (!hostOk(req.headers.host)) return refuse(421, 'Misdirected Request');
    if (!originOk(req)) return refuse(403, 'Forbidden');
    if (!authorised(req, url)) return refuse(401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  const clients = new Set<WebSocket>();
  wss.on('connection', (ws) => {
    clients.add(ws);
    ws.on('close', () => clients.delete(ws));
    ws.on('error', () => clients.delete(ws));
  });
  const unsubscribe = opts.events.onAny((event, payload) => {
    if (clients.size === 0) return;
    const text = JSON.stringify({ event, payload });
    for (const ws of clients) {
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
  const shownHost = opts.host.includes(':') ? `[${opts.host}]` : opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host;
  return {
    url: `http://${shownHost}:${boundPort}/`,
    port: boundPort,
    async close() {
      unsubscribe();
      for (const ws of clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error(`larger than ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
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
