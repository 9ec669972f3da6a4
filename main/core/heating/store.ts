import { inTransaction, type Db, type Migration } from '#core/ledger/db';
import type { TemperatureReading } from '#contract/heating';
import type { ForecastPoint } from './source/open-meteo.ts';

export const heatingMigrations: Migration[] = [
  {
    id: 'heating/1',
    sql: `
      CREATE TABLE indoor_reading (
        at INTEGER NOT NULL PRIMARY KEY,  -- ms since epoch UTC
        c REAL NOT NULL,
        source TEXT NOT NULL              -- manual | home-assistant | mqtt | http-json
      );
      CREATE TABLE outdoor_forecast (
        at INTEGER NOT NULL PRIMARY KEY,  -- start of the hour, ms since epoch UTC
        c REAL NOT NULL,
        fetched_at INTEGER NOT NULL
      );
    `,
  },
  {
    id: 'heating/2',
    // The PC's heat output when each reading was taken, for the heat-loss estimate.
    sql: 'ALTER TABLE indoor_reading ADD COLUMN heat_w REAL',
  },
];

/** Indoor readings (kept for the heat-loss estimate and the sensor's age) and the forecast cache. */
export function createHeatingStore(db: Db) {
  const insReading = db.prepare('INSERT OR REPLACE INTO indoor_reading (at, c, source, heat_w) VALUES (?, ?, ?, ?)');
  const logged = db.prepare(
    'SELECT at, c, heat_w FROM indoor_reading WHERE at >= ? AND heat_w IS NOT NULL ORDER BY at',
  );
  const lastReading = db.prepare('SELECT at, c, source FROM indoor_reading ORDER BY at DESC LIMIT 1');
  const countBetween = db.prepare('SELECT COUNT(*) AS n FROM indoor_reading WHERE at >= ? AND at < ?');
  // Every k-th row: row_number() in the window keeps the thinning in SQL, not a year of rows in memory.
  const thinned = db.prepare(`
    SELECT at, c, source FROM (
      SELECT at, c, source, ROW_NUMBER() OVER (ORDER BY at) - 1 AS i FROM indoor_reading WHERE at >= ? AND at < ?
    ) WHERE i % ? = 0 ORDER BY at`);
  const delForecast = db.prepare('DELETE FROM outdoor_forecast WHERE at >= ? AND at <= ?');
  const insForecast = db.prepare('INSERT OR REPLACE INTO outdoor_forecast (at, c, fetched_at) VALUES (?, ?, ?)');
  const forecast = db.prepare('SELECT at, c FROM outdoor_forecast WHERE at >= ? ORDER BY at');
  const fetched = db.prepare('SELECT MAX(fetched_at) AS f, MAX(at) AS until FROM outdoor_forecast');
  return {
    addReading(r: TemperatureReading, heatW: number | null = null): void {
      insReading.run(r.at, r.c, r.source, heatW);
    },
    /** Readings that have the PC's heat output logged with them. */
    loggedSince(from: number): { at: number; c: number; heatW: number }[] {
      return (logged.all(from) as Record<string, unknown>[]).map((r) => ({
        at: Number(r['at']),
        c: Number(r['c']),
        heatW: Number(r['heat_w']),
      }));
    },
    /** Readings in [from, to), oldest first; every k-th when there are more than `max`. */
    readings(from: number, to: number, max: number): TemperatureReading[] {
      const n = Number((countBetween.get(from, to) as Record<string, unknown>)['n']);
      const step = Math.max(1, Math.ceil(n / max));
      return (thinned.all(from, to, step) as Record<string, unknown>[]).map((r) => ({
        at: Number(r['at']),
        c: Number(r['c']),
        source: String(r['source']) as TemperatureReading['source'],
      }));
    },
    lastReading(): TemperatureReading | null {
      const r = lastReading.get() as Record<string, unknown> | undefined;
      return r
        ? { at: Number(r['at']), c: Number(r['c']), source: String(r['source']) as TemperatureReading['source'] }
        : null;
    },
    putForecast(points: ForecastPoint[], fetchedAt: number): void {
      if (points.length === 0) return;
      inTransaction(db, () => {
        delForecast.run(points[0]!.at, points[points.length - 1]!.at);
        for (const p of points) insForecast.run(p.at, p.c, fetchedAt);
      });
    },
    forecastSince(from: number): ForecastPoint[] {
      return (forecast.all(from) as Record<string, unknown>[]).map((r) => ({ at: Number(r['at']), c: Number(r['c']) }));
    },
    forecastFetched(): { fetchedAt: number | null; until: number | null } {
      const r = fetched.get() as Record<string, unknown>;
      return {
        fetchedAt: r['f'] === null ? null : Number(r['f']),
        until: r['until'] === null ? null : Number(r['until']),
      };
    },
  };
}

export type HeatingStore = ReturnType<typeof createHeatingStore>;
