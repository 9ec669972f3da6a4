import type { DeviceZone, LanDeviceKind } from '#contract/index';
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
  {
    // Where its heat goes and how often it may start and stop (the planner's minimum run and pause).
    id: 'device/2',
    sql: `ALTER TABLE lan_device ADD COLUMN zone TEXT NOT NULL DEFAULT 'home';
          ALTER TABLE lan_device ADD COLUMN min_run_min INTEGER;
          ALTER TABLE lan_device ADD COLUMN min_pause_min INTEGER;`,
  },
];

/**
 * Minimum run and pause by kind until the user sets them, minutes: a Bitaxe restarts hashing in
 * seconds; an Avalon heater's soft-off and a Braiins OS pause take a minute or more to come back
 * and their fans cycle, so they are not started and stopped every slot.
 */
export const DEFAULT_MIN_MINUTES: Record<LanDeviceKind, { run: number; pause: number }> = {
  axeos: { run: 15, pause: 15 },
  cgminer: { run: 30, pause: 30 },
  braiins: { run: 60, pause: 30 },
};

export type StoredDevice = {
  id: string;
  kind: LanDeviceKind;
  name: string;
  host: string;
  port: number;
  addedAt: number;
  zone: DeviceZone;
  minRunMin: number;
  minPauseMin: number;
};

export type DeviceStore = ReturnType<typeof createDeviceStore>;

export function createDeviceStore(db: Db) {
  const insert = db.prepare(
    'INSERT INTO lan_device (id, kind, name, host, port, added_at, zone, min_run_min, min_pause_min) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const all = db.prepare(
    'SELECT id, kind, name, host, port, added_at, zone, min_run_min, min_pause_min FROM lan_device ORDER BY added_at, id',
  );
  const configure = db.prepare(
    'UPDATE lan_device SET name = ?, zone = ?, min_run_min = ?, min_pause_min = ? WHERE id = ?',
  );
  const byAddress = db.prepare('SELECT id FROM lan_device WHERE host = ? AND port = ?');
  const remove = db.prepare('DELETE FROM lan_device WHERE id = ?');
  const rename = db.prepare('UPDATE lan_device SET name = ? WHERE id = ?');
  return {
    add(d: StoredDevice): void {
      insert.run(d.id, d.kind, d.name, d.host, d.port, d.addedAt, d.zone, d.minRunMin, d.minPauseMin);
    },
    list(): StoredDevice[] {
      return (all.all() as Record<string, unknown>[]).map((r) => {
        const kind = String(r['kind']) as LanDeviceKind;
        const def = DEFAULT_MIN_MINUTES[kind] ?? { run: 15, pause: 15 };
        return {
          id: String(r['id']),
          kind,
          name: String(r['name']),
          host: String(r['host']),
          port: Number(r['port']),
          addedAt: Number(r['added_at']),
          zone: r['zone'] === 'unheated' ? 'unheated' : 'home',
          minRunMin: r['min_run_min'] === null ? def.run : Number(r['min_run_min']),
          minPauseMin: r['min_pause_min'] === null ? def.pause : Number(r['min_pause_min']),
        };
      });
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
    configure(d: Pick<StoredDevice, 'id' | 'name' | 'zone' | 'minRunMin' | 'minPauseMin'>): boolean {
      return configure.run(d.name, d.zone, d.minRunMin, d.minPauseMin, d.id).changes > 0;
    },
  };
}
