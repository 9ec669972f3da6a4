import { expect, test } from './fixture.ts';
import { openPage } from './page.ts';

test('the plan page shows the 48-hour plan with a reason per slot, and a pause override that can be cleared', async ({
  page,
  server,
}) => {
  await openPage(page, server, 'Plan');
  await expect(page.getByTestId('plan-totals')).toContainText('Net');
  const rows = page.getByTestId('plan-table').locator('tbody tr');
  await expect(rows.first()).toBeVisible();
  expect(await rows.count()).toBeGreaterThan(1);
  // Every slot says why, on the row and on hover.
  const why = await rows.first().getAttribute('title');
  expect(why?.length ?? 0).toBeGreaterThan(3);
  await expect(page.getByTestId('plan-override')).toContainText('None: the plan decides.');
  await page.getByTestId('plan-pause').click();
  await expect(page.getByTestId('plan-override')).toContainText('Paused until');
  await expect(page.getByTestId('plan-totals')).toContainText('override: paused by hand until');
  await page.getByTestId('plan-clear').click();
  await expect(page.getByTestId('plan-override')).toContainText('None: the plan decides.');
});
