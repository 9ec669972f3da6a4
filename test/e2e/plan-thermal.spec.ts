import { call, expect, hourlyPricesCsv, importPrices, test } from './fixture.ts';
import { hoverChart, plotOf } from './chart.ts';
import { expectFieldRefused, openPage, save, saveRefused, setFields } from './page.ts';

const HOUR = 3_600_000;

/** Six cheap hours, six dear ones, from two hours ago for the next two days and more. */
function stepPricesCsv(): string {
  const start = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR;
  return hourlyPricesCsv(
    start,
    Array.from({ length: 56 }, (_, i) => (Math.floor(i / 6) % 2 === 0 ? '0.05' : '0.40')),
  );
}

test('in thermal mode the plan page draws the forecast indoor temperature in its comfort band and says how sure the plan is', async ({
  page,
  server,
}) => {
  await page.setViewportSize({ width: 1440, height: 1000 });
  await openPage(page, server, 'Schedules');
  await importPrices(page, stepPricesCsv(), { perKWh: 0, tax: 0 });

  // The settings form: the thermal mode, a band's upper bound per change, the source's capacity.
  await setFields(page, { 'heating-mode': 'thermal' });
  await expect(page.getByTestId('thermal-hint')).toBeVisible();
  await page.getByLabel('Season').selectOption('always');
  await page.getByTestId('typical-house').click();
  await expect(page.getByTestId('heat-loss')).toHaveValue('200');
  await expect(page.getByTestId('setpoint-0-0-max')).toHaveValue('23'); // 21 °C + the default 2 K
  await page.getByTestId('setpoint-0-0-max').fill('20');
  await saveRefused(
    page,
    'heating',
    'The comfort band is upside down: its upper bound must be at or above the setpoint',
  );
  await expectFieldRefused(
    page.getByTestId('setpoint-0-0-max'),
    'The comfort band is upside down: its upper bound must be at or above the setpoint',
  );
  // A heat pump: its heat costs the slot's electricity price over its COP, so cheap hours pay to pre-heat in.
  await setFields(page, { 'setpoint-0-0-max': '23.5', 'heat-source': 'heat-pump', 'heat-capacity': '0' });
  await saveRefused(page, 'heating', "The heat source's capacity must be above 0 W");
  await expectFieldRefused(
    page.getByTestId('heat-capacity'),
    'The heat source\'s capacity must be above 0 W (choose "none" for no heat source)',
  );
  await page.getByTestId('heat-capacity').fill('12000');
  await save(page, 'heating');
  const saved = (await call(page, 'heating-settings', {})).result as {
    mode: string;
    room: unknown;
    heatSource: { capacityW?: number };
    schedule: { maxC?: number }[][];
  };
  expect(saved).toMatchObject({
    mode: 'thermal',
    room: { heatLossWPerK: 200, capacityWhPerK: 10_000 },
    heatSource: { kind: 'heat-pump', capacityW: 12_000 },
  });
  expect(saved.schedule[0]?.[0]?.maxC).toBe(23.5);

  await openPage(page, server, 'Plan');
  const chart = page.getByTestId('timeline-temperature');
  await expect(chart).toBeVisible({ timeout: 30_000 });
  // The forecast in its band, on a °C axis, summarised for screen readers with its range.
  await expect(plotOf(chart)).toHaveAttribute(
    'aria-label',
    /^Forecast indoor temperature in its comfort band, .+ forecast indoor \(°C\): [\d.]+ °C to [\d.]+ °C\. comfort band max \(°C\): [\d.]+ °C to 23\.5 °C\. comfort band min \(°C\): [\d.]+ °C to 21\.0 °C\.$/,
  );
  await expect(plotOf(chart)).toHaveAttribute('data-y-ticks-t', /^\d+ \| \d+ \| \d+.* °C$/);
  await expect(chart.locator('.u-legend')).toContainText('comfort band max (°C)');
  await expect(page.getByTestId('timeline-power').locator('.u-legend')).toContainText('heat source (W)');
  await expect(page.getByTestId('plan-status')).toHaveText(
    /^(Optimal \(proven\)|Feasible — at most [\d.]+ % from the optimum \(time limit\)|Fast plan only: .+)$/,
  );
  await expect(page.getByTestId('plan-solver')).toContainText(/\((dp|milp|heuristic)\)/);
  await expect(page.getByTestId('plan-totals')).toContainText('Below the comfort band');
  // The computer's energy and the heat source's in one unit, whatever their sizes.
  const energy = await page.getByTestId('plan-totals').locator('[data-fact="Energy"]').textContent();
  const unit = / (k?Wh)$/.exec(energy ?? '')?.[1];
  expect(unit).toBeDefined();
  await expect(page.getByTestId('plan-totals').locator('[data-fact="Heat source"]')).toContainText(
    new RegExp(`^[\\d.,]+ ${unit},`),
  );
  // Somewhere in the next two days a cheap hour warms the room for a dear one.
  await page.getByTestId('plan-slots').locator('summary').click();
  await expect(page.getByTestId('plan-table')).toContainText('pre-heating: 0.0500 EUR/kWh now vs 0.4000 EUR/kWh');
  await expect(page.getByTestId('plan-table').locator('thead')).toContainText('Indoor (band)');

  // Hovering a slot gives its forecast and band.
  await hoverChart(chart, 0.2);
  await expect(page.getByTestId('timeline-tooltip')).toContainText(
    /indoor [\d.,]+ °C at the end \(band [\d.,]+ °C–[\d.,]+ °C\)/,
  );
  await page.mouse.move(0, 0);
  await page.getByTestId('plan-timeline').scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'test-results/plan-thermal-1440.png', fullPage: false });
});

test('the History page shows the measured indoor temperature once a reading is logged', async ({ page, server }) => {
  await openPage(page, server, 'History');
  await expect(page.getByTestId('history-table')).toBeVisible();
  await expect(page.getByTestId('history-indoor')).toHaveCount(0);
  expect(await call(page, 'heating-reading', { c: 20.5 })).toMatchObject({ ok: true });
  // The reading event refreshes the card without a reload.
  await expect(page.getByTestId('history-indoor')).toContainText(
    /1 reading, hourly means: lowest 20[.,]5 °C, highest 20[.,]5 °C, last 20[.,]5 °C/,
  );
});
