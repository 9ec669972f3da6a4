import fs from 'node:fs';
import path from 'node:path';
import type { Plan, SetupStatus } from '#contract/index';
import { PRICES_DIR } from '../fixtures/data.ts';
import { call, expect, test } from './fixture.ts';
import { openPage } from './page.ts';

const HOUR = 3_600_000;

/**
 * Real prices around now: 48 hours of the Belgian day-ahead prices from 1 December 2023 07:00 UTC
 * (the morning peak, so the cheap night lies ahead), moved to start at the current hour, as a
 * person's price file of the coming days would be.
 */
function currentPrices(now: number): { csv: string; slots: { start: number; price: number }[] } {
  const rows = fs.readFileSync(path.join(PRICES_DIR, 'be-day-ahead-2023.csv'), 'utf8').trim().split('\n');
  const first = rows.findIndex((r) => r.startsWith('2023-12-01T07:00:00Z'));
  const start = Math.floor(now / HOUR) * HOUR;
  const slots = rows
    .slice(first, first + 48)
    .map((r, i) => ({ start: start + i * HOUR, price: Number(r.split(',')[1]) }));
  const csv = ['start_utc,eur_per_kwh', ...slots.map((s) => `${new Date(s.start).toISOString()},${s.price}`)].join(
    '\n',
  );
  return { csv, slots };
}

/** The Dashboard's definition of the next cheap window, worked out here on the file's own numbers. */
function expectedCheapStart(slots: { start: number; price: number }[], now: number): number {
  const within = slots.filter((s) => s.start + HOUR > now && s.start < now + 24 * HOUR);
  const sorted = within.map((s) => s.price).sort((a, b) => a - b);
  const m =
    sorted.length % 2
      ? sorted[(sorted.length - 1) / 2]!
      : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
  return within.find((s) => s.price < m)!.start;
}

test('a fresh install walked through the first-run setup reaches a plan with a reason for every slot, and the Dashboard names the next cheap window', async ({
  page,
  server,
}) => {
  test.setTimeout(120_000);
  await openPage(page, server, 'Dashboard');

  // A fresh install says that it runs on guesses, and which.
  await expect(page.getByTestId('setup-invite')).toBeVisible();
  const banner = page.getByTestId('assumed-banner');
  await expect(banner).toContainText('Hearth is using guesses: fixed price 0.30 EUR/kWh, gas 0.10 EUR/kWh at 90 %');
  await expect(page.getByTestId('assumed-tariff').first()).toBeVisible();

  await page.getByTestId('setup-open').click();
  await expect(page.getByRole('heading', { name: 'Setup', level: 1 })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Step 1 of 4: Electricity price' })).toBeVisible();

  // Step 1: the price file, chosen as a person would.
  const now = Date.now();
  const prices = currentPrices(now);
  await page.getByLabel('Hourly prices from a file (day-ahead prices)').check();
  await page.getByTestId('setup-save').click();
  await expect(page.getByText('Choose a price file (CSV with start and price columns)')).toBeVisible();
  await page
    .getByLabel(/^Price file/)
    .setInputFiles({ name: 'prices.csv', mimeType: 'text/csv', buffer: Buffer.from(prices.csv) });
  await page.getByTestId('setup-save').click();

  // Step 2: heating. A wrong efficiency is refused at its field, then corrected.
  await expect(page.getByRole('heading', { name: 'Step 2 of 4: Heating' })).toBeFocused();
  await page.getByLabel('Gas boiler').check();
  await page.getByTestId('setup-heat-price').fill('0.12');
  await page.getByTestId('setup-efficiency').fill('920');
  await page.getByTestId('setup-save').click();
  await expect(page.getByText('The efficiency must be between 10 and 100')).toBeVisible();
  await expect(page.getByTestId('setup-efficiency')).toHaveAttribute('aria-invalid', 'true');
  await page.getByTestId('setup-efficiency').fill('92');
  await page.getByTestId('setup-save').click();

  // Step 3: the devices found on this machine.
  await expect(page.getByRole('heading', { name: 'Step 3 of 4: Devices' })).toBeVisible();
  await expect(page.getByTestId('setup-devices')).toContainText('CPU: ');
  await page.getByTestId('setup-save').click();

  // Step 4: what to run: the built-in training job.
  await expect(page.getByRole('heading', { name: 'Step 4 of 4: What to run' })).toBeVisible();
  await page.getByLabel(/Train the built-in language model/).check();
  await page.getByTestId('setup-save').click();

  // Back on the Dashboard: no invitation, no guesses left about the money.
  await expect(page.getByRole('heading', { name: 'Dashboard', level: 1 })).toBeVisible();
  await expect(page.getByTestId('setup-invite')).toHaveCount(0);
  await expect(page.getByTestId('assumed-banner')).toHaveCount(0);
  const status = (await call(page, 'setup-status', {})).result as SetupStatus;
  expect(status.state).toBe('completed');
  expect(status.items.filter((i) => i.assumed).map((i) => i.topic)).toEqual(['mining']);
  expect(status.items.find((i) => i.topic === 'heating')!.value).toBe(
    'gas 0.12 EUR/kWh at 92 %; the room loses 60 W/K',
  );

  // The plan runs the training job somewhere, and every slot says why.
  await expect
    .poll(
      async () => {
        const r = (await call(page, 'plan-get', {})).result as { plan: Plan | null };
        const slots = r.plan?.slots ?? [];
        return (
          slots.length > 0 &&
          slots.some((s) => s.decisions.some((d) => d.job !== null)) &&
          slots.every((s) => s.reason.trim().length > 0)
        );
      },
      { timeout: 30_000 },
    )
    .toBe(true);
  await expect(page.getByTestId('plan-why')).toHaveCount(0);

  // The next cheap window, by the definition the page states, at the time the file says.
  const start = expectedCheapStart(prices.slots, Date.now());
  const at = await page.evaluate(
    (ms) => new Date(ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' }),
    start,
  );
  await expect(page.getByTestId('cheap-definition')).toContainText(
    'cheap: below the median price of the next 24 h of known prices',
  );
  const cheap = page.getByTestId('cheap-window');
  expect(start).toBeGreaterThan(Date.now() + 6 * HOUR);
  await expect(cheap).toHaveText(
    new RegExp(`^cheapest window starts ${at} \\(in \\d+ h( \\d+ min)?\\), until .+, .+/kWh on average$`),
  );
  console.log(`Dashboard after the setup: ${await cheap.textContent()}`);
  await expect(page.getByTestId('now-reason')).not.toHaveText('');
  // The training job the setup queued says when it runs, or why it waits.
  const jobs = (await call(page, 'job-list', {})).result as { id: number }[];
  await expect(page.getByTestId(`job-why-${jobs[0]!.id}`)).toHaveText(
    /^(planned from \S+( [AP]M)? \(in .+\): .+|running)$/,
  );
});

test('the setup can be skipped from the Dashboard (the guesses stay marked) and opened again from Settings', async ({
  page,
  server,
}) => {
  await openPage(page, server, 'Dashboard');
  await page.getByRole('button', { name: 'Skip for now' }).click();
  await expect(page.getByTestId('setup-invite')).toHaveCount(0);
  // Skipping confirms nothing: the guesses are still called guesses.
  await expect(page.getByTestId('assumed-banner')).toContainText('fixed price 0.30 EUR/kWh');
  expect(((await call(page, 'setup-status', {})).result as SetupStatus).state).toBe('skipped');

  // Confirming them as they are ends the banner, and the badges with it.
  await page.getByTestId('assumed-confirm').click();
  await expect(page.getByTestId('assumed-banner')).toHaveCount(0);
  await expect(page.getByTestId('assumed-tariff')).toHaveCount(0);

  await openPage(page, server, 'Settings');
  await page.getByTestId('setup-reopen').click();
  await expect(page.getByRole('heading', { name: 'Setup', level: 1 })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Step 1 of 4: Electricity price' })).toBeVisible();
  // A fixed price typed in, refused while it is not a number, then saved.
  await page.getByTestId('setup-price').fill('abc');
  await page.getByTestId('setup-save').click();
  await expect(page.getByText('The price: type a number')).toBeVisible();
  await expect(page.getByTestId('setup-price')).toHaveAttribute('aria-invalid', 'true');
  await page.getByTestId('setup-price').fill('0.2712');
  await page.getByTestId('setup-save').click();
  await expect(page.getByRole('heading', { name: 'Step 2 of 4: Heating' })).toBeVisible();
  await page.getByTestId('setup-skip').click();
  await expect(page.getByRole('heading', { name: 'Dashboard', level: 1 })).toBeVisible();
  const status = (await call(page, 'setup-status', {})).result as SetupStatus;
  expect(status.items.find((i) => i.topic === 'tariff')!.value).toBe('fixed price 0.2712 EUR/kWh');
  await expect(page.getByTestId('now-price')).toHaveText(/0\.2712/);
});
