import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { privateDir, writePrivateFile } from './file-mode.ts';
import { SAFE_PREFIX, SAFE_SEALED_HERE, type SecretStore } from './secret.ts';

/** The data folder's secret key: 32 random bytes, 0600, made the first time a secret is sealed. */
export const KEY_FILE = 'secret.key';

/** `key:v1:` then base64 of the 12-byte nonce, the AES-256-GCM ciphertext and its 16-byte tag. */
export const KEY_PREFIX = 'key:v1:';
const NONCE = 12;
const TAG = 16;

export class SecretKeyError extends Error {}

/**
 * Secrets sealed with AES-256-GCM under the data folder's key file, each with a fresh random nonce.
 * It keeps a copy of hearth.db (a backup, a file sent along with a bug report) from giving away the
 * tokens and passwords in it, and is what the desktop app uses where the OS has no keyring. It does
 * not protect against someone who can read the whole data folder as you: that needs the OS keyring.
 * `plain:` secrets (stored by older versions) still open, and are sealed again on start (app.ts).
 */
export function keyFileSecretStore(
  dataDir: string,
  randomBytes: (n: number) => Buffer = crypto.randomBytes,
): SecretStore {
  const file = path.join(dataDir, KEY_FILE);
  let key: Buffer | null = null;

  const cannotOpen = (why: string) =>
    new SecretKeyError(
      `A stored secret cannot be opened: ${why}. Enter the secret again in its settings (it is then sealed with ${file})`,
    );

  const read = (): Buffer | null => {
    if (key) return key;
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw cannotOpen(`the key file ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
    if (bytes.length !== 32) throw cannotOpen(`the key file ${file} holds ${bytes.length} bytes, not the 32 of a key`);
    key = bytes;
    return key;
  };

  const keyForSealing = (): Buffer => {
    const found = read();
    if (found) return found;
    privateDir(dataDir);
    const fresh = randomBytes(32);
    try {
      // 'wx': two processes sealing at once must not each write a key; the loser reads the winner's.
      writePrivateFile(file, fresh, 'wx');
      key = fresh;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const other = read();
      if (!other) throw err;
    }
    return key!;
  };

  return {
    encrypted: true,
    seal(plain: string): string {
      const k = keyForSealing();
      const nonce = randomBytes(NONCE);
      const cipher = crypto.createCipheriv('aes-256-gcm', k, nonce);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return `${KEY_PREFIX}${Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64')}`;
    },
    open(sealed: string): string {
      if (sealed.startsWith('plain:')) return sealed.slice('plain:'.length);
      if (sealed.startsWith(SAFE_PREFIX)) throw new Error(SAFE_SEALED_HERE);
      if (!sealed.startsWith(KEY_PREFIX))
        throw cannotOpen(`it is stored in a form this Hearth does not know (${sealed.split(':')[0]}:)`);
      const k = read();
      if (!k) throw cannotOpen(`it was sealed with a key file ${file} that is no longer there`);
      const raw = Buffer.from(sealed.slice(KEY_PREFIX.length), 'base64');
      if (raw.length < NONCE + TAG) throw cannotOpen('it is cut short');
      try {
        const decipher = crypto.createDecipheriv('aes-256-gcm', k, raw.subarray(0, NONCE));
        decipher.setAuthTag(raw.subarray(raw.length - TAG));
        return Buffer.concat([decipher.update(raw.subarray(NONCE, raw.length - TAG)), decipher.final()]).toString(
          'utf8',
        );
      } catch {
        throw cannotOpen(
          `it was sealed with another key than the one in ${file} (a ledger restored from another machine, or a replaced key file)`,
        );
      }
    },
  };
}
