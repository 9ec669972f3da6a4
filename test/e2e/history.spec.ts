import fs from 'node:fs';
import os from 'node:os';
import { allowProgram } from '#core/job/allow-list';
import { call, expect, testWithLedger } from './fixture.ts';
import { cspViolations, hoverChart, plotOf } from './chart.ts';
import { ledgerCsv } from './ledger-csv.ts';
import { openPage } from './page.ts';

const DAY = 86_400_000;

/**
 * A year of 15-minute slots up to today's midnight, in UTC: the CPU at 1 kW in every slot (250 Wh),
 * 0.30 EUR/kWh (0.075 a slot), 0.0025 heat credit and 0.000000042 revenue a slot — a CPU miner's
 * honest share. Two days ago a GPU drew 2 kW as well, so that day stands out from its neighbours.
 */
function yearCsv(now: number): string {
  const today = Math.floor(now / DAY) * DAY;
  const cpu = ledgerCsv(
    today - 365 * DAY,
    today,
    'cpu,mining,0.25,measured,0.25,0.1,EUR,0.3,0.075,0.0025,0.000000042,0,0,0',
  );
  const gpu = ledgerCsv(today - 2 * DAY, today - DAY, 'gpu0,,0.5,measured,0.5,0,EUR,0.3,0.15,0,0,0,0,0');
  return cpu + gpu.split('\n').slice(1).join('\n');
}

/** `hearth serve` in UTC over a data folder that already holds a year of ledger rows. */
const test = testWithLedger(yearCsv, 365 * 96 + 96);

const dayKey = (ms: number) => new Date(ms).toISOString().slice(0, 10);

test('History steps through days, weeks and years with the change against the period before, on a chart with a time axis', async ({
  page,
  server,
}) => {
  const csp = await cspViolations(page);
  await openPage(page, server, 'History');
  const today = Math.floor(Date.now() / DAY) * DAY;
  const yesterday = dayKey(today - DAY);
  const label = page.getByTestId('period-label');
  await expect(page.getByTestId('period-week')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('period-current')).toBeDisabled();
  await expect(page.getByTestId('period-next')).toBeDisabled();

  // Yesterday, hour by hour: the hourly rows and the totals in one unit (kWh, since the day is 24 kWh).
  await page.getByTestId('period-day').click();
  await expect(page.getByTestId('period-current')).toHaveText('Today');
  await page.getByTestId('period-prev').click();
  await expect(label).toHaveText(
    new Date(today - DAY).toLocaleDateString('en-US', {
      timeZone: 'UTC',
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      year: 'numeric',
    }),
  );
  const table = page.getByTestId('history-table');
  await expect(table.locator('tbody tr')).toHaveCount(24);
  await expect(page.getByTestId(`bucket-${yesterday}T05`).locator('[data-col="energy"]')).toHaveText('1.000 kWh');
  const total = page.getByTestId('history-total');
  // 96 slots × 250 Wh; 96 × 0.075 EUR; heat credit 96 × 0.0025; revenue 96 × 0.000000042.
  await expect(total.locator('[data-col="energy"]')).toHaveText(/^24(\.000)? kWh$/);
  await expect(total.locator('[data-col="cost"]')).toHaveText(/7\.20/);
  await expect(total.locator('[data-col="heat-credit"]')).toHaveText(/0\.24/);
  // Tiny revenue is shown, not rounded to zero: 0.000004032 EUR.
  await expect(total.locator('[data-col="revenue"]')).toHaveText(/0\.0000040/);
  await expect(total.locator('[data-col="net"]')).toHaveText(/^[-−].*6\.96/);
  // The day before held the GPU's 48 kWh too: 24 against 72 kWh, and 7.20 against 21.60 EUR.
  await expect(page.getByTestId('history-energy-compare')).toHaveText('−67 % vs the day before (72.000 kWh)');
  await expect(page.getByTestId('history-cost-compare')).toHaveText(/^−67 % vs the day before \(€21\.60\)$/);

  // The chart: hours of that day on a time axis in the ledger's zone, energy in kWh.
  const chart = page.getByTestId('history-energy-chart');
  await expect(plotOf(chart)).toHaveAttribute(
    'aria-label',
    /^Heat per hour, \w{3}, \w{3} \d+, 12:00 AM to \w{3}, \w{3} \d+, 12:00 AM \(UTC\)\. heat that met demand \(kWh\): 0\.400 kWh throughout\. other heat \(kWh\): 0\.600 kWh throughout\.$/,
  );
  await expect(plotOf(chart)).toHaveAttribute('data-x-ticks', /\d\d:\d\d (AM|PM)/);
  await expect(plotOf(chart)).toHaveAttribute('data-y-ticks-energy', / kWh$/);
  await hoverChart(chart, 0.52);
  await expect(chart.locator('.u-legend')).toContainText(/12:\d\d PM/);
  await expect(chart.locator('.u-legend')).toContainText('0.600 kWh');

  // One day further back: the GPU's day, against a CPU-only day; its share per device.
  await page.getByTestId('period-prev').click();
  await expect(page.getByTestId('history-energy-compare')).toHaveText('+200 % vs the day before (24.000 kWh)');
  await expect(page.getByTestId('history-energy').locator('.stat-value')).toHaveText('72.000 kWh');
  const gpu = page.getByTestId('history-devices').locator('li[data-device="gpu0"]');
  await expect(gpu).toContainText('66.7 % · 48.000 kWh · €14.40');
  await expect(page.getByTestId('period-next')).toBeEnabled();
  await page.getByTestId('period-next').click();
  await expect(page.getByTestId('history-energy-compare')).toContainText('−67 %');

  // The export covers the day shown, every digit kept: net = 0.000004032 + 0.24 − 7.2.
  const download = page.waitForEvent('download');
  await page.getByTestId('export-days').click();
  const lines = fs
    .readFileSync(await (await download).path(), 'utf8')
    .trim()
    .split('\n');
  expect(lines).toHaveLength(2);
  expect(lines[1]).toBe(`${yesterday},24,24,0,24,9.6,EUR,7.2,0,0,0.24,0.000004032,0,0,-6.959995968,96`);

  // The year so far, a bar per month.
  const t0 = Date.now();
  await page.getByTestId('period-year').click();
  await expect(label).toHaveText(String(new Date().getUTCFullYear()));
  await expect(table.locator('tbody tr')).toHaveCount(new Date(today - DAY).getUTCMonth() + 1);
  console.log(`History page: a year by month rendered in ${Date.now() - t0} ms (click to table) in Chromium`);
  await expect(plotOf(page.getByTestId('history-money-chart'))).toHaveAttribute('data-x-ticks', /[A-Z][a-z]{2}/);

  // Two years back nothing is booked: the page says so and what to do, not an empty axis.
  await page.getByTestId('period-prev').click();
  await page.getByTestId('period-prev').click();
  await expect(label).toHaveText(String(new Date().getUTCFullYear() - 2));
  await expect(page.getByTestId('history-energy-chart-empty')).toContainText(
    'Nothing booked in this period. Hearth books energy, cost and heat while a job or the miner runs',
  );
  await expect(page.getByTestId('history-energy-compare')).toHaveText('nothing booked the year before');
  await page.getByTestId('period-current').click();
  await expect(label).toHaveText(String(new Date().getUTCFullYear()));
  expect(csp).toEqual([]);
});

test('a failed job shows a toast and lands in the event log', async ({ page, server }) => {
  await openPage(page, server, 'History');
  await expect(page.getByTestId('history-table')).toBeVisible();
  allowProgram(server.dataDir, process.execPath, 0);
  const created = await call(page, 'job-create', {
    name: 'doomed',
    spec: { kind: 'command', command: [process.execPath, '-e', 'process.exit(3)'], cwd: os.tmpdir() },
    start: true,
  });
  expect(created).toMatchObject({ ok: true });
  const toast = page.getByTestId('toast').filter({ hasText: 'Job "doomed" failed' });
  await expect(toast).toBeVisible({ timeout: 20_000 });
  await expect(page.getByTestId('event-log')).toContainText('Job "doomed" failed');
});

test('a standing charge entered on the page shows in the cost; a manual BTC price replaces an unreachable API', async ({
  page,
  server,
}) => {
  await openPage(page, server, 'History');
  await page.getByTestId('period-day').click();
  await page.getByTestId('period-prev').click();
  const cost = page.getByTestId('history-total').locator('[data-col="cost"]');
  await expect(cost).toHaveText(/7\.20/);
  await page.getByTestId('ledger-standing').fill('0.41');
  await page.getByTestId('ledger-save').click();
  await expect(cost).toHaveText(/7\.61/);

  // This server has no route to mempool.space: the state says so, then a manual price wins.
  await expect(page.getByTestId('market-price-state')).toHaveText(/Cannot reach|offline|mempool/, { timeout: 20_000 });
  await page.getByLabel('Manual BTC price').fill('90000');
  await page.getByRole('button', { name: 'Use this price' }).click();
  await expect(page.getByTestId('market-price-state')).toHaveText(/manual value/);
  await expect(page.getByTestId('market-facts').locator('[data-fact="BTC price"]')).toHaveText(/90,000\.00/);
});
