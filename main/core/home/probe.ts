import { randomBytes } from 'node:crypto';
import dns from 'node:dns';
import fs from 'node:fs';
import net from 'node:net';
import { connect as mqttConnect, type IClientOptions, type MqttClient } from 'mqtt';
import { WebSocket, type ClientOptions } from 'ws';
import type { BrokerProbe, BrokerProbeStage, MqttLinkInput } from '#contract/home';

export type ProbeOptions = {
  /** Resolves the broker's host name; tests inject one so that no DNS query leaves the machine. */
  lookup?: typeof dns.lookup;
  /** How long to wait for the broker's CONNACK, from the start (ms); 10 s unless given. */
  timeoutMs?: number;
  /** mqtt.js's `connect`, replaceable in tests. */
  connect?: (url: string, opts: IClientOptions) => MqttClient;
  /** The MQTT version to speak: 4 (3.1.1, the default) or 5. */
  protocolVersion?: 4 | 5;
  /** Monotonic ms for the `ms` of a success. */
  now?: () => number;
};

type Failure = { stage: BrokerProbeStage; message: string };

/** CONNACK refusals that mean the credentials: 3.1.1's 4 and 5, MQTT 5's 0x86, 0x87, 0x8A (banned), 0x8C. */
const AUTH_CODES = new Set([4, 5, 0x86, 0x87, 0x8a, 0x8c]);

/** Node's certificate-verification codes (OpenSSL's X509_V_ERR_* names) and its name-check code. */
const CERT_CODES: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the broker presents a self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: "the broker's certificate chain ends in a CA that is not trusted",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the broker's certificate is signed by a CA that is not trusted",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "the broker's certificate is signed by a CA that is not trusted",
  UNABLE_TO_GET_ISSUER_CERT: "the broker's certificate is signed by a CA that is not trusted",
  CERT_HAS_EXPIRED: "the broker's certificate has expired",
  CERT_NOT_YET_VALID: "the broker's certificate is not valid yet (check this computer's clock)",
  ERR_TLS_CERT_ALTNAME_INVALID: "the broker's certificate is made out to another name",
};

const CONNECT_CODES: Record<string, string> = {
  ECONNREFUSED: 'nothing accepts connections there',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  ETIMEDOUT: 'the connection timed out',
  EADDRNOTAVAIL: 'the address is not available',
};

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_NONAME', 'EAI_NODATA', 'EAI_AGAIN', 'EAI_FAIL', 'ENODATA']);

type Target = { protocol: string; host: string; port: number; tls: boolean };

function parseTarget(url: string): Target | Failure {
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    return { stage: 'protocol', message: `${url} is not a URL: enter the broker as mqtt://host:1883` };
  }
  const protocol = u.protocol.replace(/:$/, '');
  const ports: Record<string, number> = { mqtt: 1883, mqtts: 8883, ws: 80, wss: 443 };
  if (!(protocol in ports))
    return {
      stage: 'protocol',
      message: `${protocol}:// is not an MQTT scheme: use mqtt://, mqtts:// (TLS), ws:// or wss://`,
    };
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) return { stage: 'protocol', message: `${url} names no host: enter the broker as mqtt://host:1883` };
  return {
    protocol,
    host,
    port: u.port ? Number(u.port) : ports[protocol]!,
    tls: protocol === 'mqtts' || protocol === 'wss',
  };
}

/** The broker's address, or why the name does not resolve. */
function resolve(host: string, lookup: typeof dns.lookup): Promise<{ address: string } | Failure> {
  if (net.isIP(host)) return Promise.resolve({ address: host });
  return new Promise((done) => {
    lookup(host, {}, (err, address) => {
      if (!err) return done({ address });
      const code = err.code ?? '';
      done({
        stage: 'dns',
        message:
          code === 'EAI_AGAIN'
            ? `The name server did not answer for ${host} (${code}): check this computer's network and DNS, or enter the broker's IP address`
            : `The host name ${host} does not resolve (${code || err.message}): check the spelling, or enter the broker's IP address`,
      });
    });
  });
}

/** A readable PEM file of certificates, or why not. */
function readCa(caFile: string): { ca: Buffer } | Failure {
  let ca: Buffer;
  try {
    ca = fs.readFileSync(caFile);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    return { stage: 'tls', message: `Cannot read the CA file ${caFile} (${code}): check the path and its permissions` };
  }
  if (!ca.toString('latin1').includes('-----BEGIN CERTIFICATE-----'))
    return {
      stage: 'tls',
      message: `The CA file ${caFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----): give the broker's CA certificate in PEM`,
    };
  return { ca };
}

type Progress = { tcp: boolean; tls: boolean };

/** A `lookup` for net/tls/http that answers every name with one address. */
function fixedLookup(address: string): net.LookupFunction {
  const family = net.isIP(address);
  return (_host, o, cb) => (o?.all ? cb(null, [{ address, family }]) : cb(null, address, family));
}

/** Where an mqtt.js or socket error came from, and what to do about it. */
function classify(err: Error & { code?: string | number }, t: Target, where: string, progress: Progress): Failure {
  const code = err.code;
  if (typeof code === 'number') {
    if (AUTH_CODES.has(code))
      return {
        stage: 'auth',
        message: `${where} refused the login (${err.message.replace(/^Connection refused: /, '')}, code ${code}): check the user name and password, and the user's access on the broker`,
      };
    return { stage: 'protocol', message: `${where} refused the connection (${err.message}, code ${code})` };
  }
  if (code && code in CERT_CODES)
    return {
      stage: 'tls',
      message: `${where}: ${CERT_CODES[code]} (${code}): give its CA certificate (or the self-signed certificate) as the CA file${code === 'ERR_TLS_CERT_ALTNAME_INVALID' ? ', or connect by the name the certificate names' : ''}`,
    };
  if (code && DNS_CODES.has(code))
    return { stage: 'dns', message: `The host name ${t.host} does not resolve (${code}): check the spelling` };
  if (code && code in CONNECT_CODES && !progress.tcp)
    return {
      stage: 'connect',
      message: `Cannot connect to ${t.host}:${t.port}: ${CONNECT_CODES[code]} (${code}): check the host and port, and that the broker runs`,
    };
  if (t.tls && !progress.tls)
    return {
      stage: 'tls',
      message: `The TLS handshake with ${where} failed (${code ?? err.message}): check that port ${t.port} serves TLS (for a plain port use mqtt://)`,
    };
  if (err.message === 'TLS not authorized')
    return { stage: 'tls', message: `${where}'s certificate is not trusted: give its CA certificate as the CA file` };
  return {
    stage: 'protocol',
    message: `${where} broke off the connection before answering (${code ?? err.message})${t.tls ? '' : ': if the port expects TLS, use mqtts://'}`,
  };
}

/**
 * Connects once to the broker (no reconnect) and says how far it got: the name resolved (`dns`),
 * a TCP connection (`connect`), the TLS handshake and certificate (`tls`), the CONNACK's verdict on
 * the login (`auth`), an answer at all within the limit (`timeout`), or an MQTT answer (`protocol`).
 * Stores nothing and never throws.
 */
export async function probeBroker(
  link: MqttLinkInput & { password: string | null },
  opts: ProbeOptions = {},
): Promise<BrokerProbe> {
  const now = opts.now ?? (() => performance.now());
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const t0 = now();
  const url = link.url.trim();
  const fail = (f: Failure): BrokerProbe => ({ ok: false, url, ...f });

  const target = parseTarget(url);
  if ('stage' in target) return fail(target);
  let ca: Buffer | undefined;
  if (target.tls && link.caFile) {
    const r = readCa(link.caFile);
    if ('stage' in r) return fail(r);
    ca = r.ca;
  }
  const resolved = await resolve(target.host, opts.lookup ?? dns.lookup);
  if ('stage' in resolved) return fail(resolved);

  const where = `The MQTT broker at ${target.host}:${target.port}`;
  const seconds = `${Math.round(timeoutMs / 100) / 10} s`;
  const ws = target.protocol === 'ws' || target.protocol === 'wss';
  const options: IClientOptions = {
    clientId: `hearth-probe-${randomBytes(4).toString('hex')}`,
    reconnectPeriod: 0,
    // Our own timer below decides; mqtt.js's would only fire after it.
    connectTimeout: timeoutMs + 60_000,
    keepalive: 30,
    protocolVersion: opts.protocolVersion ?? 4,
    ...(link.username ? { username: link.username } : {}),
    ...(link.password ? { password: link.password } : {}),
    // The connection goes to the address resolved above (the probe's lookup is the only one); the
    // certificate is still checked against the name in the URL.
    ...(ws
      ? { wsOptions: { lookup: fixedLookup(resolved.address) } }
      : { host: resolved.address, ...(target.tls && !net.isIP(target.host) ? { servername: target.host } : {}) }),
    ...(ca ? { ca } : {}),
    ...(target.tls ? { rejectUnauthorized: true } : {}),
  };

  const progress: Progress = { tcp: false, tls: false };
  if (ws)
    // The WebSocket stream hides its socket: make the WebSocket here to see how far it got.
    options.createWebsocket = (wsUrl: string, protocols: string[], o: IClientOptions) => {
      const socket = new WebSocket(wsUrl, protocols, o.wsOptions as ClientOptions);
      socket.on('upgrade', () => (progress.tcp = progress.tls = true));
      return socket;
    };

  return new Promise<BrokerProbe>((done) => {
    let client: MqttClient | null = null;
    let finished = false;
    const finish = (r: BrokerProbe) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      if (client) {
        const c = client;
        // A success ends with DISCONNECT; a failure just closes the socket.
        c.end(!r.ok, {}, () => c.removeAllListeners());
      }
      done(r);
    };
    const timer = setTimeout(
      () => {
        const message = !progress.tcp
          ? `Nothing answered at ${target.host}:${target.port} within ${seconds}: check the host and port, and that no firewall drops the connection`
          : target.tls && !progress.tls
            ? `${where} accepted the connection but did not finish the TLS handshake within ${seconds}: check that the port serves MQTT over TLS`
            : `${where} accepted the connection but sent no CONNACK within ${seconds}: check that the port is the broker's MQTT port${target.tls ? '' : ' (for a TLS port use mqtts://)'}`;
        finish(fail({ stage: 'timeout', message }));
      },
      timeoutMs - (now() - t0),
    );

    try {
      client = (opts.connect ?? mqttConnect)(url, options);
    } catch (e) {
      return finish(fail({ stage: 'protocol', message: `Cannot start the MQTT client: ${(e as Error).message}` }));
    }
    const stream = client.stream;
    if (!ws) {
      stream?.on('connect', () => (progress.tcp = true));
      stream?.on('secureConnect', () => (progress.tls = true));
    }
    client.on('connect', () => finish({ ok: true, url, ms: Math.max(0, Math.round(now() - t0)) }));
    client.on('error', (err) => finish(fail(classify(err, target, where, progress))));
    client.on('close', () =>
      finish(
        fail(
          target.tls && !progress.tls
            ? {
                stage: 'tls',
                message: `${where} closed the connection during the TLS handshake: check that port ${target.port} serves TLS (for a plain port use mqtt://)`,
              }
            : progress.tcp
              ? {
                  stage: 'protocol',
                  message: `${where} closed the connection before answering${target.tls ? '' : ': if the port expects TLS, use mqtts://'}`,
                }
              : {
                  stage: 'connect',
                  message: `Cannot connect to ${target.host}:${target.port}: check the host and port, and that the broker runs`,
                },
        ),
      ),
    );
  });
}
