import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pricesCsv } from '../../scripts/sample-data.mjs';
import { PRICES_DIR, WEATHER_DIR } from '../fixtures/data.ts';
import { allowProgram } from '#core/job/allow-list';
import { call, expect, importPrices, test } from './fixture.ts';
import { hoverChart, plotOf } from './chart.ts';
import { fillRefused, openPage, setFields } from './page.ts';

test('the timeline stacks planned power by job with a now line and a reason on hover; a thermal backtest of January 2023 shows the planner beating always-on', async ({
  page,
  server,
}) => {
  test.setTimeout(180_000);
  await openPage(page, server, 'Plan');
  await expect(page.getByTestId('backtest-form')).toBeVisible();
  // Household charges on the spot prices, as a Belgian household pays them (about).
  await importPrices(page, pricesCsv(Date.now()), { perKWh: 0.12, tax: 0.06 });
  // Heat is wanted whatever month this runs in.
  const heating = await call(page, 'heating-settings', {});
  expect(
    await call(page, 'heating-configure', { ...(heating.result as object), season: { kind: 'always' } }),
  ).toMatchObject({ ok: true });
  // Two jobs worth running on the CPU (commands that only wait), so the plan has power to stack.
  allowProgram(server.dataDir, process.execPath, 0);
  for (const [name, valuePerHour] of [
    ['render', 0.4],
    ['encode', 0.3],
  ] as const) {
    const created = await call(page, 'job-create', {
      name,
      spec: { kind: 'command', command: [process.execPath, '-e', 'setTimeout(() => {}, 600000)'], cwd: os.tmpdir() },
      devices: ['cpu'],
      valuePerHour,
    });
    expect(created, JSON.stringify(created)).toMatchObject({ ok: true });
  }

  const timeline = page.getByTestId('plan-timeline');
  await expect(timeline).toBeVisible({ timeout: 30_000 });
  // The power chart's legend names the planned jobs (by their names, not the planner's ids), in watts.
  const power = page.getByTestId('timeline-power');
  await expect(power.locator('.u-legend')).toContainText(/(render|encode) \(W\)/, { timeout: 30_000 });
  await expect(power.locator('.u-legend')).toContainText('heat demand (W)');
  // The folded slot table names them the same way.
  await expect(page.getByTestId('plan-table')).toContainText(/cpu: (render|encode)/);
  await expect(page.getByTestId('timeline-now')).toBeAttached();

  // Hover a slot: its reason shows, the same text the plan carries for that slot.
  await hoverChart(power, 0.1);
  const tooltip = page.getByTestId('timeline-tooltip');
  await expect(tooltip).toBeVisible();
  await expect(tooltip).toContainText('EUR/kWh');
  const reason = await page.getByTestId('timeline-reason').textContent();
  expect(reason?.length ?? 0).toBeGreaterThan(3);
  await expect(page.getByTestId('plan-table')).toContainText(reason ?? '');

  // The thermal backtest of January 2023 in the browser's zone, with Aachen's measured temperatures.
  await setFields(page, { 'backtest-from': '2023-01-01', 'backtest-to': '2023-02-01' });
  await page.getByTestId('backtest-weather').setInputFiles(path.join(WEATHER_DIR, 'aachen-2023-hourly.csv'));
  await expect(page.getByText('Weather: aachen-2023-hourly.csv')).toBeVisible();
  await page.getByTestId('backtest-run').click();
  await expect(page.getByTestId('backtest-progress')).toBeVisible();
  const table = page.getByTestId('backtest-table');
  await expect(table).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('backtest-progress')).toBeHidden();
  // One row per policy, and every assumption with where it came from: the saved tariff's charges
  // and heat source, the imported prices, the defaults nobody saved.
  expect(await table.locator('tbody tr').count()).toBe(5);
  const assumed = (topic: string) => page.getByTestId('backtest-setup').locator(`li[data-topic="${topic}"]`);
  await expect(assumed('electricity')).toContainText(
    '(spot + 0.1200 EUR/kWh grid fee and levies) × (1 + 6 % VAT) (the tariff settings)',
  );
  await expect(assumed('electricity')).toHaveAttribute('data-origin', 'saved');
  await expect(assumed('prices')).toContainText('spot prices from the imported price file');
  await expect(assumed('heat source')).toContainText('gas at 0.1000 EUR/kWh');
  await expect(assumed('heat source')).toHaveAttribute('data-origin', 'saved');
  await expect(assumed('house')).toContainText('UA 200 W/K, heat capacity 10,000 Wh/K');
  await expect(assumed('computer')).toContainText('500 W while it runs');
  await expect(assumed('computer')).toHaveAttribute('data-origin', 'default');
  await expect(assumed('computer')).toContainText('default: check it');
  const total = (policy: string, col: string) => table.locator(`td[data-policy="${policy}"][data-col="${col}"]`);
  const net = async (policy: string) => Number(await total(policy, 'net').getAttribute('data-value'));
  expect(await net('planner')).toBeGreaterThan(await net('always'));
  expect(await net('planner')).toBeGreaterThanOrEqual((await net('none')) - 0.01);
  // Heating alone nets minus the household's gas bill.
  expect(await net('none')).toBeLessThan(-100);
  await expect(total('planner', 'net')).toHaveText(/€|EUR/);
  await expect(total('always', 'computeKWh')).toHaveText(/kWh$/);
  // Net per month per policy: one month on a month axis, the five policies' bars side by side, in EUR.
  const chart = page.getByTestId('backtest-chart');
  await expect(plotOf(chart)).toHaveAttribute('data-x-ticks', 'Jan 2023');
  await expect(plotOf(chart)).toHaveAttribute('data-y-ticks-net', /^.+ net \(EUR\)$/);
  await expect(plotOf(chart)).toHaveAttribute(
    'aria-label',
    /^Net per month per policy, .+ planner net \(EUR\): [−-]?(€|EUR)\s?[\d,]+\.\d+ throughout\./,
  );
  await hoverChart(chart, 0.5);
  const legend = chart.locator('.u-legend');
  await expect(legend).toContainText('Jan 2023');
  for (const policy of ['planner', 'thermostat', 'always', 'threshold', 'none'])
    await expect(legend).toContainText(`${policy} net (EUR)`);
  await expect(legend).toContainText(/[−-](€|EUR)\s?[\d,]+\.\d\d/);
});

test('the backtest form names the bad line of a weather file', async ({ page, server }) => {
  await openPage(page, server, 'Plan');
  // The weather file is read before any prices: its bad line is named even with no prices stored.
  await setFields(page, { 'backtest-from': '2023-01-01', 'backtest-to': '2023-01-03' });
  await page.getByTestId('backtest-weather').setInputFiles({
    name: 'weather.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('time,temp_c\n2023-01-01T00:00:00Z,4\n2023-01-01T01:00:00Z,chilly\n'),
  });
  await expect(page.getByText('Weather: weather.csv')).toBeVisible();
  await page.getByTestId('backtest-run').click();
  await expect(page.getByRole('alert')).toContainText('weather.csv line 3: temperature "chilly" is not a number');
});

test('with a time-of-use tariff live and a heat pump saved, the backtest replays the imported spot prices, says so, names a typed figure as given, and gas chosen in the form overrides the saved heat pump', async ({
  page,
  server,
}) => {
  test.setTimeout(120_000);
  await openPage(page, server, 'Plan');
  await expect(page.getByTestId('backtest-stored')).toContainText('No past prices are stored');
  const heating = await call(page, 'heating-settings', {});
  expect(
    await call(page, 'heating-configure', {
      ...(heating.result as object),
      timeZone: 'Europe/Brussels',
      heatSource: { kind: 'heat-pump', cop: [{ outdoorC: 0, cop: 3 }], capacityW: 9000 },
    }),
  ).toMatchObject({ ok: true });
  expect(
    await call(page, 'tariff-configure', {
      tariff: {
        kind: 'time-of-use',
        currency: 'EUR',
        defaultPrice: 0.4,
        zones: [{ from: '22:00', to: '06:00', price: 0.2 }],
      },
      charges: { perKWh: 0.1, tax: 0 },
      timeZone: 'Europe/Brussels',
    }),
  ).toMatchObject({ ok: true });
  // Added beside the live tariff, which stays: the import says so.
  const imported = await call(page, 'tariff-import-csv', {
    csv: fs.readFileSync(path.join(PRICES_DIR, 'be-day-ahead-2023.csv'), 'utf8'),
  });
  expect(imported.result).toMatchObject({ inUse: false, reachesNow: false });
  expect((imported.result as { message: string }).message).toMatch(
    /ends before today, so the live plan does not use it/,
  );
  // The card offers the stored prices' first month as the period.
  await expect(page.getByTestId('backtest-stored')).toContainText('the imported price file');
  await expect(page.getByTestId('backtest-from')).toHaveValue('2023-01-01');
  await expect(page.getByTestId('backtest-to')).toHaveValue('2023-02-01');

  await setFields(page, {
    'backtest-from': '2023-01-09',
    // Into February: the chart shows each month's bars at its own month.
    'backtest-to': '2023-02-16',
    'backtest-policy-planner': false,
    'backtest-policy-thermostat': false,
    'backtest-policy-threshold': false,
    'backtest-ua': '150',
  });
  await page.getByTestId('backtest-weather').setInputFiles(path.join(WEATHER_DIR, 'aachen-2023-hourly.csv'));
  await expect(page.getByText('Weather: aachen-2023-hourly.csv')).toBeVisible();
  await page.getByTestId('backtest-run').click();
  await expect(page.getByTestId('backtest-table')).toBeVisible({ timeout: 60_000 });
  const assumed = (topic: string) => page.getByTestId('backtest-setup').locator(`li[data-topic="${topic}"]`);
  // Spot prices plus the saved charges, never the time-of-use tariff's 0.20/0.40.
  await expect(assumed('prices')).toContainText('spot prices from the imported price file');
  await expect(assumed('electricity')).toContainText('(spot + 0.1000 EUR/kWh grid fee and levies)');
  await expect(assumed('heat source')).toContainText('heat pump on household electricity, COP 3 at 0 °C');
  await expect(assumed('heat source')).toHaveAttribute('data-origin', 'saved');
  await expect(assumed('house')).toContainText('UA 150 W/K');
  await expect(assumed('house')).toHaveAttribute('data-origin', 'given');
  await expect(assumed('house')).toContainText('given here');
  await expect(assumed('weather')).toContainText('aachen-2023-hourly.csv');
  const chart = page.getByTestId('backtest-chart');
  await expect(plotOf(chart)).toHaveAttribute('data-x-ticks', 'Jan 2023 | Feb 2023');
  await hoverChart(chart, 0.75);
  await expect(chart.locator('.u-legend')).toContainText('Feb 2023');
  await expect(chart.locator('.u-legend')).toContainText(/always net \(EUR\)\s*[−-](€|EUR)\s?[\d,]+\.\d\d/);

  // The form overrides the saved heat pump with gas, as `hearth backtest --heat-source gas` does.
  const table = page.getByTestId('backtest-table');
  const net = async (policy: string) =>
    Number(await table.locator(`td[data-policy="${policy}"][data-col="net"]`).getAttribute('data-value'));
  const savedNone = await net('none');
  await expect(page.getByTestId('backtest-heat-source').locator('option:checked')).toHaveText('Saved (heat pump)');
  await setFields(page, { 'backtest-heat-source': 'gas', 'backtest-source-price': '0.08' });
  // A boiler without efficiency is refused at its field, before anything runs.
  await fillRefused(
    page.getByTestId('backtest-source-efficiency'),
    '0',
    'backtest-run',
    'The efficiency must be above 0',
  );
  await expect(page.getByTestId('backtest-progress')).toBeHidden();
  await setFields(page, { 'backtest-source-efficiency': '0.9' });
  await page.getByTestId('backtest-run').click();
  await expect(assumed('heat source')).toContainText('gas at 0.0800 EUR/kWh', { timeout: 60_000 });
  await expect(assumed('heat source')).toHaveAttribute('data-origin', 'given');
  await expect(assumed('heat source')).toContainText('given here');
  // Heating alone now costs the gas bill, not the heat pump's electricity.
  expect(await net('none')).not.toBeCloseTo(savedNone, 2);
  expect(await net('none')).toBeLessThan(0);
  // Back to the saved one: nothing sent, the heat pump again, as saved.
  await setFields(page, { 'backtest-heat-source': 'saved' });
  await page.getByTestId('backtest-run').click();
  await expect(assumed('heat source')).toContainText('heat pump on household electricity', { timeout: 60_000 });
  await expect(assumed('heat source')).toHaveAttribute('data-origin', 'saved');
  expect(await net('none')).toBeCloseTo(savedNone, 6);
});

test('a past year made the tariff: the Schedules page says its prices end before now, never "ok"', async ({
  page,
  server,
}) => {
  await openPage(page, server, 'Schedules');
  const imported = await call(page, 'tariff-import-csv', {
    csv: fs.readFileSync(path.join(PRICES_DIR, 'be-day-ahead-2023.csv'), 'utf8'),
    useAsTariff: true,
  });
  expect(imported.result).toMatchObject({ inUse: true, reachesNow: false });
  await page.reload();
  const status = page.getByTestId('tariff-status');
  await expect(status).toContainText('Prices: error');
  await expect(status).toContainText('The imported prices end 2023-12-31, before now: the live plan has no prices.');
  await expect(status).not.toContainText('Prices: ok');
});
