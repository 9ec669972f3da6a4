import { expect, test } from './fixture.ts';
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
