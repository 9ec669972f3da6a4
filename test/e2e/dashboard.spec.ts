import { expect, testWithLedger } from './fixture.ts';
import { ledgerCsv } from './ledger-csv.ts';
import { openPage } from './page.ts';

const Q = 15 * 60_000;
const DAY = 86_400_000;

/** Four slots at the start of today (UTC): 1 kWh in all, 0.30 EUR, 0.01 heat credit, 0.000002 revenue. */
function todayCsv(now: number): string {
  const today = Math.floor(now / DAY) * DAY;
  return ledgerCsv(today, today + 4 * Q, 'cpu,mining,0.25,measured,0.25,0.1,EUR,0.3,0.075,0.0025,0.0000005,0,0,0');
}

const test = testWithLedger(todayCsv, 4);

test('the Dashboard shows now, today so far from the ledger, and the next 24 hours of the plan, each with units', async ({
  page,
  server,
}) => {
  await openPage(page, server, 'Dashboard');

  // Now: power and heat in W, what runs and its speed, the price with its unit, the next change.
  await expect(page.getByTestId('stat-power').locator('.stat-value')).toHaveText(/^[\d.,]+ W$/);
  await expect(page.getByTestId('stat-heat').locator('.stat-value')).toHaveText(/^[\d.,]+ W$/);
  await expect(page.getByTestId('now-running')).toHaveText('nothing running');
  await expect(page.getByTestId('now-price')).toHaveText(/^(€|EUR)\s?[\d.,]+\/kWh$/);
  await expect(page.getByTestId('now-next-change')).toHaveText(/^(\d{2}:\d{2}( [AP]M)?: .+|none in the plan)$/);

  // Today so far, from the ledger's rollup of today in the ledger's zone (UTC here). A slot booked live
  // while the test runs may add a few Wh on top of the imported kWh.
  await expect(page.getByRole('heading', { name: 'Today so far (UTC)' })).toBeVisible();
  await expect(page.getByTestId('stat-energy-today').locator('.stat-value')).toHaveText(/^1\.0\d\d kWh$/);
  await expect(page.getByTestId('stat-heat-today').locator('.stat-value')).toHaveText(/^1\.0\d\d kWh$/);
  await expect(page.getByTestId('today-cost').locator('.stat-value')).toHaveText(/0\.30/);
  await expect(page.getByTestId('today-credit').locator('.stat-value')).toHaveText(/0\.01/);
  // A tiny revenue keeps its digits: 4 × 0.0000005 EUR. Net: 0.000002 + 0.01 − 0.30 = −0.289998.
  await expect(page.getByTestId('today-revenue').locator('.stat-value')).toHaveText(/0\.0000020/);
  await expect(page.getByTestId('today-net').locator('.stat-value')).toHaveText(/^[-−].*0\.29$/);

  // The plan's next 24 hours in one line: energy, heat, cost, revenue, heat credit, net.
  const line = page.getByTestId('next-24h');
  await expect(line.locator('[data-fig="energy"]')).toHaveText(/^[\d.,]+ k?Wh$/, { timeout: 20_000 });
  for (const fig of ['cost', 'revenue', 'heat-credit', 'net'])
    await expect(line.locator(`[data-fig="${fig}"]`)).toHaveText(/(€|EUR)/);
  console.log(`Dashboard next 24 h: ${await line.textContent()}`);
});
