import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { rejectionOf } from '../../../../test/support/rejection.ts';
import {
  startCgminerSim,
  startHostilePeer,
  type CgminerSimOptions,
  type HostileKind,
} from '../../../../test/support/sim/cgminer.ts';
import { cgminerCommand, createCgminerAdapter, parseMm } from './cgminer.ts';
import { DeviceError, type DeviceIo } from './types.ts';

const io: DeviceIo = { timeoutMs: 1_500, maxReplyBytes: 256 * 1024, credentials: null };
const failure = (p: Promise<unknown>) => rejectionOf(p, DeviceError);

/** One clock for the adapter and the simulated device: soft-off/-on happen when it is advanced. */
function clock() {
  let t = Date.parse('2026-01-15T06:00:00Z');
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

async function setup(options: CgminerSimOptions = {}) {
  const c = clock();
  const sim = await startCgminerSim({ now: c.now, ...options });
  closers.push(sim.close);
  return { sim, clock: c, adapter: createCgminerAdapter({ now: c.now }) };
}

describe('cgminer adapter against a simulated Avalon Mini 3', () => {
  it('reads wall power from PS[6], the hash rate in H/s, the hottest temperature and the level', async () => {
    const { sim, adapter } = await setup();
    const t = await adapter.read(sim.address, io);
    expect(t).toMatchObject({
      powerW: 839,
      powerSource: 'measured',
      state: 'running',
      model: 'Avalon Mini 3, firmware 25021401_56abae7',
      accepted: 1520,
      rejected: 3,
      level: 1, // Super, the higher of Eco and Super
    });
    expect(t.hashRate).toBeCloseTo(39.2e12, -6);
    expect(t.tempC).toBeGreaterThan(40);
    expect(sim.received.map((r) => r.command)).toEqual(['summary', 'estats']);
  });

  it('offers the levels of the current work mode, measured where seen, else estimated', async () => {
    const { sim, adapter } = await setup();
    const levels = await adapter.levels(sim.address, io, null);
    expect(levels).toHaveLength(2);
    expect(levels[0]).toMatchObject({ powerW: 500, label: expect.stringMatching(/Eco \(heating mode\), estimated/) });
    expect(levels[1]).toMatchObject({ powerW: 839, label: expect.stringMatching(/Super \(heating mode\), measured/) });

    await adapter.apply(sim.address, io, 0);
    expect(sim.state.worklevel).toBe(-1);
    expect(sim.received.at(-1)).toMatchObject({ command: 'ascset', parameter: '0,worklevel,set,-1' });
    const after = await adapter.levels(sim.address, io, null);
    expect(after.map((l) => l.powerW)).toEqual([560, 839]);
    expect((await adapter.read(sim.address, io)).level).toBe(0);

    // Another work mode has its own measurements: night mode starts from the estimates again.
    sim.state.workmode = 2;
    const night = await adapter.levels(sim.address, io, null);
    expect(night[1]!.label).toMatch(/Super \(night mode\), estimated/);
  });

  it('pauses with a soft-off at the device clock, resumes with a soft-on, and apply turns it back on', async () => {
    const { sim, adapter, clock: c } = await setup();
    await adapter.pause(sim.address, io);
    const softoff = sim.received.at(-1)!;
    expect(softoff.command).toBe('ascset');
    expect(softoff.parameter).toBe(`0,softoff,1:${Math.floor(c.now() / 1000) + 5}`);
    c.advance(5_000);
    expect(sim.isOff()).toBe(true);
    const off = await adapter.read(sim.address, io);
    expect(off).toMatchObject({ state: 'paused', powerW: 6, hashRate: 0 });

    await adapter.resume(sim.address, io);
    expect(sim.received.at(-1)!.parameter).toMatch(/^0,softon,1:\d+$/);
    c.advance(5_000);
    expect((await adapter.read(sim.address, io)).state).toBe('running');

    await adapter.pause(sim.address, io);
    c.advance(5_000);
    await adapter.apply(sim.address, io, 0);
    const sets = sim.received.filter((r) => r.command === 'ascset').slice(-2);
    expect(sets.map((r) => r.parameter!.replace(/:\d+$/, ':T'))).toEqual(['0,softon,1:T', '0,worklevel,set,-1']);
    c.advance(5_000);
    expect(sim.isOff()).toBe(false);
    expect(await adapter.read(sim.address, io)).toMatchObject({ state: 'running', powerW: 560, level: 0 });
  });

  it('takes a soft-on that the firmware answers by closing the connection (AvalonMiner 1466)', async () => {
    const { sim, adapter, clock: c } = await setup({ softonSilent: true });
    await adapter.pause(sim.address, io);
    c.advance(5_000);
    await adapter.resume(sim.address, io);
    c.advance(5_000);
    expect(sim.isOff()).toBe(false);
    // Only soft-on may end silently: a read that gets no reply is an error.
    const silent = await startHostilePeer('close');
    closers.push(silent.close);
    expect((await failure(adapter.read(silent.address, io))).kind).toBe('protocol');
  });

  it('says to add Hearth to the API allow-list when the miner refuses a privileged command', async () => {
    const { sim, adapter } = await setup({ privileged: false });
    expect((await adapter.read(sim.address, io)).powerW).toBe(839); // reading needs no privilege
    const err = await failure(adapter.pause(sim.address, io));
    expect(err.kind).toBe('refused');
    expect(err.message).toContain("Access denied to 'ascset' command");
    expect(err.message).toContain('allow-list');
    expect(err.message).toContain('--api-allow W:127.0.0.1');
    expect(err.message).toMatch(/web UI/);
    expect((await failure(adapter.apply(sim.address, io, 0))).kind).toBe('refused');
    expect(sim.state.worklevel).toBe(0);
    sim.setPrivileged(true);
    await adapter.apply(sim.address, io, 0);
    expect(sim.state.worklevel).toBe(-1);
  });

  it('refuses a level the device does not have, before sending anything', async () => {
    const { sim, adapter } = await setup();
    const err = await failure(adapter.apply(sim.address, io, 5));
    expect(err.message).toMatch(/levels 0\.\.1, not 5/);
    expect(sim.received.some((r) => r.command === 'ascset')).toBe(false);
  });
});

describe('cgminer adapter, other Avalon models', () => {
  it('steps a Nano 3s by work mode (Low, Mid, High)', async () => {
    const { sim, adapter } = await setup({ model: 'Nano3s' });
    const t = await adapter.read(sim.address, io);
    expect(t).toMatchObject({ powerW: 133, level: 2, model: 'Avalon Nano 3s, firmware 25021401_56abae7' });
    const levels = await adapter.levels(sim.address, io, t);
    expect(levels.map((l) => l.label.split(',')[0])).toEqual(['work mode Low', 'work mode Mid', 'work mode High']);
    await adapter.apply(sim.address, io, 0);
    expect(sim.received.at(-1)!.parameter).toBe('0,workmode,set,0');
    expect((await adapter.read(sim.address, io)).powerW).toBe(72);
  });

  it('steps a Nano 3 by work level 0..2 (its estats has no WORKMODE)', async () => {
    const { sim, adapter } = await setup({ model: 'Nano3' });
    expect(await adapter.read(sim.address, io)).toMatchObject({ powerW: 138, level: 2, model: /^Avalon Nano 3,/ });
    await adapter.apply(sim.address, io, 1);
    expect(sim.received.at(-1)!.parameter).toBe('0,worklevel,set,1');
    expect((await adapter.read(sim.address, io)).powerW).toBe(94);
  });

  it('reads a plain cgminer (no MM string) by its summary, and says it cannot be paused', async () => {
    const { sim, adapter } = await setup({ model: 'generic' });
    const t = await adapter.read(sim.address, io);
    expect(t).toMatchObject({
      powerW: null,
      powerSource: null,
      state: 'running',
      model: 'cgminer 4.11.1',
      level: null,
    });
    expect(t.hashRate).toBeCloseTo(0.33e12, -6);
    expect(await adapter.levels(sim.address, io, t)).toEqual([]);
    const err = await failure(adapter.pause(sim.address, io));
    expect(err.kind).toBe('protocol');
    expect(err.message).toContain('code 117: ASC 0 does not support ascset');
    expect((await failure(adapter.apply(sim.address, io, 0))).message).toMatch(/without Avalon work levels/);
  });

  it('runs two simulated devices at once without mixing them up', async () => {
    const a = await setup({ host: '127.0.0.2', model: 'Mini3' });
    const b = await setup({ host: '127.0.0.3', model: 'Nano3s' });
    const [ta, tb] = await Promise.all([a.adapter.read(a.sim.address, io), b.adapter.read(b.sim.address, io)]);
    expect([ta.powerW, tb.powerW]).toEqual([839, 133]);
    await Promise.all([a.adapter.pause(a.sim.address, io), b.adapter.apply(b.sim.address, io, 1)]);
    a.clock.advance(5_000);
    expect(a.sim.isOff()).toBe(true);
    expect(b.sim.isOff()).toBe(false);
    expect(b.sim.state.workmode).toBe(1);
    expect(a.sim.state.workmode).toBe(0);
  });
});

describe('cgminer wire protocol', () => {
  it('probes a cgminer API as one, and an HTTP server or a closed port as not', async () => {
    const { sim, adapter } = await setup();
    expect(await adapter.probe(sim.address, io)).toBe(true);
    expect(sim.received.at(-1)!.command).toBe('version');

    const web = http.createServer((_req, res) => res.end('<html>miner</html>'));
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise<void>((r) => (web.closeAllConnections(), web.close(() => r()))));
    expect(await adapter.probe({ host: '127.0.0.1', port: (web.address() as AddressInfo).port }, io)).toBe(false);

    const gone = await startHostilePeer('close');
    const port = gone.address.port;
    await gone.close();
    expect(await adapter.probe({ host: '127.0.0.1', port }, io)).toBe(false);
    expect((await failure(adapter.read({ host: '127.0.0.1', port }, io))).kind).toBe('unreachable');
  });

  it('answers an unknown command with code 14 and the adapter says so', async () => {
    const { sim } = await setup();
    const err = await failure(cgminerCommand(sim.address, io, 'frobnicate'));
    expect(err.kind).toBe('protocol');
    expect(err.message).toContain('code 14: Invalid command');
  });

  const hostile: [HostileKind, DeviceError['kind'], RegExp][] = [
    ['garbage', 'protocol', /not JSON/],
    ['flood', 'protocol', /more than 262144 bytes/],
    ['hang', 'unreachable', /did not answer 'summary' within 1500 ms/],
    ['close', 'protocol', /closed the connection without replying/],
    ['no-nul-hang', 'unreachable', /no end of reply \(NUL\)/],
  ];
  it.each(hostile)('fails on a %s peer with a DeviceError within the bound', async (kind, errKind, message) => {
    const peer = await startHostilePeer(kind);
    closers.push(peer.close);
    const adapter = createCgminerAdapter();
    const start = performance.now();
    const err = await failure(adapter.read(peer.address, io));
    // Liveness only: the call ends near its timeout, never waits for the peer.
    expect(performance.now() - start).toBeLessThan(io.timeoutMs + 1_000);
    expect(err.kind).toBe(errKind);
    expect(err.message).toMatch(message);
    expect(await adapter.probe(peer.address, io)).toBe(false);
  });

  it('stops a call when its signal aborts', async () => {
    const peer = await startHostilePeer('hang');
    closers.push(peer.close);
    const ac = new AbortController();
    const p = failure(createCgminerAdapter().read(peer.address, { ...io, timeoutMs: 60_000, signal: ac.signal }));
    ac.abort();
    expect((await p).message).toMatch(/cancelled/);
  });

  it('reads the MM fields of a real Nano 3s reading (values with spaces, -273 for no sensor)', () => {
    // Quoted from a Nano 3s (firmware 25021401_56abae7) in a public collector's test data.
    const mm = parseMm(
      'Ver[Nano3s-25021401_56abae7] SYSTEMSTATU[Work: In Work, Hash Board: 1] ITemp[-273] OTemp[65] ' +
        'TMax[95] TAvg[90] PS[0 0 27541 4 0 3756 133] GHSspd[6598.84] SoftOFF[0] WORKMODE[2] WORKLEVEL[0] MPO[133]',
    );
    expect(mm.get('PS')).toBe('0 0 27541 4 0 3756 133');
    expect(mm.get('SYSTEMSTATU')).toBe('Work: In Work, Hash Board: 1');
    expect(mm.get('ITemp')).toBe('-273');
  });
});
