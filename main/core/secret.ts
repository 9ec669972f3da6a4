/**
 * Where passwords and API tokens are kept. The desktop shell supplies one backed by Electron's
 * safeStorage (OS keychain); headless, secrets are stored as they are in the ledger, which lives
 * in a folder only the user can read, and `encrypted` says so in the UI.
 */
export type SecretStore = {
  readonly encrypted: boolean;
  seal(plain: string): string;
  open(sealed: string): string;
};

export const plainSecretStore: SecretStore = {
  encrypted: false,
  seal: (plain) => `plain:${plain}`,
  open: (sealed) => {
    if (!sealed.startsWith('plain:'))
      throw new Error('This secret was encrypted by the desktop app; enter it again here');
    return sealed.slice('plain:'.length);
  },
};

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
