import { expect, test } from './fixture.ts';
import { expectFields, openPage, save, saveRefused, setFields } from './page.ts';

test('the plan page shows the decision log and the presence rules, which save and refuse a path', async ({
  page,
  server,
}) => {
  await openPage(page, server, 'Plan');
  // The scheduler planned on start: that decision is in the ledger and on the page.
  const log = page.getByTestId('decision-log');
  await expect(log).toBeVisible();
  await expect(log.locator('tbody tr').first()).toContainText(/planned|decision/);
  // `hearth serve` has no idle-time source: the card says so instead of showing a number.
  await expect(page.getByTestId('presence-status')).toContainText('Idle time');
  await expect(page.getByTestId('presence-status')).toContainText('not available');
  await expect(page.getByTestId('presence-status')).toContainText('no rule: the plan runs');

  await page.getByTestId('presence-programs').fill('/usr/bin/game');
  await saveRefused(page, 'presence', 'not a path');

  await setFields(page, {
    'presence-programs': 'game.exe\nresolve.exe',
    'presence-programs-action': 'cap',
    'presence-programs-cap': '30',
    'presence-resume': '15',
  });
  await save(page, 'presence');

  await page.reload();
  await expectFields(page, {
    'presence-programs': 'game.exe\nresolve.exe',
    'presence-programs-action': 'cap',
    'presence-resume': '15',
  });
});

test('the Jobs page queues a mining job and a training job that runs in one block past a missed deadline', async ({
  page,
  server,
}) => {
  await openPage(page, server, 'Jobs');
  await page.getByTestId('job-kind').selectOption('mining');
  await expect(page.getByTestId('job-mining-note')).toContainText('pools saved on the Mining page');
  await page.getByTestId('job-queue').click();
  await expect(page.getByTestId('job-1-state')).toHaveText('queued');

  await setFields(page, {
    'job-kind': 'train',
    'job-name': 'block job',
    'job-steps': '100',
    'job-deadline': '2030-01-01T07:00',
    'job-mode': 'continuous',
    'job-run-past-deadline': true,
  });
  await page.getByTestId('job-queue').click();
  await expect(page.getByTestId('job-2-state')).toHaveText('queued');
  await expect(page.getByTestId('job-facts')).toContainText('one continuous block, past a missed deadline until done');
});
