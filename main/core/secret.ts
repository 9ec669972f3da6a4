import type { SettingDef, Settings } from './setting.ts';

/**
 * Where passwords and API tokens are kept: sealed before they are stored in the ledger, opened when
 * used. The desktop shell seals with Electron's safeStorage (the OS keyring) where the OS has one;
 * headless, and on a desktop without a keyring, they are sealed with AES-256-GCM under a key file
 * in the data folder (secret-key.ts). The data folder is 0700 and its files 0600 (file-mode.ts).
 * `encrypted` tells the pages whether stored secrets are sealed.
 */
export type SecretStore = {
  readonly encrypted: boolean;
  seal(plain: string): string;
  open(sealed: string): string;
};

/** The form safeStorage seals to; only the desktop app on the same OS account can open it. */
export const SAFE_PREFIX = 'safe:';
export const SAFE_SEALED_HERE = 'This secret was encrypted by the desktop app; enter it again here';

/** Secrets stored as typed: tests, and what versions before the key file wrote (`plain:`). */
export const plainSecretStore: SecretStore = {
  encrypted: false,
  seal: (plain) => `plain:${plain}`,
  open: (sealed) => {
    if (!sealed.startsWith('plain:')) throw new Error(SAFE_SEALED_HERE);
    return sealed.slice('plain:'.length);
  },
};

/** A setting that stores sealed secrets, and how to reach each of them (a pool list has several). */
export type SealedSetting<T> = { def: SettingDef<T>; map(value: T, fn: (sealed: string) => string): T };

/** A setting with one secret, reached through its SecretField. */
export function sealedBy<T>(def: SettingDef<T>, field: SecretField<T>): SealedSetting<T> {
  return {
    def,
    map(value, fn) {
      const s = field.get(value);
      return s === null ? value : field.set(value, fn(s));
    },
  };
}

/**
 * Seals again every secret still stored as `plain:` (written before secrets were encrypted
 * headless), so none stays readable in hearth.db. A setting whose secret this store cannot seal is
 * left as it was, and the reason returned; nothing is dropped. Returns how many were sealed.
 */
export function resealPlainSecrets(
  settings: Settings,
  store: SecretStore,
  list: SealedSetting<unknown>[],
): { sealed: number; problems: string[] } {
  let count = 0;
  const problems: string[] = [];
  if (!store.encrypted) return { sealed: 0, problems };
  for (const s of list) {
    try {
      let n = 0;
      const value = settings.get(s.def);
      const next = s.map(value, (sealedText) => {
        if (!sealedText.startsWith('plain:')) return sealedText;
        n++;
        return store.seal(sealedText.slice('plain:'.length));
      });
      if (n > 0) {
        settings.set(s.def, next);
        count += n;
      }
    } catch (err) {
      problems.push(`the secrets in setting "${s.def.key}" stay as they were: ${(err as Error).message}`);
    }
  }
  return { sealed: count, problems };
}

/** Where a settings value keeps its one secret (a token, a password), if its kind has one. */
export type SecretField<T> = { name(value: T): string; get(value: T): string | null; set(value: T, secret: string): T };

const MASK = '••••';

/** The stored form: the secret sealed by the store. */
export function sealed<T>(field: SecretField<T>, value: T, store: SecretStore): T {
  const s = field.get(value);
  return s === null ? value : field.set(value, store.seal(s));
}

/** The form in use: the secret opened. Throws where this store cannot open it. */
export function opened<T>(field: SecretField<T>, value: T, store: SecretStore): T {
  const s = field.get(value);
  return s === null ? value : field.set(value, store.open(s));
}

/** The one way a secret is shown back to a page or the CLI: its last four characters after a mask. */
export function masked<T>(field: SecretField<T>, value: T): T {
  const s = field.get(value);
  return s === null ? value : field.set(value, `${MASK}${s.slice(-4)}`);
}

/**
 * A masked secret sent back by a page stands for the one in use, if that belongs to the same kind
 * of source; `mismatch` says which field to fill in otherwise.
 */
export function unmasked<T>(
  field: SecretField<T>,
  next: T,
  current: T,
  sameKind: boolean,
  mismatch: (field: string) => Error,
): T {
  const s = field.get(next);
  if (s === null || !s.startsWith(MASK)) return next;
  const old = field.get(current);
  if (old === null || !sameKind) throw mismatch(field.name(next));
  return field.set(next, old);
}
