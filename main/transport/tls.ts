import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/**
 * TLS for `hearth serve` beyond loopback: the user's own certificate, or one Hearth signs for itself
 * on first use and keeps in the data folder, so its fingerprint stays the same across restarts and
 * a browser that accepted it once keeps accepting it. Node has no X.509 writer, so the certificate
 * is written here in DER (ECDSA P-256, SHA-256), and read back by `crypto.X509Certificate`.
 */
export const CERT_FILE = 'tls-cert.pem';
export const KEY_FILE = 'tls-key.pem';

export type TlsMaterial = {
  cert: string;
  key: string;
  /** SHA-256 over the DER certificate, as browsers and `openssl x509 -fingerprint -sha256` show it. */
  fingerprint: string;
  /** Where it came from: a generated certificate's file, or the user's. */
  certFile: string;
  generated: boolean;
};

/** Validity of a generated certificate: the longest browsers accept for a server certificate. */
const VALID_DAYS = 825;
/** A generated certificate this close to its end is replaced on start rather than failing later. */
const RENEW_BEFORE_DAYS = 30;
const DAY_MS = 86_400_000;

/** The user's certificate and key, checked to belong together. */
export function loadTls(certFile: string, keyFile: string): TlsMaterial {
  const read = (file: string, what: string): string => {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new Error(`Cannot read the TLS ${what} ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`, {
        cause: err,
      });
    }
  };
  const cert = read(certFile, 'certificate');
  const key = read(keyFile, 'key');
  let x509: crypto.X509Certificate;
  try {
    x509 = new crypto.X509Certificate(cert);
  } catch (err) {
    throw new Error(`${certFile} is not a PEM certificate: ${(err as Error).message}`, { cause: err });
  }
  let privateKey: crypto.KeyObject;
  try {
    privateKey = crypto.createPrivateKey(key);
  } catch (err) {
    throw new Error(`${keyFile} is not a PEM private key: ${(err as Error).message}`, { cause: err });
  }
  if (!x509.checkPrivateKey(privateKey))
    throw new Error(`The key in ${keyFile} does not belong to the certificate in ${certFile}`);
  return { cert, key, fingerprint: x509.fingerprint256, certFile, generated: false };
}

/**
 * The generated certificate in `dataDir`, made now when there is none, when it does not name every
 * one of `names` (a new --allowed-host), or when it is about to expire.
 */
export function selfSignedTls(dataDir: string, names: string[], now: number = Date.now()): TlsMaterial {
  const certFile = path.join(dataDir, CERT_FILE);
  const keyFile = path.join(dataDir, KEY_FILE);
  const wanted = [...new Set(names.map((n) => n.replace(/^\[|\]$/g, '').toLowerCase()))];
  try {
    const existing = loadTls(certFile, keyFile);
    const x509 = new crypto.X509Certificate(existing.cert);
    const covers = wanted.every((n) => (net.isIP(n) ? x509.checkIP(n) : x509.checkHost(n)) !== undefined);
    if (covers && Date.parse(x509.validTo) - now > RENEW_BEFORE_DAYS * DAY_MS) {
      fs.chmodSync(keyFile, 0o600);
      return { ...existing, generated: true };
    }
  } catch {
    // none yet, or unreadable: make a new one below
  }
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const der = certificateDer(privateKey, publicKey, wanted, now);
  const cert = toPem(der, 'CERTIFICATE');
  const key = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  writePrivate(keyFile, key);
  writePrivate(certFile, cert);
  return { cert, key, fingerprint: new crypto.X509Certificate(cert).fingerprint256, certFile, generated: true };
}

function writePrivate(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.rmSync(tmp, { force: true });
  fs.writeFileSync(tmp, text, { mode: 0o600, flag: 'wx' });
  fs.renameSync(tmp, file);
}

function toPem(der: Buffer, label: string): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN ${label}-----\n${b64.replace(/\n$/, '')}\n-----END ${label}-----\n`;
}

// --- DER, only the few shapes a certificate needs (X.690) ---

function tlv(tag: number, body: Buffer): Buffer {
  const n = body.length;
  const len =
    n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, (n >> 8) & 0xff, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, body]);
}
const seq = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items));
const octets = (b: Buffer) => tlv(0x04, b);
const bitString = (b: Buffer) => tlv(0x03, Buffer.concat([Buffer.from([0]), b]));
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'));
const bool = (v: boolean) => tlv(0x01, Buffer.from([v ? 0xff : 0]));
const explicit = (n: number, inner: Buffer) => tlv(0xa0 + n, inner);

function integer(bytes: Buffer): Buffer {
  let b = bytes;
  while (b.length > 1 && b[0] === 0 && (b[1]! & 0x80) === 0) b = b.subarray(1);
  if ((b[0]! & 0x80) !== 0) b = Buffer.concat([Buffer.from([0]), b]);
  return tlv(0x02, b);
}

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const out = [a! * 40 + b!];
  for (const n of rest) {
    const groups = [n & 0x7f];
    for (let v = n >>> 7; v > 0; v >>>= 7) groups.unshift((v & 0x7f) | 0x80);
    out.push(...groups);
  }
  return tlv(0x06, Buffer.from(out));
}

/** UTCTime until 2049, GeneralizedTime after, as RFC 5280 4.1.2.5 requires. */
function time(ms: number): Buffer {
  const iso = new Date(ms).toISOString();
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '');
  const year = new Date(ms).getUTCFullYear();
  return year < 2050 ? tlv(0x17, Buffer.from(`${digits.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${digits}Z`));
}

function generalName(name: string): Buffer {
  if (net.isIPv4(name)) return tlv(0x87, Buffer.from(name.split('.').map(Number)));
  if (net.isIPv6(name)) return tlv(0x87, ipv6Bytes(name));
  return tlv(0x82, Buffer.from(name, 'ascii'));
}

function ipv6Bytes(addr: string): Buffer {
  const [head = '', tail] = addr.split('::');
  const parse = (s: string) => (s === '' ? [] : s.split(':').flatMap((g) => (g.includes('.') ? v4Groups(g) : [g])));
  const h = parse(head);
  const t = tail === undefined ? [] : parse(tail);
  const groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

function v4Groups(v4: string): string[] {
  const [a = 0, b = 0, c = 0, d = 0] = v4.split('.').map(Number);
  return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
}

const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'));

function certificateDer(
  privateKey: crypto.KeyObject,
  publicKey: crypto.KeyObject,
  names: string[],
  now: number,
): Buffer {
  const name = seq(set(seq(oid('2.5.4.3'), utf8('Hearth'))), set(seq(oid('2.5.4.10'), utf8('Hearth self-signed'))));
  const serial = crypto.randomBytes(16);
  serial[0] = serial[0]! & 0x7f;
  const extensions = seq(
    seq(oid('2.5.29.19'), bool(true), octets(seq())),
    // digitalSignature only: what an ECDHE_ECDSA server key does.
    seq(oid('2.5.29.15'), bool(true), octets(tlv(0x03, Buffer.from([0x07, 0x80])))),
    seq(oid('2.5.29.37'), octets(seq(oid('1.3.6.1.5.5.7.3.1')))),
    seq(oid('2.5.29.17'), octets(seq(...names.map(generalName)))),
  );
  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))),
    integer(serial),
    ECDSA_SHA256,
    name,
    seq(time(now - DAY_MS), time(now + VALID_DAYS * DAY_MS)),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, extensions),
  );
  const signature = crypto.sign('sha256', tbs, { key: privateKey, dsaEncoding: 'der' });
  return seq(tbs, ECDSA_SHA256, bitString(signature));
}
