import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeviceScan, LanDevice } from '#contract/index';
import { startAxeosSim } from '../support/sim/axeos.ts';
import { startBraiinsSim } from '../support/sim/braiins.ts';
import { startCgminerSim } from '../support/sim/cgminer.ts';
import { cli, runCli, tempDir, until } from './harness.ts';

const closers: (() => Promise<void>)[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('hearth devices, through the real command, against simulators on loopback', () => {
  it('adds an AxeOS and a Braiins OS device, lists their readings, refuses a wrong kind, removes one', async () => {
    const axe = await startAxeosSim({ host: '127.0.0.50' });
    const bos = await startBraiinsSim({ host: '127.0.0.51', password: 'pw-from-env' });
    const other = await startAxeosSim({ host: '127.0.0.52' });
    closers.push(axe.close, bos.close, other.close);
    const dir = tempDir('hearth-cli-devices-');
    dirs.push(dir);
    const hearth = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli([...args, '--data-dir', dir], env);

    const added = await hearth([
      'devices',
      'add',
      'axeos',
      `${axe.address.host}:${axe.address.port}`,
      '--name',
      'Desk',
    ]);
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/^Added axeos 127\.0\.0\.50:\d+ as "Desk" \(id \w+\)\.$/m);

    const braiins = await hearth(['devices', 'add', 'braiins', `${bos.host}:${bos.port}`], {
      HEARTH_DEVICE_PASSWORD: 'pw-from-env',
    });
    expect(braiins.code).toBe(0);
    // The password came from the environment and is stored sealed, never as typed.
    expect(fs.readFileSync(path.join(dir, 'hearth.db')).includes('pw-from-env')).toBe(false);

    const wrong = await hearth(['devices', 'add', 'cgminer', `${other.address.host}:${other.address.port}`]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain(`${other.address.host}:${other.address.port} does not answer as cgminer API`);

    const table = await hearth(['devices']);
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID +NAME +KIND +ADDRESS +STATUS +POWER +HASH RATE +TEMP +NOW$/);
    // No Hearth runs on the folder: the command started no plan, so NOW is "-" and says why.
    expect(lines[1]).toMatch(/ Desk +axeos +127\.0\.0\.50:\d+ +online +\d+\.\d W +[\d.]+ [GT]H\/s +\d+\.\d °C +-$/);
    expect(table.stdout).toContain('NOW: what the plan has each device doing shows while Hearth runs');
    expect(lines[2]).toMatch(/ braiins +127\.0\.0\.51:\d+ +online +\d+\.\d W/);

    const json = await hearth(['devices', '--json']);
    const list = JSON.parse(json.stdout) as LanDevice[];
    expect(list.map((d) => [d.kind, d.status])).toEqual([
      ['axeos', 'online'],
      ['braiins', 'online'],
    ]);
    expect(list[0]!.telemetry?.powerW).toBeGreaterThan(0);

    // `hearth plan` reads the devices first and plans those that answer, as the scheduler would;
    // one that does not answer is named and left out.
    await bos.close();
    const exported = await hearth(['plan', '--export', '-']);
    expect(exported.code).toBe(0);
    const problem = JSON.parse(exported.stdout) as { input: { devices: { id: string }[] } };
    expect(problem.input.devices.map((d) => d.id)).toContain(`lan:${list[0]!.id}`);
    expect(problem.input.devices.map((d) => d.id)).not.toContain(`lan:${list[1]!.id}`);
    expect(exported.stderr).toContain(`Not planned (no answer now): ${list[1]!.name} (127.0.0.51:`);

    const removed = await hearth(['devices', 'remove', list[0]!.id]);
    expect(removed.code).toBe(0);
    const after = JSON.parse((await hearth(['devices', '--json'])).stdout) as LanDevice[];
    expect(after.map((d) => d.kind)).toEqual(['braiins']);

    const unknown = await hearth(['devices', 'remove', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('No device has the id "nope"');
  }, 60_000);

  it("scans 127.0.0.2-127.0.0.12 for all three kinds on their simulators' ports, lists the hits, and Ctrl-C cancels a scan", async () => {
    const axe = await startAxeosSim({ host: '127.0.0.2' });
    const cg = await startCgminerSim({ host: '127.0.0.3' });
    const bos = await startBraiinsSim({ host: '127.0.0.4' });
    closers.push(axe.close, cg.close, bos.close);
    const dir = tempDir('hearth-cli-scan-');
    dirs.push(dir);
    const hearth = (args: string[]) => runCli([...args, '--data-dir', dir]);
    const ports = [`axeos=${axe.address.port}`, `cgminer=${cg.port}`, `braiins=${bos.port}`].flatMap((p) => [
      '--port',
      p,
    ]);
    expect((await hearth(['devices', 'add', 'axeos', `127.0.0.2:${axe.address.port}`])).code).toBe(0);

    const r = await hearth(['devices', 'scan', '127.0.0.2-127.0.0.12', ...ports]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^scanned 11\/11 addresses, 3 found$/m);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^KIND +ADDRESS +MODEL +ADDED$/);
    expect(lines[1]).toMatch(new RegExp(`^axeos +127\\.0\\.0\\.2:${axe.address.port} +BM1370.* +yes$`));
    expect(lines[2]).toMatch(new RegExp(`^cgminer +127\\.0\\.0\\.3:${cg.port} +\\S.* +no$`));
    expect(lines[3]).toMatch(new RegExp(`^braiins +127\\.0\\.0\\.4:${bos.port} +- +no$`));
    expect(lines[4]).toBe(`Add one with: hearth devices add cgminer 127.0.0.3:${cg.port}`);

    const json = await hearth(['devices', 'scan', '127.0.0.3-4', '--kind', 'cgminer', ...ports, '--json']);
    expect(json.code).toBe(0);
    const s = JSON.parse(json.stdout) as DeviceScan;
    expect(s).toMatchObject({ state: 'done', done: 2, total: 2 });
    expect(s.found.map((h) => [h.kind, h.host, h.port])).toEqual([['cgminer', '127.0.0.3', cg.port]]);

    const bad = await hearth(['devices', 'scan', '127.0.0.0/16']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('/16 is 65536 addresses');

    // Addresses that accept and never answer: 33 of them on one port for all three kinds is four
    // rounds of 32 probes of 1.5 s each, so Ctrl-C lands while the scan runs.
    const hang = await hangingPeers(Array.from({ length: 33 }, (_, i) => `127.0.0.${30 + i}`));
    closers.push(hang.close);
    const all = ['axeos', 'cgminer', 'braiins'].flatMap((k) => ['--port', `${k}=${hang.port}`]);
    const child = spawn(process.execPath, [cli, 'devices', 'scan', '127.0.0.30-62', ...all, '--data-dir', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await until(
      'the first 32 probes to reach the hanging peers',
      () => hang.connections(),
      (n) => n >= 32,
    );
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    const done = Number(/Cancelled after (\d+) of 33 addresses\./.exec(err)?.[1]);
    expect(done).toBeLessThan(33);
    expect(out).toContain(`No devices found in 127.0.0.30-62 (${done} of 33 addresses asked for axeos on port`);
  }, 60_000);
});

/** Peers that accept a connection and never answer, on one port at each address. */
async function hangingPeers(hosts: string[]) {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const servers: net.Server[] = [];
  let port = 0;
  for (const host of hosts) {
    const server = net.createServer((socket) => {
      connections++;
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    port = (server.address() as net.AddressInfo).port;
    servers.push(server);
  }
  return {
    port,
    connections: () => connections,
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    },
  };
}
