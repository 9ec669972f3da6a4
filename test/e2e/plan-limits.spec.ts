import { expect, test } from './fixture.ts';

test('the plan page sets the planner limits, refuses a bad quiet-hours time and keeps the saved ones', async ({
  page,
  server,
}) => {
  await page.goto(`${server.url}#/plan`);
  await expect(page.getByTestId('limits-form')).toBeVisible();
  await page.getByTestId('limits-quiet-on').check();
  await page.getByTestId('limits-quiet-from').fill('23:00');
  await page.getByTestId('limits-quiet-to').fill('06:30');
  await page.getByTestId('limits-quiet-cap').fill('100');
  await page.getByTestId('limits-cap-on').check();
  await page.getByTestId('limits-cap').fill('450');
  await page.getByTestId('limits-min-run').fill('30');
  await page.getByTestId('limits-save').click();
  await expect(page.getByTestId('limits-saved')).toBeVisible();

  await page.getByTestId('limits-quiet-from').fill('25:00');
  await page.getByTestId('limits-save').click();
  await expect(page.getByRole('alert').first()).toContainText('quiet.from must be a time like 22:00');

  await page.reload();
  await expect(page.getByTestId('limits-quiet-from')).toHaveValue('23:00');
  await expect(page.getByTestId('limits-quiet-to')).toHaveValue('06:30');
  await expect(page.getByTestId('limits-quiet-cap')).toHaveValue('100');
  await expect(page.getByTestId('limits-cap')).toHaveValue('450');
  await expect(page.getByTestId('limits-min-run')).toHaveValue('30');
});
