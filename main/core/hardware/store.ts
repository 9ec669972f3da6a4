import type { DaySummary } from '#contract/index';
import { inTransaction, type Db, type Migration } from '#core/ledger/db';

export const hardwareMigrations: Migration[] = [
  {
    id: 'hardware/1',
    sql: `
      CREATE TABLE telemetry_sample (
        at INTEGER NOT NULL,            -- end of the window, ms since epoch UTC
        window_ms INTEGER NOT NULL,
        device_id TEXT NOT NULL,
        energy_wh REAL NOT NULL,        -- integrated over the window
        mean_power_w REAL,
        peak_power_w REAL,
        power_source TEXT,              -- measured-rapl | measured-gpu-driver | estimate
        load_pct REAL,
        temperature_c REAL,
        PRIMARY KEY (device_id, at)
      ) WITHOUT ROWID;
      CREATE INDEX telemetry_sample_at ON telemetry_sample (at);
      CREATE TABLE energy_day (
        day TEXT NOT NULL,              -- YYYY-MM-DD in the user's time zone
        device_id TEXT NOT NULL,
        energy_kwh REAL NOT NULL,
        heat_kwh REAL NOT NULL,         -- electrical energy drawn becomes heat in the room
        peak_power_w REAL NOT NULL,
        samples INTEGER NOT NULL,
        PRIMARY KEY (day, device_id)
      ) WITHOUT ROWID;
    `,
  },
];

export type SampleRow = {
  at: number;
  windowMs: number;
  deviceId: string;
  energyWh: number;
  meanPowerW: number | null;
  peakPowerW: number | null;
  powerSource: string | null;
  loadPct: number | null;
  temperatureC: number | null;
};

/** Stores one window of samples and adds it to the day's rollup, atomically. */
export function createTelemetryStore(db: Db) {
  const insert = db.prepare(
    `INSERT OR REPLACE INTO telemetry_sample (at, window_ms, device_id, energy_wh, mean_power_w, peak_power_w, power_source, load_pct, temperature_c)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const upsertDay = db.prepare(
    `INSERT INTO energy_day (day, device_id, energy_kwh, heat_kwh, peak_power_w, samples) VALUES (?, ?, ?, ?, ?, 1)
     ON CONFLICT(day, device_id) DO UPDATE SET
       energy_kwh = energy_kwh + excluded.energy_kwh,
       heat_kwh = heat_kwh + excluded.heat_kwh,
       peak_power_w = MAX(peak_power_w, excluded.peak_power_w),
       samples = samples + 1`,
  );
  const daysStmt = db.prepare(
    'SELECT day, device_id, energy_kwh, heat_kwh, peak_power_w, samples FROM energy_day WHERE day >= ? ORDER BY day DESC, device_id',
  );
  const dayStmt = db.prepare(
    'SELECT device_id, energy_kwh, heat_kwh, peak_power_w, samples FROM energy_day WHERE day = ?',
  );
  const toSummary = (r: Record<string, unknown>, day?: string): DaySummary => ({
    day: day ?? String(r['day']),
    deviceId: String(r['device_id']),
    energyKWh: Number(r['energy_kwh']),
    heatKWh: Number(r['heat_kwh']),
    peakPowerW: Number(r['peak_power_w']),
    samples: Number(r['samples']),
  });
  return {
    write(day: string, rows: SampleRow[]): void {
      inTransaction(db, () => {
        for (const r of rows) {
          insert.run(
            r.at,
            r.windowMs,
            r.deviceId,
            r.energyWh,
            r.meanPowerW,
            r.peakPowerW,
            r.powerSource,
            r.loadPct,
            r.temperatureC,
          );
          const kwh = r.energyWh / 1000;
          upsertDay.run(day, r.deviceId, kwh, kwh, r.peakPowerW ?? 0);
        }
      });
    },
    daysSince(firstDay: string): DaySummary[] {
      return (daysStmt.all(firstDay) as Record<string, unknown>[]).map((r) => toSummary(r));
    },
    day(day: string): DaySummary[] {
      return (dayStmt.all(day) as Record<string, unknown>[]).map((r) => toSummary(r, day));
    },
  };
}

export type TelemetryStore = ReturnType<typeof createTelemetryStore>;
