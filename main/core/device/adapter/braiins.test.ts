import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer } from '../../../../test/support/http-server.ts';
import { rejectionOf } from '../../../../test/support/rejection.ts';
import { startBraiinsSim, type BraiinsSim, type BraiinsSimOptions } from '../../../../test/support/sim/braiins.ts';
import { braiinsAdapter, createBraiinsAdapter } from './braiins.ts';
import { DeviceError, type DeviceAddress, type DeviceIo } from './types.ts';

const PASSWORD = 'hearth-test';
const AT = Date.UTC(2026, 0, 15, 12);
/** Short enough for the hostile cases to end quickly; a loopback simulator answers far sooner. */
const TIMEOUT_MS = 1_500;
/** Liveness only: a bounded call ends well inside this, a stalled one never does. */
const LIVENESS_MS = 10_000;

const io = (over: Partial<DeviceIo> = {}): DeviceIo => ({
  timeoutMs: TIMEOUT_MS,
  maxReplyBytes: 1024 * 1024,
  credentials: { user: 'root', password: PASSWORD },
  ...over,
});
const at = (s: { host: string; port: number }): DeviceAddress => ({ host: s.host, port: s.port });
const failure = (p: Promise<unknown>) => rejectionOf(p, DeviceError);

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((f) => f()));
});
async function sim(o: BraiinsSimOptions = {}): Promise<BraiinsSim> {
  const s = await startBraiinsSim({ startMs: AT, ...o });
  cleanup.push(() => s.close());
  return s;
}
/** A fresh adapter (its own token cache) with a fixed clock for `at`. */
const adapter = () => createBraiinsAdapter({ now: () => AT });

/** What the firmware's REST API says on its own, read without the adapter (sim faithfulness). */
function raw(s: BraiinsSim, method: string, path: string, headers: Record<string, string> = {}, body?: unknown) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request(
      {
        host: s.host,
        port: s.port,
        method,
        path,
        agent: false,
        headers: { ...headers, ...(payload ? { 'content-type': 'application/json' } : {}) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe('Braiins OS adapter against a simulated miner', () => {
  it('logs in once with the credentials and sends the token raw in Authorization, not as Bearer', async () => {
    const s = await sim();
    const a = adapter();
    await a.read(at(s), io());
    await a.read(at(s), io());
    expect(s.logins).toBe(1);
    const [first, ...rest] = s.requests;
    expect(first).toMatchObject({ method: 'POST', url: '/api/v1/auth/login' });
    expect(JSON.parse(first!.body)).toEqual({ username: 'root', password: PASSWORD });
    expect(rest.length).toBeGreaterThan(0);
    for (const r of rest) {
      expect(r.authorization).toBeDefined();
      expect(r.authorization).not.toMatch(/^Bearer /);
    }
    // The simulator holds to the firmware's rule: a Bearer-prefixed token is not the token.
    const token = rest[0]!.authorization!;
    expect((await raw(s, 'GET', '/api/v1/miner/details', { authorization: token })).status).toBe(200);
    expect((await raw(s, 'GET', '/api/v1/miner/details', { authorization: `Bearer ${token}` })).status).toBe(401);
  });

  it('keeps a token alive while used (sliding lifetime) and logs in again once after it expired', async () => {
    const s = await sim({ timeoutS: 3600 });
    const a = adapter();
    await a.read(at(s), io());
    s.advance(3000_000);
    await a.read(at(s), io()); // within 3600 s of the last use: still good, and renewed by it
    s.advance(3000_000);
    await a.read(at(s), io());
    expect(s.logins).toBe(1);

    s.advance(3601_000); // idle past timeout_s: the firmware has forgotten the token
    const before = s.requests.length;
    const t = await a.read(at(s), io());
    expect(t.state).toBe('running');
    expect(s.logins).toBe(2);
    const after = s.requests.slice(before);
    // The five parallel reads each met 401 once, shared one login, and were repeated.
    expect(after.filter((r) => r.url === '/api/v1/auth/login')).toHaveLength(1);
    expect(after.filter((r) => r.url === '/api/v1/miner/details')).toHaveLength(2);
  });

  it('reads hash rate (H/s), the firmware-estimated power (W), temperature, shares, model and level', async () => {
    const s = await sim({ model: 'Antminer S19j Pro' });
    const t = await adapter().read(at(s), io());
    // S19j Pro preset: 3000 W default target; the model's J/TH at the default is 29.5.
    expect(t.hashRate).toBeCloseTo((3000 / 29.5) * 1e12, -6);
    expect(t.powerW).toBe(2940);
    expect(t.powerSource).toBe('estimated');
    expect(t.tempC).toBeCloseTo(50 + (25 * 3000) / 3600, 6);
    expect(t).toMatchObject({ at: AT, state: 'running', accepted: 4812, rejected: 7 });
    expect(t.model).toBe('Antminer S19j Pro, Braiins OS 2026-08-25-0-1a2b3c4d-26.08.1-plus');
    // Targets 1200, 1800, 2400, 3000, 3600 W: 3000 W is level 3.
    expect(t.level).toBe(3);
  });

  it('offers power targets from the device min to max, hash rate estimated from the current efficiency', async () => {
    const s = await sim({ model: 'Antminer S9' });
    const a = adapter();
    const t = await a.read(at(s), io());
    const levels = await a.levels(at(s), io(), t);
    expect(levels.map((l) => l.powerW)).toEqual([600, 850, 1100, 1350, 1600]);
    const perW = t.hashRate! / t.powerW!;
    for (const l of levels) {
      expect(l.hashRate).toBeCloseTo(l.powerW * perW, -3);
      expect(l.label).toMatch(/^power target \d+ W \(hash rate estimated from [\d.]+ J\/TH now\)$/);
    }
    // Without telemetry it reads its own; paused (no hash rate) it falls back to the sticker.
    await a.pause(at(s), io());
    const paused = await a.levels(at(s), io(), null);
    expect(paused.map((l) => l.powerW)).toEqual([600, 850, 1100, 1350, 1600]);
    expect(paused[4]!.hashRate).toBeCloseTo(1600 * (13.5e12 / 1300), -3);
    expect(paused[0]!.label).toContain("sticker's");
  });

  it('applies a level as the power target and resumes a paused miner; pause and resume change its state', async () => {
    const s = await sim();
    const a = adapter();
    await a.apply(at(s), io(), 1);
    expect(s.powerTargetW).toBe(1800);
    expect(s.state).toBe('running');
    expect((await a.read(at(s), io())).level).toBe(1);

    await a.pause(at(s), io());
    expect(s.state).toBe('paused');
    await a.pause(at(s), io()); // already paused: the firmware says so, still fine
    const t = await a.read(at(s), io());
    expect(t).toMatchObject({ state: 'paused', hashRate: 0, powerW: 0, level: 1 });

    await a.apply(at(s), io(), 4);
    expect(s.powerTargetW).toBe(3600);
    expect(s.state).toBe('running');
    const order = s.requests.filter((r) => r.method === 'PUT').map((r) => r.url);
    // The target is set before the resume, so the miner wakes straight into it.
    expect(order.slice(-2)).toEqual(['/api/v1/performance/power-target', '/api/v1/actions/resume']);

    await a.pause(at(s), io());
    await a.resume(at(s), io());
    expect(s.state).toBe('running');
    await expect(failure(a.apply(at(s), io(), 5))).resolves.toMatchObject({
      kind: 'refused',
      message: expect.stringMatching(/levels 0 to 4, not 5/),
    });
  });

  it('pause vs stop: a stopped bosminer reads as paused without numbers, and resume starts it', async () => {
    const s = await sim();
    const a = adapter();
    s.stopMining();
    const t = await a.read(at(s), io());
    expect(t).toMatchObject({ state: 'paused', hashRate: null, powerW: null, powerSource: null, level: null });
    await a.pause(at(s), io()); // stopped hashes no more than paused: nothing to do
    expect(s.state).toBe('stopped');
    await a.resume(at(s), io());
    expect(s.state).toBe('running');
    expect(s.requests.map((r) => `${r.method} ${r.url}`)).toContain('PUT /api/v1/actions/start');
    s.stopMining();
    await a.apply(at(s), io(), 0); // the target is stored while stopped, then bosminer starts
    expect([s.state, s.powerTargetW]).toEqual(['running', 1200]);
  });

  it('the simulated firmware refuses a power target outside its bounds', async () => {
    const s = await sim({ model: 'Antminer S19j Pro' });
    const login = await raw(s, 'POST', '/api/v1/auth/login', {}, { username: 'root', password: PASSWORD });
    const { token } = JSON.parse(login.body) as { token: string };
    const put = (watt: number) => raw(s, 'PUT', '/api/v1/performance/power-target', { authorization: token }, { watt });
    expect((await put(5000)).status).toBe(400);
    expect((await put(1199)).status).toBe(400);
    expect(s.powerTargetW).toBe(3000);
    expect(await put(1200)).toEqual({ status: 200, body: '{"watt":1200}' });
  });

  it('a wrong password or none is refused, saying where to fix it', async () => {
    const s = await sim();
    const wrong = await failure(adapter().read(at(s), io({ credentials: { user: 'root', password: 'nope' } })));
    expect(wrong.kind).toBe('refused');
    expect(wrong.message).toContain('HTTP 401');
    expect(wrong.message).toContain("check the user and password in Hearth's device settings");
    const none = await failure(adapter().pause(at(s), io({ credentials: null })));
    expect(none.kind).toBe('refused');
    expect(none.message).toContain("set them in Hearth's device settings");
    expect(s.logins).toBe(0);
    expect(s.state).toBe('running');
  });

  it('a passwordless miner (the firmware allows one) logs in with an empty password', async () => {
    const s = await sim({ password: '' });
    const t = await adapter().read(at(s), io({ credentials: { user: 'root', password: '' } }));
    expect(t.state).toBe('running');
  });

  it('probes true for the miner without credentials, false for a plain HTTP server or nothing', async () => {
    const s = await sim();
    expect(await braiinsAdapter.probe(at(s), io({ credentials: null }))).toBe(true);
    expect(s.logins).toBe(0);
    const plain = await startServer(() => ({ status: 404, body: '<h1>Not Found</h1>', type: 'text/html' }));
    cleanup.push(() => plain.close());
    const port = Number(new URL(plain.origin).port);
    expect(await braiinsAdapter.probe({ host: '127.0.0.1', port }, io())).toBe(false);
    const other = await startServer(() => ({ body: '{"hashRate": 500, "power": 15}' })); // JSON, not this API
    cleanup.push(() => other.close());
    expect(await braiinsAdapter.probe({ host: '127.0.0.1', port: Number(new URL(other.origin).port) }, io())).toBe(
      false,
    );
    const closed = await freePort();
    expect(await braiinsAdapter.probe({ host: '127.0.0.1', port: closed }, io())).toBe(false);
  });

  it('runs two simulated miners at once, each with its own token and state', async () => {
    const s9 = await sim({ host: '127.0.0.2', model: 'Antminer S9', password: 'nine' });
    const s19 = await sim({ host: '127.0.0.3', model: 'Antminer S19j Pro', password: 'nineteen' });
    const a = adapter();
    const io9 = io({ credentials: { user: 'root', password: 'nine' } });
    const io19 = io({ credentials: { user: 'root', password: 'nineteen' } });
    const [t9, t19] = await Promise.all([a.read(at(s9), io9), a.read(at(s19), io19)]);
    expect(t9.model).toContain('Antminer S9');
    expect(t19.model).toContain('Antminer S19j Pro');
    await Promise.all([a.apply(at(s9), io9, 0), a.pause(at(s19), io19)]);
    expect([s9.powerTargetW, s9.state, s19.powerTargetW, s19.state]).toEqual([600, 'running', 3000, 'paused']);
    expect([s9.logins, s19.logins]).toEqual([1, 1]);
    const tokens9 = new Set(s9.requests.map((r) => r.authorization).filter(Boolean));
    const tokens19 = new Set(s19.requests.map((r) => r.authorization).filter(Boolean));
    expect([...tokens9].some((x) => tokens19.has(x))).toBe(false);
  });
});

describe('Braiins OS adapter against hostile peers: a DeviceError within the bound', () => {
  async function within<T>(p: Promise<T>): Promise<{ value: T; ms: number }> {
    const start = performance.now();
    const value = await p;
    return { value, ms: performance.now() - start };
  }

  it.each(['garbage', 'flood', 'hang'] as const)('a miner whose API turns %s after login', async (kind) => {
    const s = await sim();
    const a = adapter();
    await a.read(at(s), io());
    s.hostile = kind;
    const { value: err, ms } = await within(failure(a.read(at(s), io())));
    expect(ms).toBeLessThan(LIVENESS_MS);
    expect(err.kind).toBe(kind === 'hang' ? 'unreachable' : 'protocol');
    expect(err.message).toMatch(
      kind === 'garbage'
        ? /not JSON/
        : kind === 'flood'
          ? /over the 1048576-byte limit/
          : /did not answer within 1500 ms/,
    );
  });

  it.each(['garbage', 'noise', 'flood', 'hang'] as const)('a peer that answers everything with %s', async (kind) => {
    const peer = await hostilePeer(kind);
    cleanup.push(peer.close);
    const address = { host: '127.0.0.1', port: peer.port };
    for (const call of [
      () => adapter().read(address, io()),
      () => adapter().pause(address, io()),
      () => adapter().levels(address, io(), null),
    ]) {
      const { value: err, ms } = await within(failure(call()));
      expect(ms).toBeLessThan(LIVENESS_MS);
      expect(err.kind).toBe(kind === 'hang' ? 'unreachable' : 'protocol');
    }
    const { value: probed, ms } = await within(braiinsAdapter.probe(address, io({ credentials: null })));
    expect(probed).toBe(false);
    expect(ms).toBeLessThan(LIVENESS_MS);
  });

  it('stops at the caller’s signal', async () => {
    const peer = await hostilePeer('hang');
    cleanup.push(peer.close);
    const ctl = new AbortController();
    const p = failure(
      adapter().read({ host: '127.0.0.1', port: peer.port }, io({ timeoutMs: 60_000, signal: ctl.signal })),
    );
    setImmediate(() => ctl.abort());
    const err = await p;
    expect(err).toMatchObject({ kind: 'unreachable', message: expect.stringContaining('cancelled') });
  });
});

/** A TCP peer on 127.0.0.1: HTTP with a body that is not JSON, bytes that are not HTTP, a 10 MB body, or silence. */
async function hostilePeer(
  kind: 'garbage' | 'noise' | 'flood' | 'hang',
): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (kind === 'hang') return; // accepts, reads, never answers
    socket.once('data', () => {
      if (kind === 'noise') {
        socket.end(Buffer.from([0x16, 0x03, 0x01, 0x00, 0xff, 0x00, 0x0d, 0x0a, 0x0d, 0x0a]));
        return;
      }
      if (kind === 'garbage') {
        socket.end(
          'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n\u0000\u00ff{"token": ',
        );
        return;
      }
      socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n');
      const chunk = Buffer.alloc(64 * 1024, 0x41);
      let sent = 0;
      const pump = () => {
        while (sent < 10 * 1024 * 1024 && !socket.destroyed) {
          sent += chunk.length;
          if (!socket.write(chunk)) return void socket.once('drain', pump);
        }
        socket.end();
      };
      pump();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on (bound, then released). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
