import path from 'node:path';
import { call, expect, test } from './fixture.ts';
import { openPage, save } from './page.ts';
import { root, tempDir } from '../headless/harness.ts';
import { writeQuarterHourPrices } from '../support/quarter-hour-prices.ts';

const DAY = 86_400_000;

test('a 10-year quarter-hour price file (12 MB) imports from the Schedules page in chunks, with progress', async ({
  page,
  server,
}) => {
  test.setTimeout(120_000);
  const file = writeQuarterHourPrices(path.join(tempDir('hearth-e2e-import-'), 'ten-years.csv'), 10, root);
  // The page must never send one body over the server's 1 MB limit.
  const bodies: number[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/api/')) bodies.push(r.postDataBuffer()?.length ?? 0);
  });
  await openPage(page, server, 'Schedules');
  await page.getByTestId('tariff-kind').selectOption('csv');
  await save(page, 'tariff');
  await page.getByTestId('csv-file').setInputFiles(file.file);
  await expect(page.getByTestId('csv-progress')).toContainText(/(sending|reading rows|storing): [\d,]+ rows, \d+ %/);
  await expect(page.getByTestId('csv-result')).toContainText(
    'ten-years.csv: 350,592 slots of 15 min over 10 years, covers 2014-01-01 – 2023-12-31',
    { timeout: 90_000 },
  );
  await expect(page.getByTestId('csv-progress')).toHaveCount(0);
  const uploads = bodies.filter((b) => b > 60_000);
  expect(uploads.length).toBeGreaterThan(100);
  expect(Math.max(...bodies)).toBeLessThan(1024 * 1024);
  const june = Date.UTC(2019, 5, 1);
  const slots = await call(page, 'tariff-slots', { from: june, to: june + 30 * DAY });
  expect((slots.result as unknown[]).length).toBe(30 * 96);
});
