import { expect, test } from './fixture.ts';

test('the plan page shows the decision log and the presence rules, which save and refuse a path', async ({
  page,
  server,
}) => {
  await page.goto(`${server.url}#/plan`);
  // The scheduler planned on start: that decision is in the ledger and on the page.
  const log = page.getByTestId('decision-log');
  await expect(log).toBeVisible();
  await expect(log.locator('tbody tr').first()).toContainText(/planned|decision/);
  // `hearth serve` has no idle-time source: the card says so instead of showing a number.
  await expect(page.getByTestId('presence-status')).toContainText('Idle time');
  await expect(page.getByTestId('presence-status')).toContainText('not available');
  await expect(page.getByTestId('presence-status')).toContainText('no rule: the plan runs');

  await page.getByTestId('presence-programs').fill('/usr/bin/game');
  await page.getByTestId('presence-save').click();
  await expect(page.getByRole('alert').first()).toContainText('not a path');

  await page.getByTestId('presence-programs').fill('game.exe\nresolve.exe');
  await page.getByTestId('presence-programs-action').selectOption('cap');
  await page.getByTestId('presence-programs-cap').fill('30');
  await page.getByTestId('presence-resume').fill('15');
  await page.getByTestId('presence-save').click();
  await expect(page.getByTestId('presence-saved')).toBeVisible();

  await page.reload();
  await expect(page.getByTestId('presence-programs')).toHaveValue('game.exe\nresolve.exe');
  await expect(page.getByTestId('presence-programs-action')).toHaveValue('cap');
  await expect(page.getByTestId('presence-resume')).toHaveValue('15');
});

test('the Jobs page queues a mining job and a training job that runs in one block past a missed deadline', async ({
  page,
  server,
}) => {
  await page.goto(`${server.url}#/jobs`);
  await page.getByTestId('job-kind').selectOption('mining');
  await expect(page.getByTestId('job-mining-note')).toContainText('pools saved on the Mining page');
  await page.getByTestId('job-queue').click();
  await expect(page.getByTestId('job-1-state')).toHaveText('queued');

  await page.getByTestId('job-kind').selectOption('train');
  await page.getByTestId('job-name').fill('block job');
  await page.getByTestId('job-steps').fill('100');
  await page.getByTestId('job-deadline').fill('2030-01-01T07:00');
  await page.getByTestId('job-mode').selectOption('continuous');
  await page.getByTestId('job-run-past-deadline').check();
  await page.getByTestId('job-queue').click();
  await expect(page.getByTestId('job-2-state')).toHaveText('queued');
  await expect(page.getByTestId('job-facts')).toContainText('one continuous block, past a missed deadline until done');
});
