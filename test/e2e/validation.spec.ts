import type { Locator, Page } from '@playwright/test';
import { call, expect, test } from './fixture.ts';
import { openPage, save } from './page.ts';

/**
 * A refused input, as a person meets it: the plain message right at the field (its
 * aria-describedby), the field marked aria-invalid and holding the focus, and no RPC name, schema
 * path or zod wording anywhere in the message.
 */
async function expectRefusedAt(field: Locator, message: string | RegExp): Promise<void> {
  await expect(field).toHaveAttribute('aria-invalid', 'true');
  await expect(field).toBeFocused();
  const describedBy = await field.getAttribute('aria-describedby');
  expect(describedBy).toBeTruthy();
  const note = field.page().locator(`[id="${describedBy}"]`);
  await expect(note).toHaveText(message);
  const text = (await note.textContent()) ?? '';
  expect(text).not.toMatch(
    /[a-z]+-[a-z]+:|\b\w+\.\d+\.|too small|too big|expected (number|string)|received|invalid input/i,
  );
}

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

test.describe('tariff form', () => {
  test('a time-of-use price of -5 per kWh is refused at its field; a small negative one is asked for and then kept', async ({
    page,
    server,
  }) => {
    await openPage(page, server, 'Schedules');
    await page.getByTestId('tariff-kind').selectOption('time-of-use');
    await save(page, 'tariff');
    const stored = await tariffSettings(page);

    const price = page.getByTestId('tou-zone-0-price');
    await price.fill('-5');
    await page.getByTestId('tariff-save').click();
    await expectRefusedAt(
      price,
      'The price must be at least -1 per kWh: a tariff that pays more than that for power is a sign or unit mistake',
    );
    // What the person typed stays in the form to fix; nothing was stored.
    await expect(price).toHaveValue('-5');
    expect(await tariffSettings(page)).toEqual(stored);

    // A small negative price is real in some tariffs: asked once, then saved when confirmed.
    await price.fill('-0.05');
    await page.getByTestId('tariff-save').click();
    await expectRefusedAt(price, /^A negative price means your supplier pays you for every kWh you use/);
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
    await openPage(page, server, 'Schedules');
    await page.getByTestId('tariff-kind').selectOption('time-of-use');
    await save(page, 'tariff');
    const stored = await tariffSettings(page);
    const days = page.getByTestId('tariff.zones.0.days-input');
    await expect(days).toHaveValue('1-5');

    await days.fill('');
    await page.getByTestId('tariff-save').click();
    await expectRefusedAt(days, 'Choose at least one day: 1 (Monday) … 7 (Sunday), such as 1-5');

    await days.fill('1-5, 9');
    await page.getByTestId('tariff-save').click();
    await expectRefusedAt(days, 'The days are 1 (Monday) … 7 (Sunday)');

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
    await setpoint.fill('80');
    await page.getByTestId('heating-save').click();
    await expectRefusedAt(setpoint, 'The setpoint must be between 5 and 30 °C');
    await expect(setpoint).toHaveValue('80');
    await page.reload();
    await expect(page.getByTestId('setpoint-2-0-c')).toHaveValue(before);
  });

  test('an emptied number box is named, and the refusal by the core lands at its field the same way', async ({
    page,
    server,
  }) => {
    await openPage(page, server, 'Schedules');
    const loss = page.getByTestId('heat-loss');
    const before = await loss.inputValue();
    await loss.fill('');
    await page.getByTestId('heating-save').click();
    await expectRefusedAt(loss, "The room's heat loss must be a number");

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
