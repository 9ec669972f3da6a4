import http from 'node:http';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { Job } from '#contract/index';
import { apiCall, listen, type RunningServer } from './harness.ts';
import { perTest } from './per-test.ts';

/**
 * The HTTP transport's hardening seen from outside a real `hearth serve`: core error codes carry
 * their HTTP status, a malformed %-escape is a 400, an oversized body is answered 413 rather than
 * cut, the token redirect stays on this site, and SIGTERM stops the server with connections open.
 */
const runs = perTest('hearth-http-hardening-');

/**
 * MAX_BODY_BYTES in main/transport/http.ts, written out rather than imported so this file also
 * runs against a build from before that constant was exported (to show these tests fail there).
 */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

type Reply = { status: number; headers: http.IncomingHttpHeaders; body: string };

/** One request as written (no URL normalising: the target goes out byte for byte). */
function raw(
  s: RunningServer,
  opts: { method?: string; target: string; headers?: Record<string, string>; body?: string },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: s.port,
        method: opts.method ?? 'GET',
        path: opts.target,
        headers: { authorization: `Bearer ${s.token}`, ...opts.headers },
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** A POST to /api/<method> with a JSON body, answered with its status and parsed envelope. */
async function post(
  s: RunningServer,
  method: string,
  args: unknown,
): Promise<{ status: number; body: { ok: boolean; error?: { code: string; message: string } } }> {
  const r = await raw(s, {
    method: 'POST',
    target: `/api/${method}`,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(args),
  });
  return { status: r.status, body: JSON.parse(r.body) as { ok: boolean; error?: { code: string; message: string } } };
}

/** A liveness bound, not a timing claim: rejects if `p` has not settled within `ms`. */
function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms))),
  ]);
}

describe('hearth serve HTTP hardening', () => {
  it('answers core error codes with their HTTP status and keeps the envelope', async () => {
    const s = await runs.serve(runs.folder());

    const bad = await post(s, 'energy-days', { days: 0 });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(bad.body.error?.message).toBeTruthy();

    const missing = await post(s, 'job-get', { id: 987654 });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(missing.body.error?.message).toMatch(/987654/);

    // An unknown method is a not-found too.
    const unknown = await post(s, 'no-such-method', {});
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ ok: false, error: { code: 'not-found' } });

    // Cancelling a job that has already ended is a conflict (JobManager.cancel). Cancelled at
    // once, so whether the scheduler started it in between does not matter.
    const job = await apiCall<Job>(s, 'job-create', { name: 'conflict', spec: { kind: 'train', steps: 1 } });
    await apiCall<Job>(s, 'job-cancel', { id: job.id });
    const conflict = await post(s, 'job-cancel', { id: job.id });
    expect(conflict.status).toBe(409);
    expect(conflict.body).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(conflict.body.error?.message).toMatch(/already ended/);

    // A successful call stays 200.
    const ok = await post(s, 'job-get', { id: job.id });
    expect(ok.status).toBe(200);
    expect(ok.body.ok).toBe(true);
  });

  // Found by http-fuzz.test.ts: ledger totals past the ±9 million units a number holds exactly were
  // an internal error (500, or 200 with ok:false before the status mapping).
  it('answers ledger totals past the exact range with 409 and refuses such charges with 400', async () => {
    const s = await runs.serve(runs.folder());
    const settings = { currency: 'EUR', timeZone: 'UTC' };
    const refused = await post(s, 'ledger-configure', {
      ...settings,
      standingPerDay: '9000000',
      monthlyFee: '9000000',
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error?.message).toMatch(/standing charge and the monthly fee/);

    // Each day fits; ten days of it do not.
    await apiCall(s, 'ledger-configure', { ...settings, standingPerDay: '5000000', monthlyFee: '0' });
    expect((await post(s, 'ledger-days', { days: 1 })).status).toBe(200);
    const tooLarge = await post(s, 'ledger-days', { days: 10 });
    expect(tooLarge.status).toBe(409);
    expect(tooLarge.body).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(tooLarge.body.error?.message).toMatch(/count exactly/);
    expect((await post(s, 'ledger-period', { kind: 'year' })).status).toBe(409);
  });

  it('answers a malformed %-escape in the path with 400 and keeps running', async () => {
    const s = await runs.serve(runs.folder());
    const api = await raw(s, { method: 'POST', target: '/api/%E0%A4%A', body: '{}' });
    expect(api.status).toBe(400);
    const envelope = JSON.parse(api.body) as { ok: boolean; error: { message: string } };
    expect(envelope.ok).toBe(false);
    expect(envelope.error.message).toMatch(/%-escape/);

    for (const target of ['/%zz', '/assets/%E0%A4%A', '/%']) {
      const page = await raw(s, { target });
      expect(page.status, target).toBe(400);
      expect(page.body, target).toMatch(/%-escape/);
    }
    expect(s.child.exitCode).toBeNull();
    expect(await apiCall<{ dataDir: string }>(s, 'data-folder')).toMatchObject({ dataDir: s.dataDir });
  });

  // The body is sent two ways: announced (Content-Length past the limit) and chunked, where the
  // server finds out only while reading. Either way the client must read a 413, not a reset.
  for (const mode of ['content-length', 'chunked'] as const) {
    it(`answers a body over ${MAX_BODY_BYTES / 1024 / 1024} MiB with 413 naming the limit (${mode})`, async () => {
      const s = await runs.serve(runs.folder());
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      const total = MAX_BODY_BYTES + 2 * chunk.length;
      const reply = await within(
        60_000,
        'an answer to the oversized body',
        new Promise<Reply>((resolve, reject) => {
          const req = http.request(
            {
              host: '127.0.0.1',
              port: s.port,
              method: 'POST',
              path: '/api/ledger-import-csv',
              headers: {
                authorization: `Bearer ${s.token}`,
                'content-type': 'application/json',
                ...(mode === 'content-length' ? { 'content-length': String(total) } : {}),
              },
              agent: false,
            },
            (res) => {
              let body = '';
              res.setEncoding('utf8');
              res.on('data', (d: string) => (body += d));
              res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
              res.on('error', reject);
            },
          );
          req.on('error', reject);
          let sent = 0;
          const pump = () => {
            while (sent < total) {
              sent += chunk.length;
              if (!req.write(chunk)) {
                req.once('drain', pump);
                return;
              }
            }
            req.end();
          };
          pump();
        }),
      );
      expect(reply.status).toBe(413);
      const envelope = JSON.parse(reply.body) as { ok: boolean; error: { message: string } };
      expect(envelope.ok).toBe(false);
      expect(envelope.error.message).toContain(`${MAX_BODY_BYTES / 1024 / 1024} MiB`);
      expect(s.child.exitCode).toBeNull();
      expect(await apiCall<{ dataDir: string }>(s, 'data-folder')).toMatchObject({ dataDir: s.dataDir });
    });
  }

  it('trades the token for a cookie with a redirect that stays on this site', async () => {
    const s = await runs.serve(runs.folder());
    const targets = [
      '/.//evil.example/',
      '//evil.example/',
      '///evil.example/',
      '/\\evil.example/',
      '/\\/evil.example/',
      '/./\\evil.example/',
      '/%2F%2Fevil.example/',
      '/settings',
    ];
    for (const target of targets) {
      const r = await raw(s, { target: `${target}?token=${s.token}`, headers: { authorization: '' } });
      expect(r.status, target).toBe(303);
      const location = r.headers.location ?? '';
      expect(location, target).toMatch(/^\//);
      expect(location, target).not.toMatch(/^(\/\/|\/\\|\\)/);
      expect(location, target).not.toMatch(/^[a-z][a-z0-9+.-]*:/i);
      // What a browser does with it: the address it lands on is on this server.
      expect(new URL(location, s.origin).origin, target).toBe(s.origin);
      expect(location, target).not.toContain(s.token);
      expect(r.headers['set-cookie']?.join(';'), target).toContain(s.token);
    }
    expect((await raw(s, { target: `/settings?token=${s.token}` })).headers.location).toBe('/settings');
  });

  it('exits on SIGTERM with a WebSocket, a keep-alive connection and a refused upgrade left open', async () => {
    const s = await runs.serve(runs.folder());
    const ws = await listen(s);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const idle = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: s.port,
          method: 'POST',
          path: '/api/data-folder',
          headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
          agent,
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end('{}');
    });
    expect(idle).toBe(200);
    // The socket stays open in the agent's pool, idle and kept alive.
    expect(Object.values(agent.freeSockets).flat().length).toBe(1);
    // A client that asked to upgrade a path that is not /ws and, refused, keeps its end open: once
    // upgraded the socket is no longer the HTTP server's to close, so only stop() can.
    const halfOpen = net.connect({ host: '127.0.0.1', port: s.port, allowHalfOpen: true });
    halfOpen.on('error', () => undefined);
    const refusal = await new Promise<string>((resolve) => {
      let text = '';
      halfOpen.on('data', (d: Buffer) => (text += d.toString()));
      halfOpen.once('end', () => resolve(text));
      halfOpen.write(
        `GET /elsewhere HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`,
      );
    });
    expect(refusal).toMatch(/^HTTP\/1\.1 404/);
    try {
      const code = await within(20_000, 'hearth serve exiting after SIGTERM', s.stop('SIGTERM'));
      expect(code).toBe(0);
      expect(s.output()).toMatch(/SIGTERM: stopping/);
      expect(s.output()).toMatch(/stopped cleanly/);
    } finally {
      ws.close();
      agent.destroy();
      halfOpen.destroy();
    }
  });
});
