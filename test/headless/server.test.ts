import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import Database from 'libsql';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { runCli, startServe, tempDir, type RunningServer } from './harness.ts';

const running: RunningServer[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) await s.stop('SIGKILL');
});
async function serve(opts: Parameters<typeof startServe>[0] = {}): Promise<RunningServer> {
  const s = await startServe(opts);
  running.push(s);
  return s;
}

const api = (s: RunningServer, method: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${s.origin}/api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

describe('hearth serve: access control', () => {
  it('rejects a missing or wrong token with 401 and accepts the printed one', async () => {
    const s = await serve();
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{40,}$/);
    expect((await fetch(`${s.origin}/`)).status).toBe(401);
    expect((await api(s, 'hardware-info', {})).status).toBe(401);
    expect((await api(s, 'hardware-info', {}, { authorization: 'Bearer wrong-token' })).status).toBe(401);
    expect((await fetch(`${s.origin}/?token=${s.token.slice(0, -1)}x`)).status).toBe(401);

    const ok = await api(s, 'hardware-info', {}, { authorization: `Bearer ${s.token}` });
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { ok: boolean; result: { cpu: { logicalCores: number } } };
    expect(body.ok).toBe(true);
    expect(body.result.cpu.logicalCores).toBeGreaterThan(0);
  });

  it('trades the token in the URL for an HttpOnly cookie that then authorises calls', async () => {
    const s = await serve();
    const first = await fetch(s.url, { redirect: 'manual' });
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe('/');
    const cookie = first.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(new RegExp(`^hearth_token_${s.port}=.+; HttpOnly; SameSite=Strict`));
    const page = await fetch(`${s.origin}/`, { headers: { cookie: cookie.split(';')[0]! } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(await page.text()).toContain('<div id="root">');
  });

  it('keeps two servers on two ports apart in one browser cookie jar', async () => {
    // Browsers scope cookies by host name, not port: both servers' cookies land in the same jar
    // and are sent to both, the way Chromium does for 127.0.0.1:A and 127.0.0.1:B.
    const a = await serve();
    const b = await serve();
    expect(a.port).not.toBe(b.port);
    const jar = new Map<string, string>();
    const visit = async (url: string) => {
      const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
      const res = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
      const set = res.headers.get('set-cookie');
      if (set) {
        const [pair] = set.split(';');
        const i = pair!.indexOf('=');
        jar.set(pair!.slice(0, i), pair!.slice(i + 1));
      }
      return res.status;
    };
    expect(await visit(a.url)).toBe(303);
    expect(await visit(`${a.origin}/`)).toBe(200);
    expect(await visit(b.url)).toBe(303);
    expect(await visit(`${b.origin}/`)).toBe(200);
    // Going back to the first server still works with the same jar, calls and the socket included.
    expect(await visit(`${a.origin}/`)).toBe(200);
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    for (const s of [a, b]) {
      expect((await api(s, 'telemetry-now', {}, { cookie, origin: s.origin })).status).toBe(200);
      const status = await new Promise<number>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${s.port}/ws`, { headers: { cookie } });
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => {
          ws.close();
          resolve(101);
        });
      });
      expect(status).toBe(101);
    }
  });

  it('accepts a fresh token in the URL over a stale cookie left by an earlier run on the same port', async () => {
    const s = await serve();
    const stale = `hearth_token=${'x'.repeat(s.token.length)}; hearth_token_${s.port}=${'y'.repeat(s.token.length)}`;
    const res = await fetch(s.url, { redirect: 'manual', headers: { cookie: stale } });
    expect(res.status).toBe(303);
    expect(res.headers.get('set-cookie')).toContain(`hearth_token_${s.port}=${s.token}`);
  });

  it('rejects a foreign Host header even with the right token (DNS rebinding)', async () => {
    const s = await serve();
    const status = await rawStatus(
      s.port,
      `GET /?token=${s.token} HTTP/1.1\r\nHost: attacker.example:${s.port}\r\nConnection: close\r\n\r\n`,
    );
    expect(status).toBe(421);
    const wrongPort = await rawStatus(
      s.port,
      `GET /api/x HTTP/1.1\r\nHost: 127.0.0.1:1\r\nAuthorization: Bearer ${s.token}\r\nConnection: close\r\n\r\n`,
    );
    expect(wrongPort).toBe(421);
    const good = await rawStatus(
      s.port,
      `POST /api/telemetry-now HTTP/1.1\r\nHost: localhost:${s.port}\r\nAuthorization: Bearer ${s.token}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
    );
    expect(good).toBe(200);
  });

  it('answers malformed calls with a clear 400 and keeps running', async () => {
    const s = await serve();
    const auth = { authorization: `Bearer ${s.token}` };
    const bad = await api(s, 'energy-days', { days: 'seven' }, auth);
    expect(bad.status).toBe(400);
    const err = (await bad.json()) as { ok: false; error: { code: string; message: string } };
    expect(err.error.code).toBe('bad-request');
    expect(err.error.message).toContain('days');
    const unknown = await api(s, 'no-such-method', {}, auth);
    expect(unknown.status).toBe(404);
    const notJson = await fetch(`${s.origin}/api/energy-days`, { method: 'POST', headers: auth, body: '{oops' });
    expect(notJson.status).toBe(400);
    expect((await api(s, 'energy-days', { days: 7 }, auth)).status).toBe(200);
  });
});

describe('hearth serve: telemetry over WebSocket', () => {
  it('pushes a telemetry event about once a second to an authorised socket only', async () => {
    const s = await serve();
    const wsUrl = `ws://127.0.0.1:${s.port}/ws`;
    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(wsUrl);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
    });
    expect(refused).toBe(401);

    const ws = new WebSocket(wsUrl, { headers: { cookie: `hearth_token_${s.port}=${s.token}` } });
    const events: {
      event: string;
      payload: {
        at: string;
        devices: { deviceId: string; powerW: number | null; powerSource: string | null }[];
        totalPowerW: number;
      };
    }[] = [];
    await new Promise<void>((resolve, reject) => {
      ws.on('message', (m) => {
        events.push(JSON.parse(String(m)));
        if (events.length === 3) resolve();
      });
      ws.on('error', reject);
    });
    ws.close();
    expect(events.map((e) => e.event)).toEqual(['telemetry', 'telemetry', 'telemetry']);
    const gaps = events.slice(1).map((e, i) => Date.parse(e.payload.at) - Date.parse(events[i]!.payload.at));
    for (const g of gaps) expect(g).toBeGreaterThanOrEqual(900);
    const cpu = events[2]!.payload.devices.find((d) => d.deviceId === 'cpu');
    expect(cpu?.powerSource).toMatch(/^(measured-rapl|estimate)$/);
    expect(cpu?.powerW).toBeGreaterThan(0);
  });
});

describe('hearth serve: the ledger survives a crash', () => {
  it('keeps earlier rows and passes integrity_check after SIGKILL during writes', async () => {
    const dataDir = tempDir();
    const env = { HEARTH_TELEMETRY_STORE_MS: '1000' };
    const dbFile = path.join(dataDir, 'hearth.db');
    const count = () => {
      const db = new Database(dbFile, { readonly: true });
      try {
        return (db.prepare('SELECT COUNT(*) AS n FROM telemetry_sample').get() as { n: number }).n;
      } finally {
        db.close();
      }
    };
    const first = await serve({ dataDir, env });
    // Wait until several windows are stored, then kill without any chance to clean up.
    await waitFor(() => count() >= 3, 15_000);
    const before = count();
    expect(await first.stop('SIGKILL')).toBe('SIGKILL');

    const second = await serve({ dataDir, env });
    const db = new Database(dbFile, { readonly: true });
    try {
      expect((db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check).toBe('ok');
      expect((db.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode).toBe('wal');
    } finally {
      db.close();
    }
    expect(count()).toBeGreaterThanOrEqual(before);
    await waitFor(() => count() > before, 15_000);
    expect(await second.stop('SIGINT')).toBe(0);
    expect(second.output()).toContain('stopped cleanly');
  });
});

describe('hearth CLI: bad input gets one line and a non-zero exit', () => {
  const oneLine = (s: string) =>
    s
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('hearth: building'));

  it('an unknown flag', async () => {
    const r = await runCli(['serve', '--prot', '8080']);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toEqual([
      expect.stringMatching(/--prot is not an option of hearth serve\. .*hearth serve --help/),
    ]);
  });

  it('a bad port number', async () => {
    const r = await runCli(['serve', '--port', 'eighty']);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toEqual([
      expect.stringContaining('--port must be a whole number, like --port 7420; "eighty" is not a number'),
    ]);
  });

  it('an unwritable data folder', async () => {
    const file = path.join(tempDir(), 'a-file');
    fs.writeFileSync(file, '');
    const r = await runCli(['serve', '--port', '0', '--data-dir', path.join(file, 'data')]);
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toEqual([
      expect.stringMatching(/Cannot write to the data folder .*choose another with --data-dir/),
    ]);
  });

  it('a port in use', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const r = await runCli(['serve', '--port', String(port), '--data-dir', tempDir()]);
      expect(r.code).toBe(1);
      expect(oneLine(r.stderr)).toEqual([
        `hearth serve: Port ${port} on 127.0.0.1 is already in use: stop the other program or choose another port with --port`,
      ]);
    } finally {
      blocker.close();
    }
  });

  it('an unknown command', async () => {
    const r = await runCli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toEqual([expect.stringContaining('unknown command "frobnicate"')]);
  });
});

describe('hearth hardware --json', () => {
  it('names the CPU exactly as /proc/cpuinfo does and counts the logical cores nproc prints', async () => {
    if (process.platform !== 'linux') return;
    const r = await runCli(['hardware', '--json']);
    expect(r.code).toBe(0);
    const hw = JSON.parse(r.stdout) as { cpu: { model: string; logicalCores: number } };
    const modelName = /^model name\s*:\s*(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim();
    expect(hw.cpu.model).toBe(modelName);
    expect(hw.cpu.logicalCores).toBe(Number(execFileSync('nproc').toString().trim()));
  });
});

function rawStatus(port: number, request: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => sock.write(request));
    let data = '';
    sock.on('data', (d) => (data += d.toString()));
    sock.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(data)?.[1] ?? 0)));
    sock.on('error', reject);
  });
}

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (cond()) return;
    } catch {
      // the table may not exist yet
    }
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}
