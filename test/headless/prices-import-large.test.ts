import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { PriceImportProgress, PriceSlot } from '#contract/index';
import { apiCall, listen, root, runCli, startServe, tempDir, until } from './harness.ts';
import { writeQuarterHourPrices } from '../support/quarter-hour-prices.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});
const dir = () => {
  const d = tempDir('hearth-import-large-');
  dirs.push(d);
  return d;
};

const DAY = 86_400_000;
const SUMMARY =
  /^Imported 350592 slots of 15 min from ten-years\.csv: covers 2014-01-01 – 2023-12-31 \(UTC\); ends before today, so the live plan has no prices now/m;

describe('a 10-year quarter-hour price file (350 k rows, 12 MB) through `hearth prices import`', () => {
  const files = dir();
  const file = writeQuarterHourPrices(path.join(files, 'ten-years.csv'), 10, root);

  it('imports with the data folder opened by the command, then tariff-slots counts a month and 400 days', async () => {
    expect(file.rows).toBe(350_592);
    const dataDir = dir();
    const r = await runCli(['prices', 'import', file.file, '--use-as-tariff', '--data-dir', dataDir], { TZ: 'UTC' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(SUMMARY);
    const server = await startServe({ dataDir, env: { TZ: 'UTC' } });
    try {
      const june = Date.UTC(2020, 5, 1);
      expect(await apiCall<PriceSlot[]>(server, 'tariff-slots', { from: june, to: june + 30 * DAY })).toHaveLength(
        30 * 96,
      );
      const from = Date.UTC(2022, 0, 1);
      expect(await apiCall<PriceSlot[]>(server, 'tariff-slots', { from, to: from + 400 * DAY })).toHaveLength(400 * 96);
      // The file ends with 2023: of 400 days from December 2023 on, 31 are known.
      const december = Date.UTC(2023, 11, 1);
      const last = await apiCall<PriceSlot[]>(server, 'tariff-slots', { from: december, to: december + 400 * DAY });
      expect(last).toHaveLength(31 * 96);
      expect(last.at(-1)?.end).toBe(file.to);
    } finally {
      await server.stop();
    }
  });

  it('imports through a running `hearth serve` in chunks, its page seeing the progress', async () => {
    const server = await startServe({ env: { TZ: 'UTC' } });
    const ws = await listen(server);
    try {
      const r = await runCli(['prices', 'import', file.file, '--use-as-tariff', '--data-dir', server.dataDir], {
        TZ: 'UTC',
      });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(SUMMARY);
      const progress = () =>
        ws.events.filter((e) => e.event === 'price-import-progress').map((e) => e.payload as PriceImportProgress);
      await until('the import is done', progress, (ps) => ps.some((p) => p.phase === 'done'), 5_000);
      const parse = progress().filter((p) => p.phase === 'parse');
      expect(parse.length).toBeGreaterThan(10);
      expect(parse.at(-1)?.percent).toBe(100);
      expect(progress().at(-1)).toMatchObject({ phase: 'done', rows: 350_592, stored: 350_592 });
      const june = Date.UTC(2016, 5, 1);
      expect(await apiCall<PriceSlot[]>(server, 'tariff-slots', { from: june, to: june + 30 * DAY })).toHaveLength(
        30 * 96,
      );
    } finally {
      ws.close();
      await server.stop();
    }
  });
});
