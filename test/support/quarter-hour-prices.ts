import fs from 'node:fs';
import path from 'node:path';

/** The real Belgian day-ahead prices the tests and benchmarks build on (one file per year). */
export const BE_PRICES = ['2022', '2023'].map((y) => path.join('test', 'fixtures', 'prices', `be-day-ahead-${y}.csv`));

export type GeneratedPrices = { file: string; rows: number; bytes: number; from: number; to: number };

/**
 * Writes `years` years of quarter-hour prices from 2014-01-01T00:00Z on, made of the real 2022 and
 * 2023 hourly prices taken in turn (each hour's price for its four quarters, the year shifted to
 * its place), as `start_utc,eur_per_kwh`. Ten years are 350,592 rows, about 12 MB. `root` is the
 * repository (where the fixtures live).
 */
export function writeQuarterHourPrices(file: string, years: number, root = '.'): GeneratedPrices {
  const bases = BE_PRICES.map((f) =>
    fs
      .readFileSync(path.join(root, f), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.slice(l.indexOf(',') + 1)),
  );
  const from = Date.UTC(2014, 0, 1);
  const to = Date.UTC(2014 + years, 0, 1);
  const fd = fs.openSync(file, 'w');
  let rows = 0;
  let bytes = 0;
  let buf: string[] = ['start_utc,eur_per_kwh'];
  const flush = () => {
    const text = `${buf.join('\n')}\n`;
    fs.writeSync(fd, text);
    bytes += Buffer.byteLength(text);
    buf = [];
  };
  try {
    for (let y = 0; y < years; y++) {
      const base = bases[y % bases.length]!;
      const start = Date.UTC(2014 + y, 0, 1);
      const end = Date.UTC(2015 + y, 0, 1);
      for (let t = start; t < end; t += 900_000) {
        const hour = Math.floor((t - start) / 3_600_000);
        // A leap year has 24 hours more than the base year: they repeat its last day.
        const price = base[hour < base.length ? hour : hour - 24]!;
        buf.push(`${new Date(t).toISOString().slice(0, 19)}Z,${price}`);
        rows++;
        if (buf.length >= 10_000) flush();
      }
    }
    flush();
  } finally {
    fs.closeSync(fd);
  }
  return { file, rows, bytes, from, to };
}
