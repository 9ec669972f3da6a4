import { call, expect, hourlyPricesCsv, test } from './fixture.ts';
import { cspViolations, plotOf } from './chart.ts';
import { openPage } from './page.ts';

test('the plan page shows the 48-hour plan with a reason per slot, and a pause override that can be cleared', async ({
  page,
  server,
}) => {
  const csp = await cspViolations(page);
  await openPage(page, server, 'Plan');
  await expect(page.getByTestId('plan-totals')).toContainText('Net');
  // The timeline: price and power over the next hours, on a time axis with the slot times.
  const price = page.getByTestId('timeline-price');
  await expect(plotOf(price)).toHaveAttribute(
    'aria-label',
    /^Planned slots: electricity price, .+ to .+\. Dashed line: now/,
  );
  await expect(plotOf(price)).toHaveAttribute('data-x-ticks', /\d\d:\d\d/);
  await expect(plotOf(page.getByTestId('timeline-power'))).toHaveAttribute('data-y-ticks-w', / W$/);
  // The slots' table is folded away under its count, and opens.
  const folded = page.getByTestId('plan-slots');
  await expect(folded).not.toHaveAttribute('open');
  const rows = page.getByTestId('plan-table').locator('tbody tr');
  await expect(rows.first()).toBeHidden();
  const n = await rows.count();
  expect(n).toBeGreaterThan(1);
  await expect(folded.locator('summary')).toHaveText(`Every slot (${n}), with the planner's reason`);
  await folded.locator('summary').click();
  await expect(rows.first()).toBeVisible();
  // Every slot says why, on the row and on hover.
  const why = await rows.first().getAttribute('title');
  expect(why?.length ?? 0).toBeGreaterThan(3);
  await expect(page.getByTestId('plan-override')).toContainText('None: the plan decides.');
  await page.getByTestId('plan-pause').click();
  await expect(page.getByTestId('plan-override')).toContainText('Paused until');
  await expect(page.getByTestId('plan-totals')).toContainText('override: paused by hand until');
  await page.getByTestId('plan-clear').click();
  await expect(page.getByTestId('plan-override')).toContainText('None: the plan decides.');
  expect(csp).toEqual([]);
});

test('with no prices the price chart and the plan say what to do instead of drawing an empty axis; charts fit a phone', async ({
  page,
  server,
}) => {
  const csp = await cspViolations(page);
  // A price-file tariff with no file imported yet: nothing is known about the next 48 hours.
  await openPage(page, server, 'Schedules');
  expect(
    await call(page, 'tariff-configure', {
      tariff: { kind: 'csv', currency: 'EUR' },
      charges: { perKWh: 0, tax: 0 },
      timeZone: 'UTC',
      skipCheck: true,
    }),
  ).toMatchObject({ ok: true });
  await page.reload();
  await expect(page.getByTestId('price-empty')).toHaveText(
    'No prices for the next 48 hours yet: choose a tariff in the card below (fixed, time-of-use or a day-ahead provider), or import a price file with hearth prices import FILE.',
  );
  await expect(page.getByTestId('price-timechart')).toHaveCount(0);
  await expect(page.getByText(/e-\d/)).toHaveCount(0);
  await openPage(page, server, 'Plan');
  await expect(page.getByTestId('plan-empty')).toHaveText(
    'No plan yet: the scheduler plans once prices are known. Set up a tariff on the Schedules page or import a price file (hearth prices import FILE).',
  );
  await expect(page.getByTestId('plan-timeline')).toHaveCount(0);
  await openPage(page, server, 'Schedules');

  // Prices for two days, and a phone's width: the charts take the width they have, no more.
  await page.setViewportSize({ width: 390, height: 800 });
  const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000;
  const csv = hourlyPricesCsv(
    hour,
    Array.from({ length: 50 }, (_, i) => `0.${10 + (i % 7)}`),
  );
  expect(await call(page, 'tariff-import-csv', { csv })).toMatchObject({ ok: true });
  const chart = page.getByTestId('price-timechart');
  await expect(chart.locator('canvas')).toBeVisible();
  const priceBox = await chart.locator('.uplot').boundingBox();
  expect(priceBox?.width ?? 0).toBeGreaterThan(200);
  expect((priceBox?.x ?? 0) + (priceBox?.width ?? 0)).toBeLessThanOrEqual(390);
  await openPage(page, server, 'Plan');
  const power = page.getByTestId('timeline-power').locator('.uplot');
  await expect(power).toBeVisible({ timeout: 30_000 });
  const box = await power.boundingBox();
  expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(390);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  expect(csp).toEqual([]);
});
