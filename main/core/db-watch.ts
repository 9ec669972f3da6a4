import type { Db } from './ledger/db.ts';

/** How often the ledger is asked whether another process wrote to it: a page refreshes within about this long. */
export const WATCH_INTERVAL_MS = 1500;

/**
 * Calls `onChange` after another connection (a `hearth` command on the same folder, a second app)
 * committed to the ledger. SQLite's `PRAGMA data_version` changes for a connection only when
 * ANOTHER connection commits, never for its own writes, so one tiny query a tick tells the core
 * exactly what it cannot see in memory. The timer does not keep the process alive. Returns the stop
 * function.
 */
export function watchOtherWriters(db: Db, onChange: () => void, intervalMs = WATCH_INTERVAL_MS): () => void {
  const query = db.prepare('PRAGMA data_version');
  const version = () => Number((query.get() as { data_version: number | bigint }).data_version);
  let last = version();
  const timer = setInterval(() => {
    let now: number;
    try {
      now = version();
    } catch {
      // The ledger is closing or busy for a moment: the next tick asks again.
      return;
    }
    if (now === last) return;
    last = now;
    onChange();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * A module's `reload` that acts only when the domain's own rows changed: `fingerprint` reads them
 * (settings, a few rows: cheap), and `act` runs when it differs from the last one seen, so a write
 * the domain does not hold (a `hearth train` storing its progress, telemetry) does nothing. The
 * domain calls `seen()` after its own writes (on its own events), else the next foreign write of
 * anything would look like a change of its own rows.
 */
export function rowWatch(fingerprint: () => string, act: () => void): { reload(): void; seen(): void } {
  let last = fingerprint();
  return {
    reload() {
      const now = fingerprint();
      if (now === last) return;
      last = now;
      act();
    },
    seen() {
      last = fingerprint();
    },
  };
}
