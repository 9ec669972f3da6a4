import type { Locator, Page } from '@playwright/test';
import { call, expect, test } from './fixture.ts';
import { expectFieldRefused as expectRefusedAt, fillRefused, openPage, save } from './page.ts';

/** Types into a box key by key, as a person does: the browser keeps what a number box cannot read. */
async function typeInto(field: Locator, text: string): Promise<void> {
  await field.fill('');
  await field.pressSequentially(text);
}

async function tariffSettings(page: Page) {
  const r = await call(page, 'tariff-settings', {});
  expect(r.ok).toBe(true);
  return r.result;
}

/** Opens Schedules with a time-of-use tariff saved (its default zone), and returns what is stored. */
async function savedTimeOfUse(page: Page, server: { url: string }) {
  await openPage(page, server, 'Schedules');
  await page.getByTestId('tariff-kind').selectOption('time-of-use');
  await save(page, 'tariff');
  return tariffSettings(page);
}

test.describe('tariff form', () => {
  test('a time-of-use price of -5 per kWh is refused at its field; a small negative one is asked for and then kept', async ({
    page,
    server,
  }) => {
    const stored = await savedTimeOfUse(page, server);

    const price = page.getByTestId('tou-zone-0-price');
    await fillRefused(
      price,
      '-5',
      'tariff-save',
      'The price must be at least -1 per kWh: a tariff that pays more than that for power is a sign or unit mistake',
    );
    // What the person typed stays in the form to fix; nothing was stored.
    await expect(price).toHaveValue('-5');
    expect(await tariffSettings(page)).toEqual(stored);

    // A small negative price is real in some tariffs: asked once, then saved when confirmed.
    await fillRefused(
      price,
      '-0.05',
      'tariff-save',
      /^A negative price means your supplier pays you for every kWh you use/,
    );
    expect(await tariffSettings(page)).toEqual(stored);
    await page.getByTestId('tariff-negative-ok').check();
    await save(page, 'tariff');
    await expect(price).not.toHaveAttribute('aria-invalid', 'true');
    await page.reload();
    await expect(page.getByTestId('tou-zone-0-price')).toHaveValue('-0.05');
  });

  test('a zone with no days, one that ends when it starts, and a price that is not a number are refused', async ({
    page,
    server,
  }) => {
    const stored = await savedTimeOfUse(page, server);
    const days = page.getByTestId('tariff.zones.0.days-input');
    await expect(days).toHaveValue('1-5');

    // Two bad fields: both marked, the first on the page takes the focus.
    await days.fill('');
    await page.getByTestId('tou-default-price').fill('');
    await page.getByTestId('tariff-save').click();
    await expectRefusedAt(page.getByTestId('tou-default-price'), 'The price must be a number');
    await expect(days).toHaveAttribute('aria-invalid', 'true');
    await page.getByTestId('tou-default-price').fill('0.32');

    await fillRefused(days, '', 'tariff-save', 'Choose at least one day: 1 (Monday) … 7 (Sunday), such as 1-5');

    await fillRefused(days, '1-5, 9', 'tariff-save', 'The days are 1 (Monday) … 7 (Sunday)');

    await days.fill('6,7');
    await page.getByTestId('tou-zone-0-to').fill('22:00');
    await page.getByTestId('tariff-save').click();
    await expectRefusedAt(page.getByTestId('tou-zone-0-to'), 'The zone must end at another time than it starts');

    await page.getByTestId('tou-zone-0-to').fill('06:00');
    const price = page.getByTestId('tou-default-price');
    await typeInto(price, '-');
    await page.getByTestId('tariff-save').click();
    await expectRefusedAt(price, 'The price outside the zones must be a number');

    await page.reload();
    expect(await tariffSettings(page)).toEqual(stored);
    await expect(page.getByTestId('tariff.zones.0.days-input')).toHaveValue('1-5');
  });
});

test.describe('heating form', () => {
  test('a setpoint of 80 °C is refused at its field in plain words, the stored schedule unchanged', async ({
    page,
    server,
  }) => {
    await openPage(page, server, 'Schedules');
    const setpoint = page.getByTestId('setpoint-2-0-c');
    const before = await setpoint.inputValue();
    await fillRefused(setpoint, '80', 'heating-save', 'The setpoint must be between 5 and 30 °C');
    await expect(setpoint).toHaveValue('80');
    await page.reload();
    await expect(page.getByTestId('setpoint-2-0-c')).toHaveValue(before);
  });

  test('with °F chosen, a refused setpoint states its range in °F, the unit its box takes', async ({
    page,
    server,
  }) => {
    await openPage(page, server, 'Settings');
    await page.getByTestId('unit-temperature').selectOption('F');
    await page.getByRole('link', { name: 'Schedules' }).click();
    await expect(page.getByText('Target (°F)').first()).toBeVisible();
    // 176 °F is 80 °C: the schema refuses it as "between 5 and 30 °C", shown as 41 to 86 °F.
    await fillRefused(
      page.getByTestId('setpoint-2-0-c'),
      '176',
      'heating-save',
      'The setpoint must be between 41 and 86 °F',
    );
  });

  test('an emptied number box is named, and the refusal by the core lands at its field the same way', async ({
    page,
    server,
  }) => {
    await openPage(page, server, 'Schedules');
    const loss = page.getByTestId('heat-loss');
    const before = await loss.inputValue();
    await fillRefused(loss, '', 'heating-save', "The room's heat loss must be a number");
    // Where zod would say "Too small: expected number to be >=0", the person reads the range and its unit.
    await fillRefused(loss, '-5', 'heating-save', "The room's heat loss must be between 0 and 2000 W/K");

    // The same schema answers from the core: sent past the form, the refusal names the field.
    const r = await call(page, 'heating-configure', {
      ...((await call(page, 'heating-settings', {})).result as object),
      fallbackOutdoorC: 90,
    });
    expect(r).toMatchObject({
      ok: false,
      error: {
        message: 'The outdoor temperature without a forecast must be between -50 and 50 °C',
        field: 'fallbackOutdoorC',
      },
    });
    await page.reload();
    await expect(page.getByTestId('heat-loss')).toHaveValue(before);
  });
});

test.describe('jobs form', () => {
  test('empty or non-numeric steps and a device this computer lacks are refused at their fields; no job is made', async ({
    page,
    server,
  }) => {
    await openPage(page, server, 'Jobs');
    const steps = page.getByTestId('job-steps');
    await fillRefused(steps, '', 'job-queue', 'The number of steps is required');

    await typeInto(steps, 'e');
    await page.getByTestId('job-queue').click();
    await expectRefusedAt(steps, 'The number of steps must be a number');

    await fillRefused(steps, '0', 'job-queue', 'The number of steps must be between 1 and 10,000,000');

    // Only the core knows the machine's devices: its refusal lands at the device box all the same.
    await steps.fill('50');
    const devices = page.getByTestId('job-devices');
    await fillRefused(devices, 'cpu, toaster', 'job-queue', /^This computer has no device "toaster": choose from cpu/);
    await expect(devices).toHaveValue('cpu, toaster');

    // A deadline already past can never be met.
    await devices.fill('cpu');
    const deadline = page.getByTestId('job-deadline');
    await fillRefused(
      deadline,
      '2020-01-06T10:00',
      'job-queue',
      'The deadline has passed: choose a time still ahead, or leave it empty',
    );

    await page.reload();
    expect(await call(page, 'job-list', {})).toEqual({ ok: true, result: [] });
  });

  test('an external command job needs its command and folder', async ({ page, server }) => {
    await openPage(page, server, 'Jobs');
    await page.getByTestId('job-kind').selectOption('command');
    await page.getByTestId('job-queue').click();
    await expectRefusedAt(
      page.getByTestId('job-command'),
      'Enter the command to run, such as python train.py --epochs 10',
    );
    await expect(page.getByTestId('job-cwd')).toHaveAttribute('aria-invalid', 'true');
    expect(await call(page, 'job-list', {})).toEqual({ ok: true, result: [] });
  });
});

test('mining threads 0 is refused at the box, and the saved thread count stays', async ({ page, server }) => {
  await openPage(page, server, 'Mining');
  const threads = page.getByTestId('mining-threads');
  await expect(threads).not.toHaveValue('');
  const before = await threads.inputValue();
  await threads.fill('0');
  await threads.blur();
  await expectRefusedAt(threads, 'The number of threads must be between 1 and 256: to stop mining, press Stop');
  await expect(threads).toHaveValue('0');
  await page.reload();
  await expect(page.getByTestId('mining-threads')).toHaveValue(before);
  expect(await call(page, 'mining-settings-get', {})).toMatchObject({ ok: true, result: { threads: Number(before) } });
});

test('presence rules: an emptied number is named rather than read as 0, and the stored rules stay', async ({
  page,
  server,
}) => {
  await openPage(page, server, 'Plan');
  const resume = page.getByTestId('presence-resume');
  const before = await resume.inputValue();
  await fillRefused(resume, '', 'presence-save', 'The idle time before resuming must be a number');
  await fillRefused(
    resume,
    '0.1',
    'presence-save',
    'The idle time before resuming must be between 0.5 and 720 minutes',
  );
  await page.reload();
  await expect(page.getByTestId('presence-resume')).toHaveValue(before);
});
