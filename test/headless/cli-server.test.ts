import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PriceSlot, TariffSettings } from '#contract/index';
import { PRICES_DIR } from '../fixtures/data.ts';
import { apiCall as call, listen, runCli, until } from './harness.ts';
import { perTest } from './per-test.ts';

const CSV = path.join(PRICES_DIR, 'be-day-ahead-2023.csv');
const JAN_1 = Date.parse('2023-01-01T00:00:00Z');

const { folder, serve } = perTest('hearth-cli-server-');

/** A pid that certainly belongs to no process any more: one that just exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The spots `hearth prices --json` lists for the first three hours of 2023. */
async function firstHours(dataDir: string): Promise<(number | null)[]> {
  const r = await runCli(['prices', '--from', '2023-01-01T00:00:00Z', '--hours', '3', '--json', '--data-dir', dataDir]);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { slots: PriceSlot[] }).slots.map((x) => x.spot);
}

const serverFile = (dataDir: string) => path.join(dataDir, 'server.json');
function writeServerFile(dataDir: string, entry: { pid: number; url: string; token: string }): void {
  fs.writeFileSync(
    serverFile(dataDir),
    JSON.stringify({ by: 'serve', hostname: os.hostname(), startedAt: Date.now(), ...entry }),
    { mode: 0o600 },
  );
}

describe('hearth commands on a data folder a server runs on', () => {
  it('prices import goes to the running server, which uses the prices at once', async () => {
    const dataDir = folder();
    const s = await serve(dataDir);
    // Announced for the CLI: the server's own pid, url and token, readable by this user only.
    const announced = JSON.parse(fs.readFileSync(serverFile(dataDir), 'utf8')) as {
      by: string;
      pid: number;
      url: string;
      token: string;
    };
    expect(announced).toMatchObject({ by: 'serve', pid: s.child.pid, url: `${s.origin}/`, token: s.token });
    if (process.platform !== 'win32') expect(fs.statSync(serverFile(dataDir)).mode & 0o777).toBe(0o600);
    expect((await call<TariffSettings>(s, 'tariff-settings')).tariff.kind).not.toBe('csv');

    const socket = await listen(s);
    // By default the past prices are added beside the live tariff, which stays, and the output says so.
    const added = await runCli(['prices', 'import', CSV, '--data-dir', dataDir, '--tz', 'Europe/Brussels']);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain(
      'Imported 8760 slots of 60 min from be-day-ahead-2023.csv: covers 2023-01-01 – 2023-12-31 (Europe/Brussels); ends before today, so the live plan does not use it; kept for backtests',
    );
    expect((await call<TariffSettings>(s, 'tariff-settings')).tariff.kind).not.toBe('csv');
    expect((await call<{ state: string }>(s, 'tariff-status')).state).toBe('ok');

    const r = await runCli(['prices', 'import', CSV, '--use-as-tariff', '--data-dir', dataDir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Imported 8760 slots of 60 min from be-day-ahead-2023.csv');

    // The server's own state changed, not only the file: a second core on the folder would have
    // stored the slots, but could neither switch this server's tariff nor announce it on its socket.
    expect((await call<TariffSettings>(s, 'tariff-settings')).tariff).toEqual({ kind: 'csv', currency: 'EUR' });
    const slots = await call<PriceSlot[]>(s, 'tariff-slots', { from: JAN_1, to: JAN_1 + 3 * 3_600_000 });
    expect(slots.map((x) => x.spot)).toEqual([-0.00175, -0.00146, -0.00527]);
    await until(
      'the price-update the import caused',
      () => socket.events.filter((e) => e.event === 'price-update'),
      (e) => e.length > 0,
    );
    socket.close();

    // Reading goes there too, and a second server on the folder is refused.
    expect(await firstHours(dataDir)).toHaveLength(3);
    const second = await runCli(['serve', '--port', '0', '--data-dir', dataDir]);
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(
      `Hearth is already running on ${dataDir}: \`hearth serve\` (pid ${s.child.pid}, ${s.origin}/)`,
    );

    // A clean stop takes the file back; the next command opens the folder itself.
    expect(await s.stop('SIGINT')).toBe(0);
    expect(fs.existsSync(serverFile(dataDir))).toBe(false);
    expect(await firstHours(dataDir)).toEqual([-0.00175, -0.00146, -0.00527]);
  });

  it('a handler refusal from the server reads as it does in-process: one line, exit code 2', async () => {
    const dataDir = folder();
    const s = await serve(dataDir);
    const bad = path.join(dataDir, 'bad.csv');
    fs.writeFileSync(bad, 'start_utc,eur_per_kwh\n2023-01-01T00:00:00Z,9.99\n2023-01-01T01:00:00Z,\n');
    const r = await runCli(['prices', 'import', bad, '--data-dir', dataDir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^hearth prices import: .*bad\.csv: .*line 3: price "" is not a number\. Run "hearth prices import --help"/,
    );
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect((await call<TariffSettings>(s, 'tariff-settings')).tariff.kind).not.toBe('csv');
  });
});

describe('hearth commands with no server on the data folder', () => {
  it('opens the folder itself and removes a server.json whose process is gone', async () => {
    const dataDir = folder();
    writeServerFile(dataDir, {
      pid: await deadPid(),
      url: `http://127.0.0.1:${await closedPort()}/`,
      token: 'left-by-a-crash',
    });
    const r = await runCli(['prices', 'import', CSV, '--use-as-tariff', '--data-dir', dataDir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(fs.existsSync(serverFile(dataDir))).toBe(false);
    expect(await firstHours(dataDir)).toEqual([-0.00175, -0.00146, -0.00527]);
  });

  it('removes a file whose process lives but nothing answers on its port', async () => {
    const dataDir = folder();
    // This test's own process: alive, but no Hearth.
    writeServerFile(dataDir, { pid: process.pid, url: `http://127.0.0.1:${await closedPort()}/`, token: 'reused-pid' });
    const r = await runCli(['prices', 'import', CSV, '--data-dir', dataDir]);
    expect(r.code).toBe(0);
    expect(fs.existsSync(serverFile(dataDir))).toBe(false);
  });

  it("does not send one folder's commands to a server of another folder, even with its token", async () => {
    const serverDir = folder();
    const s = await serve(serverDir);
    const copied = folder();
    // server.json copied along with a data folder (a backup restored elsewhere), and one with a wrong token.
    fs.copyFileSync(serverFile(serverDir), serverFile(copied));
    const r = await runCli(['prices', 'import', CSV, '--use-as-tariff', '--data-dir', copied]);
    expect(r.code).toBe(0);
    expect(fs.existsSync(serverFile(copied))).toBe(false);
    const wrongToken = folder();
    writeServerFile(wrongToken, { pid: s.child.pid!, url: `${s.origin}/`, token: 'not-the-token' });
    expect((await runCli(['prices', 'import', CSV, '--use-as-tariff', '--data-dir', wrongToken])).code).toBe(0);
    expect(fs.existsSync(serverFile(wrongToken))).toBe(false);
    // The server saw neither import; its own file stays.
    expect((await call<TariffSettings>(s, 'tariff-settings')).tariff.kind).not.toBe('csv');
    expect(fs.existsSync(serverFile(serverDir))).toBe(true);
  });
});
