import { execFileSync, spawnSync } from 'node:child_process';
import type dns from 'node:dns';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttLinkInput } from '#contract/home';
import { freePort, startMosquitto, type Broker } from '../../../test/fixtures/mosquitto.ts';
import { tempDirs } from '../../../test/support/temp-dir.ts';
import { probeBroker } from './probe.ts';
import { opensslCertificate } from '../../../test/support/openssl.ts';

const tempDir = tempDirs('hearth-probe-');

const link = (url: string, patch: Partial<MqttLinkInput> = {}) => ({
  enabled: true,
  url,
  username: null,
  password: null,
  caFile: null,
  discoveryPrefix: 'homeassistant',
  nodeId: 'test',
  ...patch,
});

/** A lookup that knows only the names given (as the hosts file would), and records what it was asked. */
function hostsLookup(hosts: Record<string, string>) {
  const asked: string[] = [];
  const lookup = ((
    host: string,
    _o: unknown,
    cb: (err: NodeJS.ErrnoException | null, a?: string, f?: number) => void,
  ) => {
    asked.push(host);
    const address = hosts[host];
    if (address) return cb(null, address, net.isIP(address));
    // What getaddrinfo answers for a name no server knows (dns.lookup's documented error).
    const err: NodeJS.ErrnoException = Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), {
      code: 'ENOTFOUND',
      syscall: 'getaddrinfo',
      hostname: host,
    });
    cb(err);
  }) as unknown as typeof dns.lookup;
  return { lookup, asked };
}

/** A folder mosquitto can read after it drops root for its own user. */
function readableDir(): string {
  const dir = tempDir();
  fs.chmodSync(dir, 0o755);
  return dir;
}

let open: Broker;
let locked: Broker;
let tlsBroker: Broker;
let certFile: string;

beforeAll(async () => {
  const dir = readableDir();
  // The password file as mosquitto's own tool writes it (user "hearth", password "right one").
  const passwords = path.join(dir, 'passwords');
  if (spawnSync('which', ['mosquitto_passwd']).status === 0)
    execFileSync('mosquitto_passwd', ['-b', '-c', passwords, 'hearth', 'right one']);
  else throw new Error('mosquitto_passwd is missing (it comes with the mosquitto package)');
  fs.chmodSync(passwords, 0o644);
  // A self-signed certificate for localhost and 127.0.0.1, as a home broker's admin would make one.
  const made = opensslCertificate(dir, 'broker');
  certFile = made.cert;
  const keyFile = made.key;
  fs.chmodSync(keyFile, 0o644);
  [open, locked, tlsBroker] = await Promise.all([
    startMosquitto(),
    startMosquitto(['allow_anonymous false', `password_file ${passwords}`]),
    // Lines after the fixture's `listener` line configure that listener: TLS with this certificate.
    startMosquitto([`certfile ${certFile}`, `keyfile ${keyFile}`, 'allow_anonymous true']),
  ]);
});
afterAll(async () => {
  await Promise.all([open?.stop(), locked?.stop(), tlsBroker?.stop()]);
});

describe('probeBroker', () => {
  it('connects to a running broker and says how long it took', async () => {
    const r = await probeBroker(link(open.url));
    expect(r).toEqual({ ok: true, url: open.url, ms: expect.any(Number) });
  });

  it('connects by a host name through the lookup given, which alone resolves it', async () => {
    const { lookup, asked } = hostsLookup({ 'broker.home.test': '127.0.0.1' });
    const url = `mqtt://broker.home.test:${open.port}`;
    expect(await probeBroker(link(url), { lookup })).toMatchObject({ ok: true, url });
    expect(asked).toEqual(['broker.home.test']);
    // An IP address is not looked up.
    await probeBroker(link(open.url), { lookup });
    expect(asked).toEqual(['broker.home.test']);
  });

  it('names a host name that does not resolve: dns', async () => {
    const { lookup } = hostsLookup({});
    const url = 'mqtt://no-such-broker.home.test:1883';
    expect(await probeBroker(link(url), { lookup })).toEqual({
      ok: false,
      url,
      stage: 'dns',
      message:
        "The host name no-such-broker.home.test does not resolve (ENOTFOUND): check the spelling, or enter the broker's IP address",
    });
  });

  it('names a port nothing listens on: connect', async () => {
    const port = await freePort();
    const r = await probeBroker(link(`mqtt://127.0.0.1:${port}`));
    expect(r).toEqual({
      ok: false,
      url: `mqtt://127.0.0.1:${port}`,
      stage: 'connect',
      message: `Cannot connect to 127.0.0.1:${port}: nothing accepts connections there (ECONNREFUSED): check the host and port, and that the broker runs`,
    });
  });

  it('names a refused login: auth, for a wrong password, no password, and MQTT 5', async () => {
    const right = await probeBroker(link(locked.url, { username: 'hearth', password: 'right one' }));
    expect(right).toMatchObject({ ok: true });
    for (const patch of [
      { username: 'hearth', password: 'wrong' },
      { username: null, password: null },
    ]) {
      const r = await probeBroker(link(locked.url, patch));
      expect(r).toMatchObject({ ok: false, stage: 'auth' });
      if (!r.ok) expect(r.message).toMatch(/refused the login \(.+, code [45]\): check the user name and password/);
    }
    const v5 = await probeBroker(link(locked.url, { username: 'hearth', password: 'wrong' }), { protocolVersion: 5 });
    expect(v5).toMatchObject({ ok: false, stage: 'auth' });
    if (!v5.ok) expect(v5.message).toMatch(/refused the login \(.+, code 13[45]\)/);
    expect(
      await probeBroker(link(locked.url, { username: 'hearth', password: 'right one' }), { protocolVersion: 5 }),
    ).toMatchObject({ ok: true });
  });

  it('names an untrusted certificate: tls, and trusts it given as the CA file', async () => {
    const url = `mqtts://127.0.0.1:${tlsBroker.port}`;
    const untrusted = await probeBroker(link(url));
    expect(untrusted).toEqual({
      ok: false,
      url,
      stage: 'tls',
      message: `The MQTT broker at 127.0.0.1:${tlsBroker.port}: the broker presents a self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT): give its CA certificate (or the self-signed certificate) as the CA file`,
    });
    expect(await probeBroker(link(url, { caFile: certFile }))).toMatchObject({ ok: true, url });
  });

  it('checks the certificate against the name in the URL, not the address it resolved to', async () => {
    const { lookup } = hostsLookup({ localhost: '127.0.0.1', 'other.home.test': '127.0.0.1' });
    const good = `mqtts://localhost:${tlsBroker.port}`;
    expect(await probeBroker(link(good, { caFile: certFile }), { lookup })).toMatchObject({ ok: true });
    const other = await probeBroker(link(`mqtts://other.home.test:${tlsBroker.port}`, { caFile: certFile }), {
      lookup,
    });
    expect(other).toMatchObject({ ok: false, stage: 'tls' });
    if (!other.ok) expect(other.message).toContain('made out to another name (ERR_TLS_CERT_ALTNAME_INVALID)');
  });

  it('names TLS to a plain port and plain MQTT to a TLS port', async () => {
    const tlsToPlain = await probeBroker(link(`mqtts://127.0.0.1:${open.port}`));
    expect(tlsToPlain).toMatchObject({ ok: false, stage: 'tls' });
    if (!tlsToPlain.ok)
      expect(tlsToPlain.message).toContain(`check that port ${open.port} serves TLS (for a plain port use mqtt://)`);
    const plainToTls = await probeBroker(link(`mqtt://127.0.0.1:${tlsBroker.port}`), { timeoutMs: 5_000 });
    expect(plainToTls).toMatchObject({ ok: false, stage: 'protocol' });
    if (!plainToTls.ok)
      expect(plainToTls.message).toMatch(/before answering.*: if the port expects TLS, use mqtts:\/\/$/);
  });

  it('names a CA file it cannot use: tls, before connecting', async () => {
    const url = `mqtts://127.0.0.1:${tlsBroker.port}`;
    const missing = path.join(tempDir(), 'nope.pem');
    expect(await probeBroker(link(url, { caFile: missing }))).toEqual({
      ok: false,
      url,
      stage: 'tls',
      message: `Cannot read the CA file ${missing} (ENOENT): check the path and its permissions`,
    });
    const notPem = path.join(tempDir(), 'ca.txt');
    fs.writeFileSync(notPem, 'not a certificate');
    expect(await probeBroker(link(url, { caFile: notPem }))).toMatchObject({ ok: false, stage: 'tls' });
  });

  it('names a server that accepts and says nothing: timeout', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const r = await probeBroker(link(`mqtt://127.0.0.1:${port}`), { timeoutMs: 300 });
      expect(r).toEqual({
        ok: false,
        url: `mqtt://127.0.0.1:${port}`,
        stage: 'timeout',
        message: `The MQTT broker at 127.0.0.1:${port} accepted the connection but sent no CONNACK within 0.3 s: check that the port is the broker's MQTT port (for a TLS port use mqtts://)`,
      });
      const tls = await probeBroker(link(`mqtts://127.0.0.1:${port}`), { timeoutMs: 300 });
      expect(tls).toMatchObject({ ok: false, stage: 'timeout' });
      if (!tls.ok) expect(tls.message).toContain('did not finish the TLS handshake within 0.3 s');
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  it('refuses a URL that is not MQTT: protocol', async () => {
    expect(await probeBroker(link('http://127.0.0.1:1883'))).toMatchObject({ ok: false, stage: 'protocol' });
  });
});
