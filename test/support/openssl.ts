import { execFileSync } from 'node:child_process';
import path from 'node:path';

/**
 * A self-signed certificate for localhost and 127.0.0.1 and its key, made by openssl the way a
 * user or a broker's admin makes one (`hearth serve --tls-cert/--tls-key`, mosquitto's
 * certfile/keyfile), with its SHA-256 fingerprint as `openssl x509 -fingerprint` prints it.
 */
export function opensslCertificate(dir: string, name = 'own'): { cert: string; key: string; fingerprint: string } {
  const cert = path.join(dir, `${name}-cert.pem`);
  const key = path.join(dir, `${name}-key.pem`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '30',
      '-subj',
      `/CN=${name}.hearth.test`,
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: 'pipe' },
  );
  const printed = execFileSync('openssl', ['x509', '-in', cert, '-noout', '-fingerprint', '-sha256'], {
    encoding: 'utf8',
  });
  const fingerprint = /Fingerprint=([0-9A-F:]+)/i.exec(printed)?.[1];
  if (!fingerprint) throw new Error(`openssl printed no fingerprint: ${printed}`);
  return { cert, key, fingerprint: fingerprint.toUpperCase() };
}
