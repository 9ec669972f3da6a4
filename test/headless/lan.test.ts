import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  LIVENESS_MS,
  openSocket,
  openWebSocket,
  presentedCertificate,
  printedFingerprint,
  request,
  within,
  type OpenSocket,
} from '../support/lan.ts';
import { opensslCertificate } from '../support/openssl.ts';
import { runCli, startServe, tempDir, until, type RunningServer } from './harness.ts';

/**
 * `hearth serve` beyond loopback, seen from outside as a browser, another machine or an attacker
 * would see it. Loopback plays the network: the server binds 0.0.0.0, clients reach it at
 * 127.0.0.2 (another address of "this machine") and come from 127.0.0.3 ("another machine").
 */

const LAN = ['--host', '0.0.0.0'];
/** DEFAULT_PER_CLIENT_CONNECTIONS in main/transport/http.ts. */
const PER_CLIENT_CAP = 32;

const running: RunningServer[] = [];
const folders: string[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) await s.stop('SIGKILL');
  for (const d of folders.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function folder(): string {
  const d = tempDir('hearth-lan-');
  folders.push(d);
  return d;
}
async function serve(args: string[] = [], dataDir = folder()): Promise<RunningServer> {
  const s = await startServe({ dataDir, args });
  running.push(s);
  // startServe returns on the URL line; the fingerprint and the other addresses follow it, and
  // the data folder's line comes after them all.
  await until('the lines hearth serve prints at start', s.output, (out) => out.includes(`\ndata: ${dataDir}`));
  return s;
}
const modeOf = (file: string) => fs.statSync(file).mode & 0o777;
const lines = (text: string) => text.trim().split('\n');

describe('Host check with --host 0.0.0.0', () => {
  it('answers a request that reached 127.0.0.2 naming 127.0.0.2:PORT with the token, and that name nowhere else', async () => {
    const s = await serve(LAN);
    const ok = await request(s, { to: '127.0.0.2', token: s.token });
    expect(ok.status).toBe(200);
    expect((JSON.parse(ok.body) as { result: { dataDir: string } }).result.dataDir).toBe(s.dataDir);
    expect((await request(s, { to: '127.0.0.2' })).status).toBe(401);
    // An address is a Host only where the connection reached it, and only with the bound port.
    expect((await request(s, { to: '127.0.0.1', host: `127.0.0.2:${s.port}`, token: s.token })).status).toBe(421);
    expect((await request(s, { to: '127.0.0.2', host: '127.0.0.2:1', token: s.token })).status).toBe(421);
  });

  it('refuses a foreign Host with 421 whatever address it reached, listing the names it answers to and how to add one', async () => {
    const s = await serve(LAN);
    for (const to of ['127.0.0.1', '127.0.0.2']) {
      const r = await request(s, { to, host: `evil.example:${s.port}`, token: s.token });
      expect(r.status).toBe(421);
      expect(r.body).toContain(`Hearth does not answer to the Host "evil.example:${s.port}"`);
      for (const name of [`localhost:${s.port}`, `127.0.0.1:${s.port}`, `[::1]:${s.port}`])
        expect(r.body).toContain(name);
      expect(r.body).toContain('--allowed-host NAME');
      // The token in the address is not traded for a cookie on a page a rebinding attacker serves.
      const page = await request(s, { to, method: 'GET', path: `/?token=${s.token}`, host: `evil.example:${s.port}` });
      expect(page.status).toBe(421);
      expect(page.headers['set-cookie']).toBeUndefined();
    }
    // The WebSocket is held to the same rule.
    const ws = await openWebSocket(s, { host: `evil.example:${s.port}`, authorization: `Bearer ${s.token}` });
    expect(ws.status).toBe(421);
  });
});

describe('--allowed-host', () => {
  it('lets NAME through on the bound port and NAME:PORT on that port, and no other name', async () => {
    const s = await serve([...LAN, '--allowed-host', 'heater.local', '--allowed-host', 'proxy.lan:8443']);
    expect(s.output()).toContain(`also at https://heater.local:${s.port}/`);
    expect((await request(s, { host: `heater.local:${s.port}`, token: s.token })).status).toBe(200);
    expect((await request(s, { to: '127.0.0.2', host: `HEATER.local:${s.port}`, token: s.token })).status).toBe(200);
    // A port forward or proxy in front: the browser names its port, not the one Hearth is bound to.
    expect((await request(s, { host: 'proxy.lan:8443', token: s.token })).status).toBe(200);
    expect((await request(s, { host: `proxy.lan:${s.port}`, token: s.token })).status).toBe(421);

    const other = await request(s, { host: `heater.example:${s.port}`, token: s.token });
    expect(other.status).toBe(421);
    expect(other.body).toContain(`heater.local:${s.port}`);
    expect(other.body).toContain('proxy.lan:8443');
  });

  it('refuses a value that is no host name with one line and exit code 2', async () => {
    const r = await runCli(['serve', '--port', '0', '--data-dir', folder(), '--allowed-host', 'heater local/x']);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toContain('--allowed-host expects a host name or address');
    expect(r.stdout).not.toContain('Hearth is running');
  });
});

describe('HTTPS', () => {
  it('is on beyond loopback: a self-signed certificate made on first start, kept 0600, presented as printed, and the same after a restart', async () => {
    const dataDir = folder();
    const first = await serve(LAN, dataDir);
    expect(first.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/\?token=/);
    const certFile = path.join(dataDir, 'tls-cert.pem');
    const keyFile = path.join(dataDir, 'tls-key.pem');
    expect(first.output()).toContain(`(self-signed, kept in ${certFile})`);
    const printed = printedFingerprint(first.output());
    expect(printed).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(modeOf(certFile)).toBe(0o600);
    expect(modeOf(keyFile)).toBe(0o600);
    const pem = fs.readFileSync(certFile, 'utf8');
    expect(new crypto.X509Certificate(pem).fingerprint256).toBe(printed);
    for (const to of ['127.0.0.1', '127.0.0.2'])
      expect((await presentedCertificate(first.port, to)).fingerprint256).toBe(printed);
    // A client that trusts exactly this certificate accepts it for 127.0.0.1: names, dates and signature hold.
    expect((await request(first, { token: first.token, ca: pem })).status).toBe(200);
    // Nothing is answered in plain HTTP.
    await expect(request({ url: 'http://127.0.0.1/', port: first.port }, { token: first.token })).rejects.toThrow();

    expect(await first.stop('SIGINT')).toBe(0);
    const second = await serve(LAN, dataDir);
    expect(printedFingerprint(second.output())).toBe(printed);
    expect((await presentedCertificate(second.port)).fingerprint256).toBe(printed);
    expect(fs.readFileSync(certFile, 'utf8')).toBe(pem);
  });

  it('marks the token cookie Secure under TLS, and not on plain loopback', async () => {
    const lan = await serve(LAN);
    const local = await serve();
    const get = (s: RunningServer) => request(s, { method: 'GET', path: `/?token=${s.token}` });
    const secure = await get(lan);
    expect(secure.status).toBe(303);
    expect(secure.headers['set-cookie']?.[0]).toMatch(new RegExp(`^hearth_token_${lan.port}=[\\w-]+; .*; Secure$`));
    const plain = await get(local);
    expect(plain.status).toBe(303);
    expect(plain.headers['set-cookie']?.[0]).not.toContain('Secure');
  });

  it('carries the WebSocket over wss with the token, and refuses it without', async () => {
    const s = await serve(LAN);
    const ca = fs.readFileSync(path.join(s.dataDir, 'tls-cert.pem'), 'utf8');
    const open = await openWebSocket(s, { authorization: `Bearer ${s.token}` }, { ca });
    expect(open.status).toBe(101);
    if ('ws' in open) open.ws.close();
    expect((await openWebSocket(s, {}, { ca })).status).toBe(401);
  });

  it('is on with --tls on loopback too', async () => {
    const s = await serve(['--tls']);
    expect(s.url).toMatch(/^https:\/\/127\.0\.0\.1:/);
    const printed = printedFingerprint(s.output());
    expect(printed).toBeDefined();
    expect((await presentedCertificate(s.port)).fingerprint256).toBe(printed);
    expect((await request(s, { token: s.token })).status).toBe(200);
  });

  it('serves the certificate given with --tls-cert/--tls-key as it is', async () => {
    const own = opensslCertificate(folder());
    const s = await serve(['--tls-cert', own.cert, '--tls-key', own.key]);
    expect(printedFingerprint(s.output())).toBe(own.fingerprint);
    expect(s.output()).toContain(`(${own.cert})`);
    expect((await presentedCertificate(s.port)).fingerprint256).toBe(own.fingerprint);
    expect((await request(s, { token: s.token, ca: fs.readFileSync(own.cert, 'utf8') })).status).toBe(200);
    expect(fs.existsSync(path.join(s.dataDir, 'tls-cert.pem'))).toBe(false);
  });

  it('stops with one clear line and a non-zero exit for a key that is not the certificate’s, a missing key, or half the pair', async () => {
    const certs = folder();
    const own = opensslCertificate(certs, 'own');
    const other = opensslCertificate(certs, 'other');
    const serveWith = (...tls: string[]) => runCli(['serve', '--port', '0', '--data-dir', folder(), ...tls]);

    const wrongKey = await serveWith('--tls-cert', own.cert, '--tls-key', other.key);
    expect(wrongKey.code).not.toBe(0);
    expect(lines(wrongKey.stderr)).toEqual([
      `hearth serve: The key in ${other.key} does not belong to the certificate in ${own.cert}`,
    ]);
    expect(wrongKey.stdout).not.toContain('Hearth is running');

    const missing = path.join(certs, 'no-such-key.pem');
    const noKey = await serveWith('--tls-cert', own.cert, '--tls-key', missing);
    expect(noKey.code).not.toBe(0);
    expect(lines(noKey.stderr)).toEqual([`hearth serve: Cannot read the TLS key ${missing} (ENOENT)`]);
    expect(noKey.stdout).not.toContain('Hearth is running');

    const half = await serveWith('--tls-cert', own.cert);
    expect(half.code).toBe(2);
    expect(lines(half.stderr)).toHaveLength(1);
    expect(half.stderr).toContain('--tls-cert and --tls-key go together');
  });
});

describe('access token', () => {
  it('survives a restart: the same token printed, kept in access-token readable by its owner only', async () => {
    const dataDir = folder();
    const first = await serve([], dataDir);
    const file = path.join(dataDir, 'access-token');
    expect(fs.readFileSync(file, 'utf8').trim()).toBe(first.token);
    expect(modeOf(file)).toBe(0o600);
    expect(await first.stop('SIGINT')).toBe(0);

    const second = await serve([], dataDir);
    expect(second.token).toBe(first.token);
    expect((await request(second, { token: first.token })).status).toBe(200);
  });

  it('hearth serve --rotate-token replaces it: the running server refuses the old token from its next request and accepts the new', async () => {
    const dataDir = folder();
    const s = await serve(LAN, dataDir);
    const old = await openWebSocket(s, { authorization: `Bearer ${s.token}` });
    expect(old.status).toBe(101);
    expect((await request(s, { token: s.token })).status).toBe(200);

    const r = await runCli(['serve', '--rotate-token', '--data-dir', dataDir]);
    expect(r.code).toBe(0);
    const fresh = /^[\w-]{32,}$/m.exec(r.stdout)?.[0];
    expect(fresh).toBeDefined();
    expect(fresh).not.toBe(s.token);
    const file = path.join(dataDir, 'access-token');
    expect(fs.readFileSync(file, 'utf8').trim()).toBe(fresh);
    expect(modeOf(file)).toBe(0o600);

    expect((await request(s, { token: s.token })).status).toBe(401);
    expect((await request(s, { token: fresh })).status).toBe(200);
    expect((await request(s, { method: 'GET', path: `/?token=${s.token}` })).status).toBe(401);
    // The page that opened its socket with the old token is cut off; a new one needs the new token.
    if ('closed' in old) await within('the old-token WebSocket closing', old.closed);
    expect((await openWebSocket(s, { authorization: `Bearer ${s.token}` })).status).toBe(401);
    const renewed = await openWebSocket(s, { authorization: `Bearer ${fresh}` });
    expect(renewed.status).toBe(101);
    if ('ws' in renewed) renewed.ws.close();
  });
});

describe('one server per data folder', () => {
  it('a second hearth serve on the folder exits non-zero naming the running one, which keeps serving; once that one is killed the folder is free', async () => {
    const dataDir = folder();
    const first = await serve([], dataDir);
    const second = await runCli(['serve', '--port', '0', '--data-dir', dataDir]);
    expect(second.code).toBe(2);
    expect(second.stdout).not.toContain('Hearth is running');
    expect(lines(second.stderr)).toHaveLength(1);
    expect(second.stderr).toContain(`Hearth is already running on ${dataDir}`);
    expect(second.stderr).toContain(`pid ${first.child.pid}`);
    expect(second.stderr).toContain(first.origin);
    expect((await request(first, { token: first.token })).status).toBe(200);

    // The lock goes with the process however it ends: no stale lock after a kill.
    expect(await first.stop('SIGKILL')).toBe('SIGKILL');
    const next = await serve([], dataDir);
    expect((await request(next, { token: next.token })).status).toBe(200);
  });
});

describe('connection limits', () => {
  it(`closes sockets past ${PER_CLIENT_CAP} from one address while another address is answered, and answers the first again once its idle sockets are gone`, async () => {
    const s = await serve(LAN);
    const idle: OpenSocket[] = [];
    for (let i = 0; i < PER_CLIENT_CAP; i++) idle.push(await openSocket(s.port, { from: '127.0.0.1' }));
    const extra: OpenSocket[] = [];
    for (let i = 0; i < 4; i++) extra.push(await openSocket(s.port, { from: '127.0.0.1' }));

    await within('the server closing the sockets past the cap', Promise.all(extra.map((e) => e.closed)));
    // Closed by the cap, not by a timeout: the idle sockets opened before them are all still open.
    expect(idle.filter((i) => i.isClosed())).toHaveLength(0);
    await expect(request(s, { from: '127.0.0.1', token: s.token })).rejects.toThrow();
    const other = await request(s, { from: '127.0.0.3', token: s.token });
    expect(other.status).toBe(200);
    // And 127.0.0.3 was answered while 127.0.0.1 was still at its cap.
    expect(idle.filter((i) => i.isClosed())).toHaveLength(0);

    // The server does not keep idle sockets for ever (they never began a TLS handshake) ...
    await within('the server closing the idle sockets', Promise.all(idle.map((i) => i.closed)));
    // ... and once they are gone, their address is answered again.
    const again = await until(
      '127.0.0.1 answered again',
      () =>
        request(s, { from: '127.0.0.1', token: s.token }).then(
          (r) => r.status,
          (e: Error) => e.message,
        ),
      (status) => status === 200,
      LIVENESS_MS,
      100,
    );
    expect(again).toBe(200);
  });

  it('closes a socket that sends half a request line and nothing more, in plain HTTP and after a TLS handshake', async () => {
    const plain = await serve();
    const lan = await serve(LAN);
    const stalled = [
      await openSocket(plain.port, { send: 'GET /api/data-fol' }),
      await openSocket(lan.port, { send: 'GET /api/data-fol', tls: true }),
    ];
    await within('the server closing the stalled sockets', Promise.all(stalled.map((x) => x.closed)));
    // The servers themselves are fine.
    for (const s of [plain, lan]) expect((await request(s, { token: s.token })).status).toBe(200);
  });
});

describe('stopping', () => {
  it('exits 0 on SIGTERM while a WebSocket client, an idle keep-alive connection and an unfinished TLS handshake are open', async () => {
    const s = await serve(LAN);
    const ws = await openWebSocket(s, { authorization: `Bearer ${s.token}` });
    expect(ws.status).toBe(101);
    const keepAlive = await openSocket(s.port, {
      tls: true,
      send:
        `POST /api/data-folder HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\nAuthorization: Bearer ${s.token}\r\n` +
        'Connection: keep-alive\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}',
    });
    await until('the keep-alive answer', keepAlive.received, (text) => text.startsWith('HTTP/1.1 200'), LIVENESS_MS);
    // A raw socket that never sends its ClientHello: the HTTP server does not track it as a connection.
    const handshake = await openSocket(s.port);
    expect(keepAlive.isClosed()).toBe(false);
    expect(handshake.isClosed()).toBe(false);

    expect(await within('hearth serve exiting on SIGTERM', s.stop('SIGTERM'))).toBe(0);
    // At its exit the last lines may still be in the pipe.
    const said = await until('the last lines', s.output, (out) => out.includes('stopped cleanly'), LIVENESS_MS);
    expect(said).toContain('SIGTERM: stopping');
    if ('closed' in ws) await within('the WebSocket closing', ws.closed);
    await within('the other connections closing', Promise.all([keepAlive.closed, handshake.closed]));
  });
});
