import type { Notification } from '#contract/index';
import type { Db, Migration } from '#core/ledger/db';
import type { Notice } from './watch.ts';

/** The event log: every notification posted, kept across restarts. */
export const notificationMigrations: Migration[] = [
  {
    id: 'notification/1',
    sql: `CREATE TABLE notification (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          at INTEGER NOT NULL,
          kind TEXT NOT NULL,
          level TEXT NOT NULL,
          title TEXT NOT NULL,
          body TEXT NOT NULL
        )`,
  },
];

export type NotificationStore = ReturnType<typeof createNotificationStore>;

export function createNotificationStore(db: Db) {
  const insert = db.prepare('INSERT INTO notification (at, kind, level, title, body) VALUES (?, ?, ?, ?, ?)');
  const list = db.prepare('SELECT id, at, kind, level, title, body FROM notification ORDER BY id DESC LIMIT ?');
  return {
    /** Stores `n` as posted at `at`; returns it with its id. */
    add(at: number, n: Notice): Notification {
      const r = insert.run(at, n.kind, n.level, n.title, n.body);
      return { id: Number(r.lastInsertRowid), at, ...n };
    },
    /** The newest `limit`, newest first. */
    list(limit: number): Notification[] {
      return (list.all(limit) as Record<string, unknown>[]).map((r) => ({
        id: Number(r['id']),
        at: Number(r['at']),
        kind: String(r['kind']) as Notification['kind'],
        level: String(r['level']) as Notification['level'],
        title: String(r['title']),
        body: String(r['body']),
      }));
    },
  };
}
