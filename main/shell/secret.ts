import { safeStorage } from 'electron';
import { keyFileSecretStore } from '#core/secret-key';
import { SAFE_PREFIX, type SecretStore } from '#core/secret';

/**
 * Secrets (pool passwords, API tokens) encrypted with the OS keyring through safeStorage. Where the
 * OS offers none (Linux without a keyring service), they are sealed with the data folder's key file
 * as `hearth serve` does, rather than refused: the settings still save, and `hearth serve` on the
 * same folder can open them. Whichever sealed a secret, this store opens it.
 */
export function safeStorageSecrets(dataDir: string): SecretStore {
  const keyFile = keyFileSecretStore(dataDir);
  return {
    encrypted: true,
    seal(plain: string): string {
      if (!keyringAvailable()) return keyFile.seal(plain);
      return `${SAFE_PREFIX}${safeStorage.encryptString(plain).toString('base64')}`;
    },
    open(sealed: string): string {
      if (sealed.startsWith(SAFE_PREFIX)) {
        if (!safeStorage.isEncryptionAvailable())
          throw new Error(
            'This secret was encrypted with the system keyring, which is not available now: enter it again in Settings',
          );
        return safeStorage.decryptString(Buffer.from(sealed.slice(SAFE_PREFIX.length), 'base64'));
      }
      return keyFile.open(sealed);
    },
  };
}

/**
 * Whether safeStorage is backed by a keyring. On Linux without one it may still "encrypt", with
 * `basic_text`: a password built into Chromium, weaker than the key file only this user can read.
 */
function keyringAvailable(): boolean {
  if (!safeStorage.isEncryptionAvailable()) return false;
  return process.platform !== 'linux' || safeStorage.getSelectedStorageBackend() !== 'basic_text';
}
