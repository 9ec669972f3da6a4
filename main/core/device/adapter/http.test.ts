import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { rejectionOf } from '../../../../test/support/rejection.ts';
import { deadline, httpRequest, snippet, type HttpRequest } from './http.ts';
import { DeviceError, type DeviceAddress, type DeviceIo } from './types.ts';

/** A liveness bound for the cases that wait, not a timing claim. */
const io: DeviceIo = { timeoutMs: 1_500, maxReplyBytes: 1024, credentials: null };
const failure = (p: Promise<unknown>) => rejectionOf(p, DeviceError);
const req = (over: Partial<HttpRequest> = {}): HttpRequest => ({
  method: 'GET',
  path: '/x',
  label: 'Device',
  hint: 'is this the device?',
  signal: deadline(io),
  ...over,
});

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((f) => f()));
});

/** A TCP peer on loopback that hands each request's raw bytes to `answer`, which writes what it likes. */
async function peer(answer: (request: string, socket: net.Socket) => void): Promise<DeviceAddress> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let seen = '';
    socket.on('data', (d) => {
      seen += d.toString('latin1');
      const head = seen.indexOf('\r\n\r\n');
      if (head < 0) return;
      const length = Number(/content-length: *(\d+)/i.exec(seen.slice(0, head))?.[1] ?? 0);
      if (seen.length >= head + 4 + length) answer(seen, socket);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  );
  return { host: '127.0.0.1', port: (server.address() as AddressInfo).port };
}

describe('httpRequest', () => {
  it('sends the body as JSON with its headers, and resolves any status with the reply', async () => {
    let seen = '';
    const at = await peer((request, socket) => {
      seen = request;
      socket.end('HTTP/1.1 412 Precondition Failed\r\nx-why: stopped\r\ncontent-length: 7\r\n\r\nstopped');
    });
    const r = await httpRequest(at, io, req({ method: 'PUT', headers: { authorization: 'tok' }, body: { watt: 900 } }));
    expect(r).toMatchObject({ status: 412, text: 'stopped', headers: { 'x-why': 'stopped' } });
    expect(seen).toMatch(/^PUT \/x HTTP\/1\.1\r\n/);
    expect(seen).toMatch(/\r\nauthorization: tok\r\n/i);
    expect(seen).toMatch(/\r\naccept: application\/json\r\n/i);
    expect(seen).toMatch(/\r\ncontent-type: application\/json\r\n/i);
    expect(seen.endsWith('\r\n\r\n{"watt":900}')).toBe(true);
  });

  it('refuses a reply whose Content-Length is over the limit before reading it', async () => {
    const at = await peer((_r, socket) => socket.write('HTTP/1.1 200 OK\r\ncontent-length: 5000000\r\n\r\n{'));
    const err = await failure(httpRequest(at, io, req()));
    expect(err.kind).toBe('protocol');
    expect(err.message).toBe(
      'Device at 127.0.0.1:' +
        at.port +
        ' (GET /x) announces 5000000 bytes, over the 1024-byte limit of one reply: is this the device?',
    );
  });

  it('cuts off a reply without Content-Length once it passes the limit', async () => {
    const at = await peer((_r, socket) => {
      socket.write('HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n');
      socket.write(Buffer.alloc(4096, 0x61)); // the peer keeps the connection open: the limit ends it
    });
    const err = await failure(httpRequest(at, io, req()));
    expect(err).toMatchObject({ kind: 'protocol', message: expect.stringContaining('sent more than 1024 bytes') });
  });

  it('a peer that drops the connection mid-reply is unreachable, not a short reply', async () => {
    const at = await peer((_r, socket) => socket.end('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{"half":'));
    const err = await failure(httpRequest(at, io, req()));
    expect(err).toMatchObject({
      kind: 'unreachable',
      message: expect.stringContaining('closed the connection mid-reply'),
    });
  });

  it('bytes that are not HTTP are a protocol error with the hint', async () => {
    const at = await peer((_r, socket) => socket.end('{"STATUS":[{"STATUS":"S"}]}\u0000'));
    const err = await failure(httpRequest(at, io, req()));
    expect(err.kind).toBe('protocol');
    expect(err.message).toMatch(/answered something that is not HTTP \(HPE_[A-Z_]+\): is this the device\?$/);
  });

  it('nothing listening, a deadline passed and a caller that cancelled are each unreachable, saying which', async () => {
    const at = await peer(() => undefined);
    const closed = { ...at };
    await closers.pop()!();
    const refused = await failure(httpRequest(closed, io, req()));
    expect(refused).toMatchObject({ kind: 'unreachable', message: expect.stringContaining('(ECONNREFUSED)') });

    const silent = await peer(() => undefined);
    const quick = { ...io, timeoutMs: 50 };
    const late = await failure(httpRequest(silent, quick, req({ signal: deadline(quick) })));
    expect(late).toMatchObject({
      kind: 'unreachable',
      message: expect.stringContaining('did not answer within 50 ms'),
    });

    const ctl = new AbortController();
    ctl.abort();
    const mine = { ...io, signal: ctl.signal };
    const cancelled = await failure(httpRequest(silent, mine, req({ signal: deadline(mine) })));
    expect(cancelled).toMatchObject({
      kind: 'unreachable',
      message: expect.stringContaining('the call was cancelled'),
    });
  });
});

describe('snippet', () => {
  it('puts a reply on one line, cut at 160 characters, and names an empty one', () => {
    expect(snippet('  <h1>\n Not   Found</h1>\n')).toBe('<h1> Not Found</h1>');
    expect(snippet('a'.repeat(500))).toBe(`${'a'.repeat(160)}…`);
    expect(snippet(' \n ')).toBe('(empty)');
  });
});
