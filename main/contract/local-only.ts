/**
 * Methods only a person at this machine may call: the desktop app (IPC) and a core the CLI opens
 * itself serve them; the HTTP transport refuses them with 403 whoever holds the token, so the
 * token leaking on a LAN does not let anyone widen what command jobs may run.
 */
export const LOCAL_ONLY_METHODS: ReadonlySet<string> = new Set(['job-programs-allow', 'job-programs-remove']);

export function isLocalOnly(method: string): boolean {
  return LOCAL_ONLY_METHODS.has(method);
}

/** What the HTTP transport answers a local-only method with. */
export function localOnlyRefusal(method: string): string {
  return `${method} can be called only on this machine, not over the network: use the desktop app (Settings → Allowed programs) or \`hearth commands\` on the machine itself`;
}
