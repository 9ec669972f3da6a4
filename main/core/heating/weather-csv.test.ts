import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WEATHER_DIR } from '../../../test/fixtures/data.ts';
import { parseWeatherCsv, weatherAt } from './weather-csv.ts';

const H = 3_600_000;

describe('weather CSV reader', () => {
  it('reads time,temp_c with zoned ISO times', () => {
    const pts = parseWeatherCsv('time,temp_c\n2023-01-01T00:00:00Z,4.5\n2023-01-01T02:00:00+01:00,-1\n\n');
    expect(pts).toEqual([
      { at: Date.UTC(2023, 0, 1, 0), c: 4.5 },
      { at: Date.UTC(2023, 0, 1, 1), c: -1 },
    ]);
  });

  it("reads Open-Meteo's export: local times in its timezone column, °F converted, empty hours skipped", () => {
    const csv = [
      'latitude,longitude,elevation,utc_offset_seconds,timezone,timezone_abbreviation',
      '50.85,4.35,28.0,3600,Europe/Brussels,GMT+1',
      '',
      'time,temperature_2m (°F),relative_humidity_2m (%)',
      '2023-03-26T01:00,32.0,80',
      '2023-03-26T03:00,41.0,81',
      '2023-03-26T04:00,,82',
    ].join('\n');
    const pts = parseWeatherCsv(csv, 'om.csv');
    // 01:00 CET is 00:00 UTC; 03:00 CEST (after the spring change) is 01:00 UTC.
    expect(pts.map((p) => p.at)).toEqual([Date.UTC(2023, 2, 26, 0), Date.UTC(2023, 2, 26, 1)]);
    expect(pts[0]?.c).toBeCloseTo(0, 12);
    expect(pts[1]?.c).toBeCloseTo(5, 12);
    // Without the location block the times are GMT, Open-Meteo's default.
    expect(parseWeatherCsv('time,temperature_2m (°C)\n2023-01-01T00:00,3.1\n')).toEqual([
      { at: Date.UTC(2023, 0, 1), c: 3.1 },
    ]);
  });

  it('names the file and line of a bad row', () => {
    expect(() => parseWeatherCsv('date,temp\n', 'w.csv')).toThrow(/w.csv line 1: first line must be "time,temp_c"/);
    expect(() => parseWeatherCsv('time,temp_c\n2023-01-01T00:00:00Z,1\n2023-01-01T01:00,2\n', 'w.csv')).toThrow(
      /w.csv line 3: expected an ISO time with its zone/,
    );
    expect(() => parseWeatherCsv('time,temp_c\n2023-01-01T00:00:00Z,warm\n', 'w.csv')).toThrow(
      /w.csv line 2: temperature "warm" is not a number/,
    );
    expect(() => parseWeatherCsv('time,temp_c\n2023-01-01T00:00:00Z,\n', 'w.csv')).toThrow(
      /w.csv line 2: no temperature/,
    );
    expect(() => parseWeatherCsv('time,temp_c\n2023-01-01T00:00:00Z,95\n', 'w.csv')).toThrow(
      /w.csv line 2: 95 °C is not an outdoor temperature/,
    );
    expect(() => parseWeatherCsv('time,temp_c\n2023-01-01T01:00:00Z,1\n2023-01-01T00:00:00Z,1\n', 'w.csv')).toThrow(
      /w.csv line 3: times must increase/,
    );
    expect(() => parseWeatherCsv('time,temp_c\n', 'w.csv')).toThrow(/w.csv: no temperatures/);
    expect(() => parseWeatherCsv('latitude,timezone\n1,Mars/Olympus\n\ntime,temperature_2m (°C)\n', 'w.csv')).toThrow(
      /w.csv line 2: unknown time zone "Mars\/Olympus"/,
    );
  });

  it('interpolates between points, holds an hour past the ends, and does not bridge gaps over 3 h', () => {
    const t0 = Date.UTC(2023, 0, 1);
    const at = weatherAt([
      { at: t0, c: 0 },
      { at: t0 + H, c: 4 },
      { at: t0 + 6 * H, c: 10 },
    ]);
    expect(at(t0 + H / 2)).toBeCloseTo(2, 12);
    expect(at(t0 - H)).toBe(0);
    expect(at(t0 - H - 1)).toBeNull();
    expect(at(t0 + 3 * H)).toBeNull();
    expect(at(t0 + 7 * H)).toBe(10);
  });

  it('reads the synthetic January fixture as its formula says', () => {
    const pts = parseWeatherCsv(fs.readFileSync(path.join(WEATHER_DIR, 'synthetic-2023-01.csv'), 'utf8'));
    expect(pts).toHaveLength(744);
    const at = weatherAt(pts);
    expect(at(Date.UTC(2023, 0, 5, 15))).toBeCloseTo(19, 9);
    expect(at(Date.UTC(2023, 0, 25, 3))).toBeCloseTo(-5, 9);
  });
});
