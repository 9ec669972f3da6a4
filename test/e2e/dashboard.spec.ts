import { call, expect, hourlyPricesCsv, importPrices, test as plain, testWithLedger } from './fixture.ts';
import { hoverChart, plotOf } from './chart.ts';
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
  // A fresh install's tariff is a guess, and says so beside the price.
  await expect(page.getByTestId('assumed-tariff')).toHaveText('assumed');
  await expect(page.getByTestId('now-next-change')).toHaveText(/^(\d{2}:\d{2}( [AP]M)?: .+|none in the plan)$/);

  // The live chart of the last two minutes: a time axis in the clock style the page's other times use
  // (the browser's, with seconds: readings are a second apart), power in W on the left, CPU load in % on the right.
  const live = page.getByTestId('dashboard-power-chart');
  await expect(live).toHaveAttribute('data-points', /^([3-9]|\d\d+)$/, { timeout: 20_000 });
  const clock = await page.evaluate(() =>
    new Date().toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' }),
  );
  const style = clock.replace(/\d/g, '\\d');
  await expect(plotOf(live)).toHaveAttribute('data-x-ticks', new RegExp(`^${style}( \\| ${style})*$`));
  await expect(plotOf(live)).toHaveAttribute('data-y-ticks-w', /^0 \| .+ W$/);
  await expect(plotOf(live)).toHaveAttribute('data-y-ticks-load', /^0 \| .+ \| 100 %$/);
  await expect(plotOf(live)).toHaveAttribute(
    'aria-label',
    /^Power \(heat\) and CPU load, .+ power \/ heat \(W\): .*W.*CPU load \(%\): .*%/,
  );
  // Hovering a second shows its time and both values with their units.
  await hoverChart(live, 0.5);
  const legend = live.locator('.u-legend');
  await expect(legend).toContainText(new RegExp(style));
  await expect(legend).toContainText(/[\d.,]+ W/);
  await expect(legend).toContainText(/\d+ %/);

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

  // Money by period from the same ledger: today's row is today's figures; 7 and 30 days hold today too.
  const net = page.getByTestId('today-net').locator('.stat-value');
  const moneyToday = page.getByTestId('money-today');
  await expect(moneyToday.locator('td').nth(4)).toHaveText((await net.textContent())!);
  for (const span of ['24h', '7d', '30d'])
    await expect(page.getByTestId(`money-${span}`).locator('td').nth(4)).toHaveText(/(€|EUR)/);
  await expect(page.getByTestId('money-30d').locator('td').nth(1)).toHaveText(/0\.30/);

  // The plan's next 24 hours in one line: energy, heat, cost, revenue, heat credit, net.
  const line = page.getByTestId('next-24h');
  await expect(line.locator('[data-fig="energy"]')).toHaveText(/^[\d.,]+ k?Wh$/, { timeout: 20_000 });
  for (const fig of ['cost', 'revenue', 'heat-credit', 'net'])
    await expect(line.locator(`[data-fig="${fig}"]`)).toHaveText(/(€|EUR)/);
  console.log(`Dashboard next 24 h: ${await line.textContent()}`);
});

const HOUR = 3_600_000;

/** 48 hours from the current hour: dear (0.60 EUR/kWh) except 02:00–06:00 from now on, cheap (0.02). */
function dearThenCheap(now: number): string {
  const start = Math.floor(now / HOUR) * HOUR;
  return hourlyPricesCsv(
    start,
    Array.from({ length: 48 }, (_, i) => (i >= 2 && i < 6 ? '0.02' : '0.60')),
  );
}

plain(
  "a job card's mode switch (a radio group) runs the job now whatever the price, or never; the plan names the mode and the choice survives a reload",
  async ({ page, server }) => {
    plain.setTimeout(90_000);
    await openPage(page, server, 'Dashboard');
    await importPrices(page, dearThenCheap(Date.now()), { perKWh: 0, tax: 0 });
    const created = await call(page, 'job-create', { name: 'Mode test', spec: { kind: 'train', steps: 100000 } });
    expect(created.ok).toBe(true);
    const id = (created.result as { id: number }).id;
    const card = page.getByTestId(`job-card-${id}`);
    await expect(card).toBeVisible();
    const group = card.getByRole('group', { name: `Mode for job ${id}` });
    await expect(group.getByRole('radio', { name: 'Plan' })).toBeChecked();

    type Slot = { decisions: { job: string | null }[]; reason: string };
    const slots = async () =>
      ((await call(page, 'plan-get', {})).result as { plan: { slots: Slot[] } | null }).plan?.slots ?? [];
    const runs = (s: Slot) => s.decisions.some((d) => d.job === `job:${id}`);

    await group.getByText('Now', { exact: true }).click();
    await expect(group.getByRole('radio', { name: 'Now' })).toBeChecked();
    // Every slot runs it, the dear ones saying that the mode, not the price, decided.
    await expect
      .poll(
        async () => {
          const all = await slots();
          return (
            all.length > 0 &&
            all.every(runs) &&
            all.some(
              (s) =>
                s.reason.includes(`mode now: job:${id} on cpu`) &&
                s.reason.includes('whatever the price (0.6000 EUR/kWh)'),
            )
          );
        },
        { timeout: 30_000 },
      )
      .toBe(true);

    await page.reload();
    const again = page.getByTestId(`job-card-${id}`).getByRole('group', { name: `Mode for job ${id}` });
    await expect(again.getByRole('radio', { name: 'Now' })).toBeChecked();

    // Arrow keys move within the group, as in any radio group: Now, then Plan, then Off.
    await again.getByRole('radio', { name: 'Now' }).focus();
    await page.keyboard.press('ArrowLeft');
    await expect(again.getByRole('radio', { name: 'Plan' })).toBeChecked();
    await page.keyboard.press('ArrowLeft');
    await expect(again.getByRole('radio', { name: 'Off' })).toBeChecked();
    await expect(page.getByTestId(`job-why-${id}`)).toHaveText(
      'switched off: it does not run until its mode is changed',
    );
    await expect
      .poll(
        async () => {
          const all = await slots();
          return all.length > 0 && !all.some(runs) && all.every((s) => s.reason.includes(`job:${id} switched off`));
        },
        { timeout: 30_000 },
      )
      .toBe(true);
    // Mode now had started it; switched off, it is paused.
    await expect
      .poll(async () => ((await call(page, 'job-get', { id })).result as { state: string }).state, { timeout: 30_000 })
      .toBe('paused');
    expect(await call(page, 'run-modes-get', {})).toEqual({
      ok: true,
      result: { devices: {}, jobs: { [String(id)]: 'off' } },
    });
  },
);
