import type { LanDeviceKind } from '#contract/index';
import type { Db, Migration } from '#core/ledger/db';

/** The LAN heater-miners the user added; their readings are kept in memory only. */
export const deviceMigrations: Migration[] = [
  {
    id: 'device/1',
    sql: `CREATE TABLE lan_device (
          id TEXT PRIMARY KEY,
          kind TEXT NOT NULL,
          name TEXT NOT NULL,
          host TEXT NOT NULL,
          port INTEGER NOT NULL,
          added_at INTEGER NOT NULL,
          UNIQUE (host, port)
        )`,
  },
];

export type StoredDevice = {
  id: string;
  kind: LanDeviceKind;
  name: string;
  host: string;
  port: number;
  addedAt: number;
};

export type DeviceStore = ReturnType<typeof createDeviceStore>;

export function createDeviceStore(db: Db) {
  const insert = db.prepare('INSERT INTO lan_device (id, kind, name, host, port, added_at) VALUES (?, ?, ?, ?, ?, ?)');
  const all = db.prepare('SELECT id, kind, name, host, port, added_at FROM lan_device ORDER BY added_at, id');
  const byAddress = db.prepare('SELECT id FROM lan_device WHERE host = ? AND port = ?');
  const remove = db.prepare('DELETE FROM lan_device WHERE id = ?');
  const rename = db.prepare('UPDATE lan_device SET name = ? WHERE id = ?');
  return {
    add(d: StoredDevice): void {
      insert.run(d.id, d.kind, d.name, d.host, d.port, d.addedAt);
    },
    list(): StoredDevice[] {
      return (all.all() as Record<string, unknown>[]).map((r) => ({
        id: String(r['id']),
        kind: String(r['kind']) as LanDeviceKind,
        name: String(r['name']),
        host: String(r['host']),
        port: Number(r['port']),
        addedAt: Number(r['added_at']),
      }));
    },
    /** The id of the device added at this address, if any. */
    at(host: string, port: number): string | null {
      const r = byAddress.get(host, port) as { id: string } | undefined;
      return r?.id ?? null;
    },
    /** Whether a device was removed. */
    remove(id: string): boolean {
      return remove.run(id).changes > 0;
    },
    rename(id: string, name: string): boolean {
      return rename.run(name, id).changes > 0;
    },
  };
}
