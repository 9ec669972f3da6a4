import fs from 'node:fs';
import os from 'node:os';
import { call, expect, testWithLedger } from './fixture.ts';
import { ledgerCsv } from './ledger-csv.ts';
import { openPage } from './page.ts';

const DAY = 86_400_000;

/**
 * A year of 15-minute slots ending now, in UTC: 1 kW for every slot (250 Wh), 0.30 EUR/kWh
 * (0.075 a slot), 0.0025 heat credit and 0.000000042 revenue a slot — a CPU miner's honest share.
 */
function yearCsv(now: number): string {
  const today = Math.floor(now / DAY) * DAY;
  return ledgerCsv(
    today - 365 * DAY,
    today + DAY,
    'cpu,mining,0.25,measured,0.25,0.1,EUR,0.3,0.075,0.0025,0.000000042,0,0,0',
  );
}

/** `hearth serve` in UTC over a data folder that already holds a year of ledger rows. */
const test = testWithLedger(yearCsv, 35136);

test('the History page shows per-day energy, cost, heat credit and net from the ledger, and renders a year', async ({
  page,
  server,
}) => {
  await openPage(page, server, 'History');
  const table = page.getByTestId('history-table');
  await expect(table.locator('tbody tr')).toHaveCount(7);
  const yesterday = new Date(Math.floor(Date.now() / DAY) * DAY - DAY).toISOString().slice(0, 10);
  const row = page.getByTestId(`day-${yesterday}`);
  // 96 slots × 250 Wh; 96 × 0.075 EUR; heat credit 96 × 0.0025; revenue 96 × 0.000000042.
  await expect(row.locator('[data-col="energy"]')).toHaveText(/^24(\.000)? kWh$/);
  await expect(row.locator('[data-col="cost"]')).toHaveText(/7\.20/);
  await expect(row.locator('[data-col="heat-credit"]')).toHaveText(/0\.24/);
  // Tiny revenue is shown, not rounded to zero: 0.000004032 EUR.
  await expect(row.locator('[data-col="revenue"]')).toHaveText(/0\.0000040/);
  await expect(row.locator('[data-col="net"]')).toHaveText(/^[-−].*6\.96/);

  const t0 = Date.now();
  await page.getByTestId('range-365').click();
  await expect(table.locator('tbody tr')).toHaveCount(365);
  console.log(`History page: 365 days rendered in ${Date.now() - t0} ms (click to table of 365 rows) in Chromium`);
  await expect(page.getByTestId('history-total').locator('[data-col="energy"]')).toHaveText(/kWh$/);

  const download = page.waitForEvent('download');
  await page.getByTestId('export-days').click();
  const file = await (await download).path();
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
  expect(lines).toHaveLength(366);
  // The CSV keeps every digit: net = 0.000004032 + 0.24 − 7.2.
  expect(lines).toContain(`${yesterday},24,24,0,24,9.6,EUR,7.2,0,0,0.24,0.000004032,0,0,-6.959995968,96`);
});

test('a failed job shows a toast and lands in the event log', async ({ page, server }) => {
  await openPage(page, server, 'History');
  await expect(page.getByTestId('history-table')).toBeVisible();
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
  const yesterday = new Date(Math.floor(Date.now() / DAY) * DAY - DAY).toISOString().slice(0, 10);
  const cost = page.getByTestId(`day-${yesterday}`).locator('[data-col="cost"]');
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
