import { TestPool } from '../support/stratum-pool.ts';
import { hoverChart, plotOf } from './chart.ts';
import { call, expect, test } from './fixture.ts';
import { openPage, save, saveRefused, setFields } from './page.ts';

test('the Mining page validates a pool, mines against it with live hash rate and shares, and stops', async ({
  page,
  server,
}) => {
  const pool = new TestPool({ difficulty: 2 ** -14, versionMask: '1fffe000', jobVersion: '30000000' });
  await pool.listen();
  pool.notify(true);
  try {
    await openPage(page, server, 'Mining');
    await expect(page.getByTestId('mining-pool-state')).toHaveText('not connected');
    // No pool yet: Start waits, and the page says what to do first.
    await expect(page.getByTestId('mining-start')).toBeDisabled();
    await expect(page.getByTestId('mining-no-pool')).toContainText('To mine, first add a pool below');
    await expect(page.getByTestId('mining-estimate')).toContainText('Estimate per day: needs the network difficulty');
    // The hash-rate chart says what to do before there is anything to draw.
    await expect(page.getByTestId('mining-hashrate-chart-empty')).toContainText(
      'No hash rate yet: it is drawn here once a second while mining runs. Add a pool below, then press Start mining above.',
    );

    await page.getByTestId('pool-add').click();
    await setFields(page, { 'pool-0-url': 'pool.example.com:3333', 'pool-0-user': 'alice.rig' });
    await saveRefused(page, 'pools', 'pool 1: pool URL "pool.example.com:3333" has no scheme');

    await setFields(page, { 'pool-0-url': pool.url, 'pool-0-password': 'wrong' });
    // Test pool: a refusal is shown with the pool's words; the right password shows what the pool sent.
    await page.getByTestId('pool-0-test').click();
    await expect(page.getByTestId('pool-check-result')).toContainText('Failed authorisation', { timeout: 20_000 });
    await page.getByTestId('pool-0-password').fill('x');
    await page.getByTestId('pool-0-test').click();
    await expect(page.getByTestId('pool-check-result')).toContainText(
      /Time to a share\s*[\d.]+ s on average at that difficulty \(estimate\)/,
      { timeout: 20_000 },
    );
    await expect(page.getByTestId('pool-check-result')).toContainText('mask 1fffe000');
    // A preset adds a row with the pool's address, for the user's own worker name.
    await page.getByTestId('pool-preset').selectOption('public-pool');
    await expect(page.getByTestId('pool-1-url')).toHaveValue('stratum+tcp://public-pool.io:21496');
    await page.getByTestId('pool-1-remove').click();
    await save(page, 'pools');
    await expect(page.getByTestId('pool-0-password')).toHaveAttribute('placeholder', 'stored (unchanged)');

    await page.getByTestId('mining-threads').fill('1');
    await page.getByTestId('mining-threads').blur();
    await page.getByTestId('mining-start').click();
    await expect(page.getByTestId('mining-pool-state')).toContainText('mining', { timeout: 20_000 });
    await expect(page.getByTestId('mining-rate')).toContainText(/[kM]H\/s/, { timeout: 20_000 });
    // The hash rate over time: times with seconds on the x axis, H/s on the y axis, each second's rate on hover.
    const chart = page.getByTestId('mining-hashrate-chart');
    await expect(chart).toHaveAttribute('data-points', /^([3-9]|\d\d+)$/, { timeout: 20_000 });
    await expect(plotOf(chart)).toHaveAttribute('data-x-ticks', /^\d\d:\d\d:\d\d [AP]M( \| \d\d:\d\d:\d\d [AP]M)*$/);
    await expect(plotOf(chart)).toHaveAttribute('data-y-ticks-hashrate', /^0 \| .+ H\/s$/);
    await expect(plotOf(chart)).toHaveAttribute(
      'aria-label',
      /^Hash rate, last two minutes, .+ hash rate \(H\/s\): .*H\/s/,
    );
    await hoverChart(chart, 0.9);
    await expect(chart.locator('.u-legend')).toContainText(/\d\d:\d\d:\d\d [AP]M/);
    await expect(chart.locator('.u-legend')).toContainText(/[\d.,]+ [kM]?H\/s/);
    await expect(page.getByTestId('mining-shares').locator('tbody tr').first()).toContainText('accepted', {
      timeout: 20_000,
    });
    await expect(page.getByTestId('mining-facts')).toContainText(/native \(N-API\)|WebAssembly SIMD/);
    await expect(page.getByTestId('mining-pool-why')).toHaveText('first pool');
    await expect(page.getByTestId('mining-health')).toContainText('yes');
    await page.getByTestId('mining-power').selectOption('50');
    await expect(page.getByTestId('mining-power')).toHaveValue('50');
    // Offline here: the typed network difficulty and price give the estimate, next to the energy.
    await setFields(page, { 'earn-difficulty': '1e14', 'earn-price': '50000' });
    await page.getByTestId('earn-save').click();
    await expect(page.getByTestId('earnings')).toContainText('manual value from');
    await expect(page.getByTestId('earnings')).toContainText(/BTC per day \(estimate\)\s*\d\.\d{3}e-\d+ BTC/);
    await expect(page.getByTestId('earnings')).toContainText(
      /3\.125 BTC subsidy \+ 0\.05 BTC mean fees, less a 2(\.0+)? % pool fee/,
    );
    // Beside Start: what a day earns less what its electricity costs at the tariff's price now, as the core computes them.
    await expect(page.getByTestId('mining-estimate')).toContainText(/^Estimate: [-−]?€[\d.,]+ per day at your price/);
    const e = (await call(page, 'mining-earnings', {})).result as { moneyPerDay: number; energyCostPerDay: number };
    const euros = (text: string) => Number(text.replace('−', '-').replace(/[€,]/g, ''));
    const shown = (await page.getByTestId('mining-estimate').textContent())!;
    const m =
      /^Estimate: ([-−]?€[\d.,]+) per day at your price.*revenue (€[\d.,]+) − electricity (€[\d.,]+) \(([\d.,]+) W at (€[\d.]+)\/kWh/.exec(
        shown,
      );
    expect(m, shown).not.toBeNull();
    const [figure, revenue, electricity, watts, price] = [m![1]!, m![2]!, m![3]!, m![4]!, m![5]!].map(
      euros,
    ) as number[];
    // The figure is what its own line says, and that line is a day at the power and price it names
    // (the miner's live power moves between reads, so the page is checked against itself).
    // Each figure is shown rounded (money to its cents where it is that large, the power to what
    // fmtW keeps), so they agree within half a cent and half a watt-day.
    expect(Math.abs(figure! - (revenue! - electricity!))).toBeLessThan(0.01);
    expect(Math.abs(electricity! - (watts! / 1000) * 24 * price!)).toBeLessThan(
      0.005 + (0.5 / 1000) * 24 * price! + 1e-9,
    );
    // And the core says the same about the sign: at this difficulty a day of mining costs more than it earns.
    expect(Math.sign(figure!)).toBe(Math.sign(e.moneyPerDay - e.energyCostPerDay));
    await expect(page.getByTestId('mining-estimate')).toContainText(/at €0\.3000\/kWh, the price now.*assumed/);
    if (process.env['HEARTH_SCREENSHOT'])
      await page.screenshot({ path: process.env['HEARTH_SCREENSHOT'], fullPage: true });
    // What the ledger booked, over 24 h, 7 and 30 days, in the ledger's currency (this slot is booked when it ends).
    for (const span of ['24h', '7d', '30d'])
      await expect(page.getByTestId(`mining-ledger-${span}`)).toContainText(/€[\d.,]+.*€[\d.,]+/);
    await page.getByTestId('mining-stop').click();
    await expect(page.getByTestId('mining-start')).toBeVisible();
    expect(pool.shares.length).toBeGreaterThan(0);
    expect(pool.shares.every((s) => s.verdict === 'accepted')).toBe(true);
    // The day's shares in the ledger's per-day figures on the History page.
    await openPage(page, server, 'History');
    await expect(page.getByTestId('history-shares')).toContainText(
      /(\d{4}-\d{2}-\d{2}|[A-Z][a-z]{2}, [A-Z][a-z]{2} \d{1,2}): \d+ accepted, 0 rejected, \d+ stale/,
    );
  } finally {
    await pool.close();
  }
});
