import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rejectionOf } from '../../../../test/support/rejection.ts';
import { startAxeosSim, type AxeosSim } from '../../../../test/support/sim/axeos.ts';
import { axeosAdapter as axeos } from './axeos.ts';
import { DeviceError, type DeviceIo } from './types.ts';

/** Short enough that the hostile cases finish quickly; a liveness bound, not a timing claim. */
const io: DeviceIo = { timeoutMs: 1_500, maxReplyBytes: 256 * 1024, credentials: null };
const failure = (p: Promise<unknown>) => rejectionOf(p, DeviceError);

describe('AxeOS adapter against a simulated Bitaxe Gamma (BM1370, AxeOS v2.14.0)', () => {
  let sim: AxeosSim;
  beforeAll(async () => {
    sim = await startAxeosSim({ host: '127.0.0.2', asic: 'BM1370' });
  });
  afterAll(() => sim.close());
  afterEach(() => {
    sim.setHostile(null);
  });

  it('reads telemetry in Hearth units: hash rate in H/s from GH/s, measured W, hottest °C', async () => {
    sim.tick();
    const t = await axeos.read(sim.address, io);
    // 525 MHz · 2040 small cores / 1000 = 1071 GH/s expected; the simulator hashes 2 % under
    expect(t.hashRate).toBeCloseTo(1071 * 0.98 * 1e9, -6);
    expect(t.powerW).toBeCloseTo(sim.powerW(), 2);
    expect(t.powerSource).toBe('measured');
    expect(t.state).toBe('running');
    expect(t.model).toBe('BM1370 board 601, AxeOS v2.14.0');
    expect(t.tempC).toBeGreaterThan(40);
    expect(t.accepted).toBeGreaterThan(0);
    expect(t.rejected).toBe(0);
    // the stock setting 525 MHz / 1150 mV is the top step
    expect(t.level).toBe(2);
  });

  it('levels: the ASIC options up to stock, voltage rounded up to an option, power scaled by f·V²', async () => {
    const levels = await axeos.levels(sim.address, io, null);
    expect(levels.map((l) => l.label.split(' (')[0])).toEqual([
      '400 MHz / 1000 mV',
      '490 MHz / 1150 mV',
      '525 MHz / 1150 mV',
    ]);
    for (const l of levels) expect(l.label).toContain('est. from measured');
    // lowest power first, and the step the device runs at is its measured power
    expect(levels.map((l) => l.powerW)).toEqual([...levels.map((l) => l.powerW)].sort((a, b) => a - b));
    // anchored on the measured core voltage (6 mV under the setting here), so within a few %
    expect(Math.abs(levels[2]!.powerW / sim.powerW() - 1)).toBeLessThan(0.03);
    expect(levels[0]!.hashRate).toBe(400 * 1e6 * 2040);
  });

  it('apply PATCHes frequency and coreVoltage; the device runs them on its next loop and its power follows', async () => {
    const levels = await axeos.levels(sim.address, io, null);
    const before = sim.powerW();
    await axeos.apply(sim.address, io, 0);
    const patch = sim.state.requests.filter((r) => r.method === 'PATCH').at(-1)!;
    expect(JSON.parse(patch.body)).toEqual({ frequency: 400, coreVoltage: 1000 });
    expect(sim.state.restarts).toBe(0); // the firmware applies live since v2.2.0: no restart
    // stored at once, running after the power-management loop's next pass
    expect(sim.nvs).toMatchObject({ frequency: 400, coreVoltage: 1000 });
    expect(sim.running.frequency).toBe(525);
    sim.tick();
    const t = await axeos.read(sim.address, io);
    expect(t.level).toBe(0);
    expect(t.powerW!).toBeLessThan(before * 0.75);
    // the estimate ignores the board's fixed share, so it reads a little under what is measured
    expect(t.powerW!).toBeGreaterThan(levels[0]!.powerW);
    expect(t.powerW!).toBeLessThan(levels[0]!.powerW * 1.2);
    expect(t.hashRate).toBeCloseTo(400 * 2040 * 0.98 * 1e6, -6);
    await axeos.apply(sim.address, io, 2);
    sim.tick();
    expect((await axeos.read(sim.address, io)).level).toBe(2);
  });

  it('refuses a level that does not exist, saying which do', async () => {
    const err = await failure(axeos.apply(sim.address, io, 7));
    expect(err.kind).toBe('refused');
    expect(err.message).toContain('levels 0..2');
  });

  it('pauses and resumes through /api/system/pause and /resume', async () => {
    const mark = sim.state.requests.length;
    await axeos.pause(sim.address, io);
    expect(sim.state.requests.slice(mark).map((r) => `${r.method} ${r.url}`)).toEqual([
      'GET /api/system/info',
      'POST /api/system/pause',
    ]);
    sim.tick();
    const paused = await axeos.read(sim.address, io);
    expect(paused.state).toBe('paused');
    expect(paused.hashRate).toBe(0);
    expect(paused.powerW!).toBeLessThan(3);
    // paused: the measurement says nothing of hashing; levels fall back to the rated maximum
    const levels = await axeos.levels(sim.address, io, paused);
    expect(levels[0]!.label).toContain('est. from rated max');
    await axeos.resume(sim.address, io);
    sim.tick();
    expect((await axeos.read(sim.address, io)).state).toBe('running');
  });

  it('apply resumes a paused device', async () => {
    await axeos.pause(sim.address, io);
    await axeos.apply(sim.address, io, 1);
    sim.tick();
    const t = await axeos.read(sim.address, io);
    expect(t.state).toBe('running');
    expect(t.level).toBe(1);
  });

  it('probe: true for AxeOS, false for a plain web server and for nothing listening', async () => {
    expect(await axeos.probe(sim.address, io)).toBe(true);
    const plain = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>router login</html>');
    });
    await new Promise<void>((r) => plain.listen(0, '127.0.0.2', r));
    const { port } = plain.address() as AddressInfo;
    expect(await axeos.probe({ host: '127.0.0.2', port }, io)).toBe(false);
    await new Promise<void>((r) => plain.close(() => r()));
    expect(await axeos.probe({ host: '127.0.0.2', port }, io)).toBe(false);
  });

  describe('hostile answers: each a DeviceError within the bound, both sides usable after', () => {
    const cases = [
      ['garbage', 'protocol', 'other than JSON'],
      ['flood', 'protocol', `more than ${io.maxReplyBytes} bytes`],
      ['hang', 'unreachable', `within ${io.timeoutMs} ms`],
      ['error500', 'protocol', 'HTTP 500'],
    ] as const;
    for (const [mode, kind, says] of cases)
      it(mode, async () => {
        sim.setHostile(mode);
        const started = performance.now();
        const err = await failure(axeos.read(sim.address, io));
        // liveness: well inside the bound plus scheduling slack
        expect(performance.now() - started).toBeLessThan(io.timeoutMs + 1_000);
        expect(err.kind).toBe(kind);
        expect(err.message).toContain(says);
        expect(err.message).toContain('127.0.0.2');
        sim.setHostile(null);
        expect((await axeos.read(sim.address, io)).state).toBe('running');
      });

    it('a socket that accepts and never says a word', async () => {
      const sockets: net.Socket[] = [];
      const mute = net.createServer((s) => sockets.push(s));
      await new Promise<void>((r) => mute.listen(0, '127.0.0.2', r));
      const { port } = mute.address() as AddressInfo;
      const err = await failure(axeos.levels({ host: '127.0.0.2', port }, io, null));
      expect(err.kind).toBe('unreachable');
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => mute.close(() => r()));
    });

    it('the caller cancelling', async () => {
      sim.setHostile('hang');
      const ctl = new AbortController();
      const p = failure(axeos.read(sim.address, { ...io, timeoutMs: 60_000, signal: ctl.signal }));
      ctl.abort();
      expect((await p).message).toContain('cancelled');
    });
  });

  it('a 10 MB reply under the default 1 MiB limit is cut off, not buffered', async () => {
    sim.setHostile('flood');
    const err = await failure(axeos.read(sim.address, { ...io, maxReplyBytes: 1024 * 1024 }));
    expect(err.message).toContain('more than 1048576 bytes');
  });
});

describe('AxeOS firmware quirks', () => {
  it('refuses a client outside private ranges (401) with a message that says to run on the LAN', async () => {
    const sim = await startAxeosSim({ host: '127.0.0.4', strictLan: true });
    try {
      const err = await failure(axeos.read(sim.address, io));
      expect(err.kind).toBe('refused');
      expect(err.message).toContain('private networks');
      expect(await axeos.probe(sim.address, io)).toBe(false);
    } finally {
      await sim.close();
    }
  });

  it('older firmware (v2.6, no /asic, no pause): levels from the per-ASIC table; pause is the lowest step', async () => {
    const sim = await startAxeosSim({
      host: '127.0.0.5',
      asic: 'BM1366',
      version: 'v2.6.0',
      asicEndpoint: false,
      pauseEndpoint: false,
    });
    try {
      sim.tick();
      const levels = await axeos.levels(sim.address, io, null);
      expect(levels.map((l) => l.label.split(' (')[0])).toEqual([
        '400 MHz / 1100 mV',
        '425 MHz / 1150 mV',
        '450 MHz / 1200 mV',
        '475 MHz / 1200 mV',
        '485 MHz / 1200 mV',
      ]);
      const t = await axeos.read(sim.address, io);
      expect(t.state).toBe('running');
      expect(t.level).toBe(4);
      await axeos.pause(sim.address, io);
      expect(sim.nvs).toMatchObject({ frequency: 400, coreVoltage: 1100 });
      expect(sim.state.requests.some((r) => r.url === '/api/system/pause')).toBe(false);
      await axeos.resume(sim.address, io);
      expect(sim.nvs).toMatchObject({ frequency: 485, coreVoltage: 1200 });
    } finally {
      await sim.close();
    }
  });

  it('a four-chip board (NerdQAxe++-like, on ESP-Miner API): hash rate and power count every chip', async () => {
    const sim = await startAxeosSim({ host: '127.0.0.7', asic: 'BM1370', asicCount: 4 });
    try {
      sim.tick();
      const levels = await axeos.levels(sim.address, io, null);
      expect(levels.at(-1)!.hashRate).toBe(525 * 1e6 * 2040 * 4);
      expect(Math.abs(levels.at(-1)!.powerW / sim.powerW() - 1)).toBeLessThan(0.03);
      expect((await axeos.read(sim.address, io)).hashRate).toBeCloseTo(525 * 2040 * 4 * 0.98 * 1e6, -6);
    } finally {
      await sim.close();
    }
  });

  it('a restart clears a pause (the firmware boots with mining on)', async () => {
    const sim = await startAxeosSim({ host: '127.0.0.6' });
    try {
      await axeos.pause(sim.address, io);
      const res = await fetch(`http://${sim.address.host}:${sim.address.port}/api/system/restart`, { method: 'POST' });
      expect(await res.json()).toEqual({ message: 'System will restart shortly.' });
      expect((await axeos.read(sim.address, io)).state).toBe('running');
    } finally {
      await sim.close();
    }
  });
});

describe('two simulated devices at once', () => {
  it('on 127.0.0.2 and 127.0.0.3, each commanded on its own', async () => {
    const a = await startAxeosSim({ host: '127.0.0.2', asic: 'BM1370' });
    const b = await startAxeosSim({ host: '127.0.0.3', asic: 'BM1368' });
    try {
      a.tick();
      b.tick();
      const [ta, tb] = await Promise.all([axeos.read(a.address, io), axeos.read(b.address, io)]);
      expect(ta.model).toContain('BM1370');
      expect(tb.model).toContain('BM1368');
      await Promise.all([axeos.apply(a.address, io, 0), axeos.pause(b.address, io)]);
      a.tick();
      b.tick();
      expect(a.running).toMatchObject({ frequency: 400, paused: false });
      expect(b.running).toMatchObject({ frequency: 490, paused: true });
      b.setHostile('hang');
      const [ra, rb] = await Promise.allSettled([axeos.read(a.address, io), axeos.read(b.address, io)]);
      expect(ra.status).toBe('fulfilled');
      expect(rb.status === 'rejected' && rb.reason instanceof DeviceError).toBe(true);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
