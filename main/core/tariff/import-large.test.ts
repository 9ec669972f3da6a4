import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Events } from '#contract/index';
import { UPLOAD_CHUNK_CHARS } from '#contract/upload';
import { writeQuarterHourPrices } from '../../../test/support/quarter-hour-prices.ts';
import { PRICES_DIR } from '../../../test/fixtures/data.ts';
import { testCores } from '../../../test/support/core.ts';
import { tariffModule } from './module.ts';

const ROOT = path.resolve(PRICES_DIR, '..', '..', '..');
const cores = testCores('hearth-tariff-large-');
const DAY = 86_400_000;

async function tariffCore() {
  const c = await cores.start({ modules: [tariffModule({ cron: false })] });
  const progress: Events['price-import-progress'][] = [];
  c.events.onAny((name, payload) => {
    if (name === 'price-import-progress') progress.push(payload as Events['price-import-progress']);
  });
  return { h: c.handlers, progress };
}

describe('large price imports', () => {
  it('imports four years of quarter hours (140 k rows, 5 MB) sent inline, with no stack overflow', async () => {
    const file = writeQuarterHourPrices(path.join(cores.dir(), 'four-years.csv'), 4, ROOT);
    expect(file.rows).toBe(140_256);
    const { h } = await tariffCore();
    // Before, Math.min(...slots) in the store threw "Maximum call stack size exceeded" here.
    const r = await h['tariff-import-csv']({ csv: fs.readFileSync(file.file, 'utf8'), useAsTariff: true });
    expect(r).toMatchObject({ slots: 140_256, resolution: 15, from: file.from, to: file.to });
    const june = Date.UTC(2016, 5, 1);
    expect(await h['tariff-slots']({ from: june, to: june + 30 * DAY })).toHaveLength(30 * 96);
  });

  it('imports the same file through a chunked upload, reporting parsed and stored rows', async () => {
    const file = writeQuarterHourPrices(path.join(cores.dir(), 'four-years.csv'), 4, ROOT);
    const { h, progress } = await tariffCore();
    const text = fs.readFileSync(file.file, 'utf8');
    const { upload, chunkChars } = await h['upload-begin']({ bytes: file.bytes });
    expect(chunkChars).toBe(UPLOAD_CHUNK_CHARS);
    let offset = 0;
    for (let at = 0; at < text.length; at += chunkChars) {
      const data = text.slice(at, at + chunkChars);
      offset = (await h['upload-chunk']({ upload, offset, data })).received;
    }
    expect(offset).toBe(text.length);
    const r = await h['tariff-import-csv']({ upload, timeZone: 'Europe/Brussels' });
    expect(r.slots).toBe(file.rows);
    const parse = progress.filter((p) => p.phase === 'parse');
    // One event per piece parsed, rows and percent growing to the whole file.
    expect(parse.length).toBeGreaterThan(10);
    for (let i = 1; i < parse.length; i++) {
      expect(parse[i]!.rows).toBeGreaterThanOrEqual(parse[i - 1]!.rows);
      expect(parse[i]!.percent).toBeGreaterThanOrEqual(parse[i - 1]!.percent);
    }
    expect(parse.at(-1)).toMatchObject({ upload, percent: 100 });
    expect(progress.at(-1)).toEqual({ upload, phase: 'done', rows: file.rows, stored: file.rows, percent: 100 });
    // The upload was consumed: it cannot be imported twice.
    await expect(h['tariff-import-csv']({ upload })).rejects.toThrow(/no open upload/);
  });
});
