import { expect, test } from './fixture.ts';
import { expectFieldRefused, expectFields, openPage, save, saveRefused, setFields } from './page.ts';

test('the plan page sets the planner limits, refuses a bad quiet-hours time and keeps the saved ones', async ({
  page,
  server,
}) => {
  await openPage(page, server, 'Plan');
  await expect(page.getByTestId('limits-form')).toBeVisible();
  const saved = {
    'limits-quiet-from': '23:00',
    'limits-quiet-to': '06:30',
    'limits-quiet-cap': '100',
    'limits-cap': '450',
    'limits-min-run': '30',
  };
  await setFields(page, { 'limits-quiet-on': true, 'limits-cap-on': true, ...saved });
  await save(page, 'limits');

  await page.getByTestId('limits-quiet-from').fill('25:00');
  const message = 'The start of the quiet hours must be a time like 22:00 (24-hour clock)';
  await saveRefused(page, 'limits', message);
  await expectFieldRefused(page.getByTestId('limits-quiet-from'), message);

  await page.reload();
  await expectFields(page, saved);
});
