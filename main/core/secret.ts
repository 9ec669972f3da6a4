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
    if (!sealed.startsWith('plain:')) throw new Error('This secret was encrypted by the desktop app; enter it again here');
    return sealed.slice('plain:'.length);
  },
};
