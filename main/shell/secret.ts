import { safeStorage } from 'electron';
import type { SecretStore } from '#core/secret';

/** Secrets (pool passwords, API tokens) encrypted with the OS keychain through safeStorage. */
export function safeStorageSecrets(): SecretStore {
  return {
    get encrypted() {
      return safeStorage.isEncryptionAvailable();
    },
    seal(plain: string): string {
      if (!safeStorage.isEncryptionAvailable())
        throw new Error('The system keychain is not available, so secrets cannot be stored encrypted');
      return `safe:${safeStorage.encryptString(plain).toString('base64')}`;
    },
    open(sealed: string): string {
      if (sealed.startsWith('safe:')) return safeStorage.decryptString(Buffer.from(sealed.slice(5), 'base64'));
      if (sealed.startsWith('plain:')) return sealed.slice(6);
      throw new Error('A stored secret has an unknown format: enter it again in Settings');
    },
  };
}
