import net from 'node:net';
import type os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { HandlerError, type DeviceScan, type LanDeviceKind } from '#contract/index';
import { startCore, type Core } from '#core/app';
import { EventBus } from '#core/event';
import { dispatch } from '#core/handler';
import { quiet } from '../../../test/support/quiet-log.ts';
import { startAxeosSim } from '../../../test/support/sim/axeos.ts';
import { startBraiinsSim } from '../../../test/support/sim/braiins.ts';
import { startCgminerSim } from '../../../test/support/sim/cgminer.ts';
import { tempDirs } from '../../../test/support/temp-dir.ts';
import { TestClock } from '../../../test/support/test-clock.ts';
import { until, when } from '../../../test/support/until.ts';
import { deviceAdapters } from './adapter/registry.ts';
import type { DeviceAdapter, DeviceAddress, DeviceIo } from './adapter/types.ts';
import { deviceModule } from './module.ts';
import { DeviceScanner, parseScanRange, suggestedRange } from './scan.ts';

// Every scan here stays on 127.0.0.x: a test never probes a real private or public range.

const tmp = tempDirs('hearth-device-scan-');
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

/**
 * Peers on a kind's port that are not that kind: `hang` accepts and never answers; `garbage` answers
 * whatever it is sent with bytes that are neither HTTP nor JSON, then closes. Counts connections,
 * to show the scan did ask them.
 */
async function hostile(mode: 'hang' | 'garbage', host: string, ports: number[]) {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const servers = await Promise.all(
    [...new Set(ports)].map(
      (port) =>
        new Promise<net.Server>((resolve, reject) => {
          const server = net.createServer((socket) => {
            connections++;
            sockets.add(socket);
            socket.on('close', () => sockets.delete(socket));
            socket.on('error', () => socket.destroy());
            if (mode === 'garbage')
              socket.once('data', () => socket.end(Buffer.from([0x7b, 0xff, 0x13, 0x0d, 0x0a, 0x22, 0x5b, 0x00])));
          });
          server.once('error', reject);
          server.listen(port, host, () => resolve(server));
        }),
    ),
  );
  return {
    connections: () => connections,
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    },
  };
}

async function core(): Promise<Core> {
  const c = await startCore({ dataDir: tmp(), log: quiet, modules: [deviceModule()] });
  closers.push(() => c.close());
  return c;
}

/** Adapters whose probe a test decides; each call is recorded with its signal. */
function fakeAdapters(answer: (a: DeviceAddress, kind: LanDeviceKind, io: DeviceIo) => Promise<boolean>) {
  const calls: { kind: LanDeviceKind; host: string; port: number; signal: AbortSignal }[] = [];
  const make = (kind: LanDeviceKind): DeviceAdapter => ({
    ...deviceAdapters[kind],
    probe: (a, io) => {
      calls.push({ kind, ...a, signal: io.signal! });
      return answer(a, kind, io);
    },
    read: () => Promise.reject(new Error('not read in this test')),
  });
  return { calls, adapters: { axeos: make('axeos'), cgminer: make('cgminer'), braiins: make('braiins') } };
}

/** Resolves false once the probe's signal aborts, never otherwise: an address that does not answer. */
const silent = (_a: DeviceAddress, _k: LanDeviceKind, io: DeviceIo) =>
  new Promise<boolean>((resolve) => io.signal!.addEventListener('abort', () => resolve(false)));

describe('parseScanRange', () => {
  it('takes a /24 to /32 (host addresses only), a last-octet range, a range within one /24 and one address', () => {
    const c24 = parseScanRange('192.168.1.0/24');
    expect([c24.length, c24[0], c24.at(-1)]).toEqual([254, '192.168.1.1', '192.168.1.254']);
    // A host's own address with its prefix, as `ip addr` shows it, means its network.
    expect(parseScanRange('10.0.0.77/24')).toEqual(c24.map((a) => a.replace('192.168.1.', '10.0.0.')));
    expect(parseScanRange('127.0.0.9/29')).toEqual([
      '127.0.0.9',
      '127.0.0.10',
      '127.0.0.11',
      '127.0.0.12',
      '127.0.0.13',
      '127.0.0.14',
    ]);
    expect(parseScanRange('127.0.0.6/31')).toEqual(['127.0.0.6', '127.0.0.7']);
    expect(parseScanRange('127.0.0.6/32')).toEqual(['127.0.0.6']);
    expect(parseScanRange(' 127.0.0.2-5 ')).toEqual(['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5']);
    expect(parseScanRange('127.0.0.250-127.0.0.255')).toHaveLength(6);
    expect(parseScanRange('127.0.0.0-255')).toHaveLength(256);
    expect(parseScanRange('127.0.0.3')).toEqual(['127.0.0.3']);
  });

  it.each([
    ['192.168.0.0/16', /\/16 is 65536 addresses: a scan covers at most 256, a \/24 to a \/32/],
    ['192.168.1.0/33', /\/33 is not an IPv4 prefix/],
    ['192.168.1.0-192.168.2.5', /not in one \/24/],
    ['192.168.1.40-10', /ends before it starts/],
    ['192.168.1.300', /"192\.168\.1\.300" is not an IPv4 address/],
    ['192.168.1.10-256', /"256" is not the last number/],
    ['192.168.01.1', /not an IPv4 address/],
    ['192.168.1', /not an IPv4 address/],
    ['::1', /not a range this scan takes/],
    ['fe80::1/64', /not an IPv4 address/],
    ['printer.local', /not a range this scan takes/],
    ['192.168.1.1-2-3', /not a range this scan takes/],
    ['', /not a range this scan takes/],
    ['8.8.8.0/24', /8\.8\.8\.0 is not on a home network: a scan covers only private addresses/],
    ['172.32.0.1-20', /not on a home network/],
  ])('refuses %j, naming the forms it takes', (range, message) => {
    let err: unknown;
    try {
      parseScanRange(range);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HandlerError);
    const h = err as HandlerError;
    expect([h.code, h.field]).toEqual(['bad-request', 'range']);
    expect(h.message).toMatch(message);
    expect(h.hint).toContain('192.168.1.0/24, 192.168.1.10-40');
  });
});

describe('suggestedRange', () => {
  const iface = (address: string, internal = false, family: 'IPv4' | 'IPv6' = 'IPv4') =>
    ({ address, internal, family, netmask: '', mac: '', cidr: null }) as unknown as os.NetworkInterfaceInfo;

  it('is the /24 of the first non-internal private IPv4 address, else null', () => {
    expect(
      suggestedRange({
        lo: [iface('127.0.0.1', true)],
        wg0: [iface('100.64.3.2')],
        eth0: [iface('fe80::1', false, 'IPv6'), iface('192.168.178.23')],
        eth1: [iface('10.1.2.3')],
      }),
    ).toBe('192.168.178.0/24');
    expect(suggestedRange({ en0: [iface('172.20.5.9')] })).toBe('172.20.5.0/24');
    expect(suggestedRange({ en0: [iface('172.32.5.9')], lo: [iface('10.0.0.1', true)] })).toBeNull();
    expect(suggestedRange({})).toBeNull();
  });
});

describe('DeviceScanner', () => {
  it('finds one device of each kind among hostile and silent addresses, through the handlers, within its bounds', async () => {
    const axe = await startAxeosSim({ host: '127.0.0.2' });
    const cg = await startCgminerSim({ host: '127.0.0.3', model: 'Nano3s' });
    const bos = await startBraiinsSim({ host: '127.0.0.4' });
    closers.push(axe.close, cg.close, bos.close);
    const ports = { axeos: axe.address.port, cgminer: cg.port, braiins: bos.port };
    const hang = await hostile('hang', '127.0.0.7', Object.values(ports));
    const garbage = await hostile('garbage', '127.0.0.8', Object.values(ports));
    closers.push(hang.close, garbage.close);

    const c = await core();
    await c.handlers['device-add']({ kind: 'axeos', ...axe.address });
    const events: DeviceScan[] = [];
    c.events.on('device-scan', (s) => events.push(s));

    const t0 = Date.now();
    const started = await c.handlers['device-scan']({ range: '127.0.0.2-127.0.0.20', ports });
    expect(started).toMatchObject({ state: 'running', total: 19, finishedAt: null, range: '127.0.0.2-127.0.0.20' });
    // One scan at a time.
    const second = await dispatch(c.handlers, 'device-scan', { range: '127.0.0.30', ports });
    expect(second).toMatchObject({
      ok: false,
      error: { code: 'conflict', message: expect.stringContaining('127.0.0.2-127.0.0.20') },
    });

    const end = await until(
      'the scan to end',
      async () => (await c.handlers['device-scan-status']({})).scan,
      (s) => s?.state !== 'running',
      15_000,
    );
    // Liveness only: every probe is bounded (1.5 s), so 19 addresses with two hostile ones end well within this.
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(end).toMatchObject({ id: started.id, state: 'done', done: 19, total: 19 });
    expect(end!.finishedAt).toBeGreaterThanOrEqual(end!.startedAt);
    expect(end!.found).toEqual([
      { kind: 'axeos', host: '127.0.0.2', port: ports.axeos, model: expect.stringContaining('BM1370'), added: true },
      {
        kind: 'cgminer',
        host: '127.0.0.3',
        port: ports.cgminer,
        model: expect.stringMatching(/nano ?3s/i),
        added: false,
      },
      // Braiins OS is read only after a login, which the scan does not try.
      { kind: 'braiins', host: '127.0.0.4', port: ports.braiins, model: null, added: false },
    ]);
    // The hostile peers were asked and are not listed.
    expect(hang.connections()).toBeGreaterThanOrEqual(1);
    expect(garbage.connections()).toBeGreaterThanOrEqual(1);

    // Progress came as events: counts never go back, and the last is the end.
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(events.map((e) => e.done)).toEqual([...events.map((e) => e.done)].sort((a, b) => a - b));
    expect(events.at(-1)).toEqual(end);
    expect(events.filter((e) => e.state !== 'running')).toHaveLength(1);

    // A device added from the list shows as added in the status at once.
    await c.handlers['device-add']({ kind: 'cgminer', ...cg.address });
    const after = await c.handlers['device-scan-status']({});
    expect(after.scan?.found.map((h) => h.added)).toEqual([true, true, false]);
    expect(await dispatch(c.handlers, 'device-scan-cancel', { id: 'nope' })).toMatchObject({
      ok: false,
      error: { code: 'not-found' },
    });
    // Cancelling a scan that ended answers it as it ended.
    expect(await c.handlers['device-scan-cancel']({ id: started.id })).toMatchObject({ state: 'done', done: 19 });

    // AxeOS and Braiins OS both listen on port 80 in real life: each kind's probe, sent to a device
    // of another kind, says no (and cgminer's, sent to HTTP, and HTTP's, sent to cgminer).
    for (const crossed of [
      { axeos: bos.port, braiins: axe.address.port, cgminer: axe.address.port },
      { axeos: cg.port, braiins: cg.port, cgminer: bos.port },
    ]) {
      const s = await c.handlers['device-scan']({ range: '127.0.0.2-4', ports: crossed });
      const ended = await until(
        'the crossed scan to end',
        async () => (await c.handlers['device-scan-status']({})).scan,
        (x) => x?.id === s.id && x.state !== 'running',
        15_000,
      );
      expect(ended).toMatchObject({ state: 'done', done: 3, found: [] });
    }
  }, 30_000);

  it('refuses a range it does not take through the handlers, with the field to mark', async () => {
    const c = await core();
    for (const range of ['192.168.0.0/16', 'example.com', '192.168.1.0/24; rm'])
      expect(await dispatch(c.handlers, 'device-scan', { range })).toMatchObject({
        ok: false,
        error: { code: 'bad-request', field: 'range' },
      });
    expect((await c.handlers['device-scan-status']({})).scan).toBeNull();
  });

  it('cancel stops new probes, aborts the running ones and ends as cancelled with done < total', async () => {
    // The first 10 addresses answer at once (nothing there); from the 11th on nothing answers.
    const { calls, adapters } = fakeAdapters((a, k, io) =>
      Number(a.host.split('.')[3]) <= 10 ? Promise.resolve(false) : silent(a, k, io),
    );
    const events = new EventBus();
    const finals: DeviceScan[] = [];
    events.on('device-scan', (s) => s.state !== 'running' && finals.push(s));
    const scanner = new DeviceScanner({
      clock: new TestClock(1_000),
      events,
      log: quiet,
      added: () => [],
      adapters,
      timeoutMs: 60_000, // the cancel, not a deadline, ends these probes
    });
    const scan = scanner.start({ range: '127.0.0.1-200' });
    await when(
      'the first 10 addresses answered and 32 probes hang',
      () => calls.length === 30 + 32 && calls.filter((c) => !c.signal.aborted).length === 32,
    );
    expect(() => scanner.start({ range: '127.0.0.1' })).toThrow(/A scan of 127\.0\.0\.1-200 is running/);

    const seen = calls.length;
    const cancelled = await scanner.cancel(scan.id);
    expect(cancelled).toMatchObject({ state: 'cancelled', done: 10, total: 200, finishedAt: 1_000, found: [] });
    expect(calls.every((c) => c.signal.aborted)).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    expect(calls.length).toBe(seen);
    expect(finals).toEqual([cancelled]);
    expect(scanner.status().scan).toEqual(cancelled);
    // Once ended, another scan may start.
    expect(scanner.start({ range: '127.0.0.1' }).state).toBe('running');
    await scanner.stop();
  });

  it('asks only the kinds given, on their default ports unless told, and sends progress only a few times a second', async () => {
    const { calls, adapters } = fakeAdapters(async (a, kind) => kind === 'cgminer' && a.host === '127.0.0.77');
    const clock = new TestClock(5_000);
    const events = new EventBus();
    const seen: DeviceScan[] = [];
    events.on('device-scan', (s) => seen.push(s));
    const scanner = new DeviceScanner({ clock, events, log: quiet, added: () => [], adapters });
    const scan = scanner.start({ range: '127.0.0.0/24', kinds: ['cgminer', 'braiins'], ports: { braiins: 8080 } });
    await when('the scan ends', () => scanner.status().scan?.state === 'done');
    expect(new Set(calls.map((c) => `${c.kind}:${c.port}`))).toEqual(new Set(['cgminer:4028', 'braiins:8080']));
    expect(calls).toHaveLength(2 * 254);
    expect(scanner.status().scan).toMatchObject({
      id: scan.id,
      done: 254,
      startedAt: 5_000,
      finishedAt: 5_000,
      found: [{ kind: 'cgminer', host: '127.0.0.77', port: 4028, model: null, added: false }],
    });
    // No time passed on the clock: the start and the end, none of the 254 steps between.
    expect(seen.map((s) => [s.state, s.done])).toEqual([
      ['running', 0],
      ['done', 254],
    ]);
  });
});
