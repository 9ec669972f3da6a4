import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { localDay } from '#core/time';
import { PRICES_DIR } from '../fixtures/data.ts';
import { homeAssistant, nordPoolState, type HaPrice } from '../support/home-assistant.ts';
import { expect, test } from './fixture.ts';
import { openPage, save, saveRefused } from './page.ts';

const TOKEN = 'ha-e2e-long-lived-token-7788';
const ENTITY = 'sensor.nordpool_kwh_be_eur_3_10_021';
const TZ = 'Europe/Brussels';
const HOUR = 3_600_000;

/** The real Belgian prices (EUR/kWh) of the same calendar day in 2023, hour by hour. */
function pricesOf2023(day: { start: number }): number[] {
  const date = new Date(day.start + 12 * HOUR).toISOString().slice(5, 10);
  const d = localDay(Date.parse(`2023-${date}T12:00:00Z`), TZ);
  const byHour = new Map(
    fs
      .readFileSync(path.join(PRICES_DIR, 'be-day-ahead-2023.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => [Date.parse(l.split(',')[0]!), Number(l.split(',')[1])] as const),
  );
  const out: number[] = [];
  for (let t = d.start; t < d.end; t += HOUR) out.push(byHour.get(t)!);
  return out;
}

/** Today and tomorrow (Brussels) hour by hour, at those real prices (repeated where today has more hours). */
function dayOfPrices(day: { start: number; end: number }): HaPrice[] {
  const real = pricesOf2023(day);
  const out: HaPrice[] = [];
  for (let t = day.start, i = 0; t < day.end; t += HOUR, i++)
    out.push({ start: t, end: t + HOUR, value: real[i % real.length]! });
  return out;
}

let ha: http.Server;
let haUrl = '';
let published: HaPrice[] = [];
test.beforeAll(async () => {
  const today = localDay(Date.now(), TZ);
  const todayPrices = dayOfPrices(today);
  const tomorrowPrices = dayOfPrices(localDay(today.end, TZ));
  published = [...todayPrices, ...tomorrowPrices];
  const route = homeAssistant(TOKEN, {
    [ENTITY]: nordPoolState(ENTITY, {
      today: todayPrices,
      tomorrow: tomorrowPrices,
      timeZone: TZ,
      currency: 'EUR',
      lastUpdated: new Date().toISOString(),
    }),
  });
  ha = http.createServer((req, res) => {
    const reply = route({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: '' });
    res.writeHead(reply.status ?? 200, { 'content-type': reply.type ?? 'application/json' });
    res.end(reply.body);
  });
  await new Promise<void>((resolve) => ha.listen(0, '127.0.0.1', resolve));
  haUrl = `http://127.0.0.1:${(ha.address() as AddressInfo).port}`;
});
test.afterAll(async () => {
  ha.closeAllConnections();
  await new Promise<void>((resolve) => ha.close(() => resolve()));
});

test("a Home Assistant price sensor becomes the tariff: a wrong token is refused and changes nothing, the right one shows the sensor's prices and is never shown back", async ({
  page,
  server,
}) => {
  await openPage(page, server, 'Schedules');
  await page.getByTestId('tariff-kind').selectOption('home-assistant');
  await page.getByTestId('tariff-ha-url').fill(haUrl);
  await page.getByTestId('tariff-ha-entity').fill(ENTITY);
  await page.getByTestId('tariff-tz').fill(TZ);
  const token = page.getByTestId('tariff-token');
  await expect(token).toHaveAttribute('type', 'password');
  await token.fill('a-wrong-token');
  await saveRefused(page, 'tariff', 'Not saved: Home Assistant rejected the token (HTTP 401)');
  await page.reload();
  await expect(page.getByTestId('tariff-kind')).toHaveValue('fixed');

  await page.getByTestId('tariff-kind').selectOption('home-assistant');
  await page.getByTestId('tariff-ha-url').fill(haUrl);
  await page.getByTestId('tariff-ha-entity').fill(ENTITY);
  await page.getByTestId('tariff-tz').fill(TZ);
  await page.getByTestId('tariff-token').fill(TOKEN);
  await save(page, 'tariff');
  await expect(page.getByTestId('tariff-status')).toContainText('Prices: ok');

  // The chart shows the next 48 hours that the sensor has prices for, with its cheapest hour.
  const from = Math.floor(Date.now() / HOUR) * HOUR;
  const shown = published.filter((p) => p.end > from && p.start < from + 48 * HOUR);
  await expect(page.getByTestId('price-chart')).toHaveAttribute('data-slots', String(shown.length));
  const cheapest = Math.min(...shown.map((p) => p.value!));
  await expect(page.getByTestId('price-cheapest')).toContainText(`${cheapest.toFixed(5)} EUR/kWh`);

  await page.reload();
  await expect(page.getByTestId('tariff-kind')).toHaveValue('home-assistant');
  await expect(page.getByTestId('tariff-ha-entity')).toHaveValue(ENTITY);
  const back = await page.getByTestId('tariff-token').inputValue();
  expect(back).not.toContain(TOKEN.slice(0, -4));
  expect(await page.content()).not.toContain(TOKEN);
});
