import fs from 'node:fs';
import path from 'node:path';
import { runCli } from '../headless/harness.ts';
import { call, expect, test } from './fixture.ts';
import { expectFieldRefused, openPage, saveRefused } from './page.ts';

test('choosing °F in Settings shows temperatures elsewhere in °F; the desktop-only options say so in a browser', async ({
  page,
  server,
}) => {
  await openPage(page, server, 'Settings');
  await expect(page.getByTestId('desktop-only')).toContainText('Desktop app only');
  await expect(page.getByTestId('pref-autostart')).toBeDisabled();
  await expect(page.getByTestId('data-folder').locator('[data-fact="Folder"]')).toHaveText(server.dataDir);
  await page.getByTestId('unit-temperature').selectOption('F');

  await page.getByRole('link', { name: 'Schedules' }).click();
  // The weekly grid's setpoints (kept in °C by the core) show in °F.
  await expect(page.getByText('Target (°F)').first()).toBeVisible();
  const c = Number(await page.getByTestId('setpoint-0-0-c').inputValue());
  expect(c).toBeGreaterThan(40);
  // A room reading typed in °F is stored in °C and shown back in °F.
  await page.getByTestId('manual-reading').fill('68');
  await page.getByTestId('manual-reading-save').click();
  await expect(page.getByTestId('sensor-indoor')).toContainText(/68[.,]0 °F, just now/);
  const sensors = (await call(page, 'heating-sensors', {})).result as { indoor: { last: { c: number } | null } };
  expect(sensors.indoor.last?.c).toBe(20);

  // Back to °C: the same reading reads 20.0 °C, after a reload too (the choice is stored).
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByTestId('unit-temperature').selectOption('C');
  await page.getByRole('link', { name: 'Schedules' }).click();
  await page.reload();
  await expect(page.getByTestId('sensor-indoor')).toContainText(/20[.,]0 °C/);
});

test('a wrong currency is refused naming the field; a right one is saved and the BTC price follows it', async ({
  page,
  server,
}) => {
  await openPage(page, server, 'Settings');
  const currency = page.getByTestId('ledger-currency');
  await currency.fill('EURO');
  await saveRefused(page, 'ledger', 'Enter a 3-letter currency code such as EUR');
  await expectFieldRefused(currency, 'Enter a 3-letter currency code such as EUR');
  await page.reload();
  await expect(currency).toHaveValue('EUR');
  await currency.fill('usd');
  await page.getByTestId('ledger-save').click();
  await expect(page.getByText('saved')).toBeVisible();
  await page.reload();
  await expect(currency).toHaveValue('USD');
  const market = (await call(page, 'market-status', {})).result as { currency: string };
  expect(market.currency).toBe('USD');
});

test('a backup restores over later changes, and a file that is not a ledger is refused with nothing lost', async ({
  page,
  server,
}) => {
  await openPage(page, server, 'Settings');
  // The bill settings live here as well as on History: one change, visible in both.
  await page.getByTestId('ledger-standing').fill('0.41');
  await page.getByTestId('ledger-save').click();
  await expect(page.getByText('saved')).toBeVisible();

  await page.getByTestId('backup-now').click();
  await expect(page.getByTestId('backup-result')).toContainText('integrity check: ok');
  await expect(page.getByTestId('backup-list').locator('tbody tr')).toHaveCount(1);

  // A later change the restore should undo.
  await page.getByTestId('ledger-standing').fill('0.99');
  await page.getByTestId('ledger-save').click();
  await openPage(page, server, 'History');
  await expect(page.getByTestId('ledger-standing')).toHaveValue('0.99');

  // Not a ledger: refused, and the ledger in use is unchanged.
  // A page names files in the backups folder only.
  await openPage(page, server, 'Settings');
  await page.getByTestId('restore-path').fill(path.join(server.dataDir, 'hearth.db'));
  await page.getByTestId('restore-path-go').click();
  await page.getByTestId('restore-yes').click();
  await expect(page.getByRole('alert')).toContainText("is not a file name in the data folder's backups folder");
  fs.writeFileSync(
    path.join(server.dataDir, 'backups', 'notes.txt'),
    'these are not the ledger rows you are looking for\n',
  );
  await page.getByTestId('restore-path').fill('notes.txt');
  await page.getByTestId('restore-path-go').click();
  await page.getByTestId('restore-yes').click();
  await expect(page.getByRole('alert')).toContainText(
    'is not a Hearth ledger (not an SQLite database): nothing was changed',
  );
  await expect(page.getByRole('alert')).toContainText('the ledger in use is unchanged');
  await expect(page.getByTestId('ledger-standing')).toHaveValue('0.99');

  // The backup: restored in place, the page stays connected, the earlier value is back.
  await page.getByTestId('backup-list').getByRole('button', { name: 'Restore…' }).click();
  await page.getByTestId('restore-yes').click();
  await expect(page.getByTestId('restore-result')).toContainText('Hearth is running on the restored ledger');
  await expect(page.getByTestId('backup-list').locator('tbody tr')).toHaveCount(2);
  // The cards show the restored settings at once, and after a reload.
  await expect(page.getByTestId('ledger-standing')).toHaveValue('0.41');
  await page.reload();
  await expect(page.getByTestId('ledger-standing')).toHaveValue('0.41');
  // The replaced ledger was kept beside the backup.
  expect(fs.readdirSync(path.join(server.dataDir, 'backups')).some((n) => n.startsWith('hearth-before-restore-'))).toBe(
    true,
  );
});

test('a browser shows the allowed programs read-only, with the way to change them on the machine', async ({
  page,
  server,
}) => {
  expect((await runCli(['commands', 'allow', '/bin/sh', '--data-dir', server.dataDir])).code).toBe(0);
  await openPage(page, server, 'Settings');
  await expect(page.getByTestId('programs-read-only')).toContainText('hearth commands');
  const row = page
    .getByTestId('programs-list')
    .getByRole('row')
    .filter({ hasText: fs.realpathSync('/bin/sh') });
  await expect(row).toContainText('runs anything it is given');
  await expect(page.getByTestId('programs-add')).toHaveCount(0);
  // The API says the same to a page that tries anyway.
  const tried = await call(page, 'job-programs-allow', { program: '/usr/bin/env' });
  expect(tried.ok).toBe(false);
  expect(tried.error?.message).toContain('can be called only on this machine');
});

test('the job log size is set in MiB: too small is refused at the field with the range, 2 MiB is stored in bytes', async ({
  page,
  server,
}) => {
  await openPage(page, server, 'Settings');
  const field = page.getByTestId('job-log-max');
  await expect(field).toHaveValue('5');
  await field.fill('0.01');
  await page.getByTestId('job-log-save').click();
  await expectFieldRefused(field, /at least 64 KiB/);
  expect((await call(page, 'job-settings', {})).result).toEqual({ logMaxBytes: 5 * 1024 * 1024 });
  await field.fill('2');
  await page.getByTestId('job-log-save').click();
  await expect(page.getByTestId('job-log-saved')).toBeVisible();
  expect((await call(page, 'job-settings', {})).result).toEqual({ logMaxBytes: 2 * 1024 * 1024 });
  await page.reload();
  await expect(page.getByTestId('job-log-max')).toHaveValue('2');
});
