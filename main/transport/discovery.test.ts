import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { serveForTest } from '../../test/support/serve.ts';
import { tempDirs } from '../../test/support/temp-dir.ts';
import { announceServer, findServer, localUrl, readServerFile, SERVER_FILE } from './discovery.ts';

const folder = tempDirs('hearth-discovery-');

describe('server.json', () => {
  it("is written for this user only and withdrawn only while it is still this process's", () => {
    const dir = folder();
    const a = announceServer(dir, { by: 'app', url: 'http://127.0.0.1:1234/', token: 'first' });
    const file = path.join(dir, SERVER_FILE);
    if (process.platform !== 'win32') expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(readServerFile(dir)).toMatchObject({
      by: 'app',
      pid: process.pid,
      url: 'http://127.0.0.1:1234/',
      token: 'first',
      hostname: os.hostname(),
    });
    a.withdraw();
    expect(fs.existsSync(file)).toBe(false);

    const b = announceServer(dir, { by: 'serve', url: 'http://127.0.0.1:1234/', token: 'second' });
    // Another Hearth started on the folder since: its file stays.
    announceServer(dir, { by: 'serve', url: 'http://127.0.0.1:5678/', token: 'third' });
    b.withdraw();
    expect(readServerFile(dir)?.token).toBe('third');
  });

  it('reads as none when missing, half-written or not ours', () => {
    const dir = folder();
    expect(readServerFile(dir)).toBeNull();
    fs.writeFileSync(path.join(dir, SERVER_FILE), '{"by":"serve","pid":');
    expect(readServerFile(dir)).toBeNull();
    fs.writeFileSync(
      path.join(dir, SERVER_FILE),
      JSON.stringify({ by: 'serve', pid: 1, url: 'not a url', token: 'x', hostname: 'h', startedAt: 0 }),
    );
    expect(readServerFile(dir)).toBeNull();
  });

  it('names a loopback address for a server listening on all of them', () => {
    expect(localUrl('0.0.0.0', 7420)).toBe('http://127.0.0.1:7420/');
    expect(localUrl('::', 7420)).toBe('http://[::1]:7420/');
    expect(localUrl('::1', 7420)).toBe('http://[::1]:7420/');
    expect(localUrl('192.168.1.5', 7420)).toBe('http://192.168.1.5:7420/');
  });
});

describe('findServer', () => {
  it('finds a server that answers for this folder, and none once it stopped', async () => {
    const dir = folder();
    const s = await serveForTest(dir);
    const found = await findServer(dir);
    expect(found.server).toMatchObject({
      by: 'serve',
      pid: process.pid,
      url: `http://127.0.0.1:${s.http.port}/`,
      token: s.token,
    });
    await s.close();
    expect(fs.existsSync(path.join(dir, SERVER_FILE))).toBe(false);
    expect(await findServer(dir)).toEqual({ server: null });
  });

  it('leaves the file of a live server that is slow to answer, and says so', async () => {
    const dir = folder();
    // Accepts the call and never answers, as a Hearth whose event loop is blocked would.
    const silent = http.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    onTestFinished(async () => {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    });
    announceServer(dir, { by: 'app', url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/`, token: 't' });
    const found = await findServer(dir, { timeoutMs: 200 });
    expect(found.server).toBeNull();
    expect(found.note).toMatch(/seems to run on this data folder but did not answer: .*within 200 ms/);
    expect(readServerFile(dir)?.token).toBe('t');
  });

  it('ignores a file another machine wrote into a shared folder, and keeps it', async () => {
    const dir = folder();
    fs.writeFileSync(
      path.join(dir, SERVER_FILE),
      JSON.stringify({
        by: 'serve',
        pid: process.pid,
        url: 'http://127.0.0.1:1/',
        token: 'x',
        hostname: `${os.hostname()}-other`,
        startedAt: 0,
      }),
    );
    expect(await findServer(dir)).toEqual({ server: null });
    expect(fs.existsSync(path.join(dir, SERVER_FILE))).toBe(true);
  });
});
