import { expect, test } from './fixture.ts';
import { hoverChart, plotOf } from './chart.ts';
import { expectFieldRefused, openPage, save, saveRefused } from './page.ts';

test('a time-of-use tariff shows as a 48-hour price chart with the cheapest and dearest slots', async ({
  page,
  server,
}) => {
  await openPage(page, server, 'Schedules');
  await expect(page.getByTestId('price-chart')).toHaveAttribute('data-slots', '48');
  await page.getByTestId('tariff-kind').selectOption('time-of-use');
  const zones = page.getByTestId('tou-zones');
  await zones.getByLabel('Days (1 = Mon … 7 = Sun)').fill('1,2,3,4,5,6,7');
  await page.getByTestId('tariff-tz').fill('Europe/Brussels');
  await save(page, 'tariff');
  await expect(page.getByTestId('price-cheapest')).toContainText('0.22000 EUR/kWh');
  await expect(page.getByTestId('price-dearest')).toContainText('0.32000 EUR/kWh');
  await expect(page.getByTestId('price-chart')).toHaveAttribute('data-slots', '48');
  // A time axis in the tariff's zone with the price's unit, now marked, and one row per slot in the data table.
  const chart = page.getByTestId('price-timechart');
  await expect(plotOf(chart)).toHaveAttribute(
    'aria-label',
    /^Electricity price per slot, \w{3}, \w{3} \d+, \d\d:\d\d [AP]M to .+ \(Europe\/Brussels\)\. Dashed line: now, .+ 0\.22000 EUR\/kWh/,
  );
  await expect(plotOf(chart)).toHaveAttribute('data-x-ticks', /\d\d:\d\d/);
  await expect(plotOf(chart)).toHaveAttribute('data-y-ticks-price', /0\.\d+ .* EUR\/kWh$/);
  await expect(chart.locator('details tbody tr')).toHaveCount(48);
  // Hovering a bar shows its slot and price with the unit.
  await hoverChart(chart, 0.5);
  await expect(chart.locator('.u-legend')).toContainText(/\w{3} \d\d:\d\d/);
  await expect(chart.locator('.u-legend')).toContainText(/0\.[23]2000 EUR\/kWh/);
  await expect(page.getByTestId('tariff-status')).toContainText('Prices: ok');

  // A provider setting that is missing is named, and the saved tariff stays.
  await page.getByTestId('tariff-kind').selectOption('tibber');
  await saveRefused(page, 'tariff', 'The Tibber API token is required');
  await expectFieldRefused(page.getByTestId('tariff-token'), 'The Tibber API token is required');
  await page.reload();
  await expect(page.getByTestId('tariff-kind')).toHaveValue('time-of-use');
});

test('the weekly schedule refuses 80 °C naming the cell, saves 22 °C, and a typed reading shows with its age', async ({
  page,
  server,
}) => {
  await openPage(page, server, 'Schedules');
  const monday = page.getByTestId('setpoint-0-0-c');
  await monday.fill('80');
  await saveRefused(page, 'heating', 'The setpoint must be between 5 and 30 °C');
  await expectFieldRefused(monday, 'The setpoint must be between 5 and 30 °C');
  await monday.fill('22');
  await save(page, 'heating');
  await page.reload();
  await expect(page.getByTestId('setpoint-0-0-c')).toHaveValue('22');

  await expect(page.getByTestId('sensor-indoor')).toContainText('no reading yet');
  await page.getByTestId('manual-reading').fill('20.5');
  await page.getByTestId('manual-reading-save').click();
  await expect(page.getByTestId('sensor-indoor')).toContainText(/20[.,]5 °C, just now/);

  // Without logged outdoor temperatures the heat-loss estimate says what it needs.
  await page.getByTestId('heat-loss-estimate').click();
  await expect(page.getByTestId('heat-loss-estimate-result')).toContainText('Set a location');
});

test('a CSV chosen on the page imports, and one with a bad row is refused naming the line', async ({
  page,
  server,
}) => {
  await openPage(page, server, 'Schedules');
  await page.getByTestId('tariff-kind').selectOption('csv');
  await save(page, 'tariff');
  await expect(page.getByTestId('tariff-status')).toContainText('No prices imported yet');
  const hours = Array.from({ length: 72 }, (_, i) =>
    new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 + (i - 12) * 3_600_000).toISOString(),
  );
  const csv = `start_utc,eur_per_mwh\n${hours.map((h, i) => `${h},${(i % 24) * 10 + 5}`).join('\n')}\n`;
  await page
    .getByTestId('csv-file')
    .setInputFiles({ name: 'prices.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await expect(page.getByTestId('csv-result')).toContainText('prices.csv: 72 slots of 60 min');
  await expect(page.getByTestId('price-chart')).toHaveAttribute('data-slots', '48');
  await expect(page.getByTestId('price-cheapest')).toContainText('0.00500 EUR/kWh');
  await expect(page.getByTestId('price-dearest')).toContainText('0.23500 EUR/kWh');

  await page.getByTestId('csv-file').setInputFiles({
    name: 'bad.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('start_utc,eur_per_kwh\n2024-01-01T00:00:00Z,0.1\n2024-01-01T01:00:00Z,oops\n'),
  });
  await expect(page.getByRole('alert')).toContainText('line 3: price "oops" is not a number');
  await expect(page.getByTestId('price-chart')).toHaveAttribute('data-slots', '48');
});
