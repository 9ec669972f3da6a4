import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { localDay } from '#core/time';
import { CsvError, parseCsv } from './csv.ts';
import { PRICES_DIR } from '../../../../test/fixtures/data.ts';
import { priceFileStats } from '../../../../test/support/price-file.ts';

const DATA = PRICES_DIR;

function errorOf(fn: () => unknown): CsvError {
  try {
    fn();
  } catch (err) {
    if (err instanceof CsvError) return err;
    throw err;
  }
  throw new Error('expected a CsvError');
}

describe('CSV import', () => {
  for (const year of [2022, 2023]) {
    it(`imports be-day-ahead-${year}.csv as it is: 8,760 hourly slots, same mean, min and max`, () => {
      const file = path.join(DATA, `be-day-ahead-${year}.csv`);
      const parsed = parseCsv(fs.readFileSync(file, 'utf8'));
      const ref = priceFileStats(file);
      expect(parsed.slots).toHaveLength(8760);
      expect(ref.n).toBe(8760);
      expect(parsed.resolution).toBe(60);
      expect(parsed.currency).toBe('EUR');
      const spots = parsed.slots.map((s) => s.spot);
      expect(spots.reduce((a, b) => a + b, 0) / spots.length).toBeCloseTo(ref.mean, 12);
      expect(Math.min(...spots)).toBe(ref.min);
      expect(Math.max(...spots)).toBe(ref.max);
      // Every slot is one hour and they tile the year without gaps.
      for (let i = 1; i < parsed.slots.length; i++) expect(parsed.slots[i]?.start).toBe(parsed.slots[i - 1]?.end);
    });
  }

  it('puts 23 slots on the spring clock-change day and 25 on the autumn one (Europe/Brussels)', () => {
    const parsed = parseCsv(fs.readFileSync(path.join(DATA, 'be-day-ahead-2022.csv'), 'utf8'));
    const perDay = new Map<string, number>();
    for (const s of parsed.slots) {
      const key = localDay(s.start, 'Europe/Brussels').key;
      perDay.set(key, (perDay.get(key) ?? 0) + 1);
    }
    expect(perDay.get('2022-03-27')).toBe(23);
    expect(perDay.get('2022-10-30')).toBe(25);
    expect(perDay.get('2022-06-01')).toBe(24);
    expect(perDay.size).toBe(365);
  });

  it('reads local times in a given zone, the repeated autumn hour in order', () => {
    const rows = ['00', '01', '02', '02', '03'].map((h, i) => `2022-10-30 ${h}:00;${(10 + i) * 10},5`);
    const parsed = parseCsv(`time;price EUR/MWh\n${rows.join('\n')}\n`, { timeZone: 'Europe/Brussels' });
    expect(parsed.slots.map((s) => new Date(s.start).toISOString())).toEqual([
      '2022-10-29T22:00:00.000Z',
      '2022-10-29T23:00:00.000Z',
      '2022-10-30T00:00:00.000Z',
      '2022-10-30T01:00:00.000Z',
      '2022-10-30T02:00:00.000Z',
    ]);
    expect(parsed.slots[0]?.spot).toBeCloseTo(0.1005, 10);
  });

  it('takes 15-minute rows and a unit column', () => {
    const csv =
      'start,price,unit\n2025-10-01T00:00:00Z,12.5,ct/kWh\n2025-10-01T00:15:00Z,80,EUR/MWh\n2025-10-01T00:30:00Z,0.09,EUR/kWh\n';
    const parsed = parseCsv(csv);
    expect(parsed.resolution).toBe(15);
    expect(parsed.slots.map((s) => s.spot)).toEqual([0.125, 0.08, 0.09]);
    expect(parsed.slots[0]?.end).toBe(Date.parse('2025-10-01T00:15:00Z'));
  });

  it('names every bad row by its line number', () => {
    const csv =
      'start_utc,eur_per_kwh\n2023-01-01T00:00:00Z,0.1\n2023-01-01T01:00:00Z,abc\n\n2023-01-01T02:00,0.1\n2023-13-01T03:00:00Z,0.1\n';
    const err = errorOf(() => parseCsv(csv));
    expect(err.problems).toEqual([
      'line 3: price "abc" is not a number',
      expect.stringContaining('line 5: "2023-01-01T02:00" has no time zone'),
      expect.stringContaining('line 6: "2023-13-01T03:00:00Z" is not a date and time'),
    ]);
    expect(err.message).toContain('nothing stored changed');
  });

  it('refuses a missing unit, a repeated start, an odd spacing and an implausible price', () => {
    expect(errorOf(() => parseCsv('start,price\n2023-01-01T00:00:00Z,1\n')).message).toContain('--unit');
    expect(parseCsv('start,price\n2023-01-01T00:00:00Z,100\n', { unit: 'per-mwh' }).slots[0]?.spot).toBe(0.1);
    expect(
      errorOf(() => parseCsv('start,eur_per_kwh\n2023-01-01T00:00:00Z,1\n2023-01-01T00:00:00Z,2\n')).problems[0],
    ).toBe('line 3: the start 2023-01-01T00:00:00.000Z repeats line 2');
    expect(
      errorOf(() => parseCsv('start,eur_per_kwh\n2023-01-01T00:00:00Z,1\n2023-01-01T00:20:00Z,2\n')).message,
    ).toContain('20 minutes apart');
    expect(
      errorOf(() => parseCsv('start,eur_per_kwh\n2023-01-01T00:00:00Z,95.2\n2023-01-01T01:00:00Z,101\n')).problems[0],
    ).toContain('line 3: 101 per kWh');
    expect(errorOf(() => parseCsv('when,what\n1,2\n')).problems[0]).toContain('line 1: the header');
    expect(errorOf(() => parseCsv('')).message).toContain('no header');
  });
});
