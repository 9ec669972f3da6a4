import fs from 'node:fs';
import { chromium, type Browser } from '@playwright/test';
import { startServe, type RunningServer } from '../headless/harness.ts';
import { expect, test } from './fixture.ts';

/**
 * The LAN mode as a browser on another machine meets it: over HTTPS with the certificate Hearth
 * signed itself (accepted as a person accepts it once), under a name given with --allowed-host.
 * Chromium's host resolver maps the names to loopback, so no traffic leaves this machine.
 */
let server: RunningServer | null = null;
let browser: Browser | null = null;
test.afterEach(async () => {
  await browser?.close();
  browser = null;
  await server?.stop('SIGINT');
  server = null;
});

async function lanBrowser(): Promise<Browser> {
  const executable = process.env['HEARTH_CHROMIUM'] ?? '/usr/bin/chromium';
  return chromium.launch({
    ...(fs.existsSync(executable) ? { executablePath: executable } : {}),
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--host-resolver-rules=MAP heater.local 127.0.0.1, MAP attacker.example 127.0.0.1',
    ],
  });
}

test('a browser reaches hearth serve --host 0.0.0.0 by its allowed name over HTTPS, live over wss; another name gets 421', async () => {
  server = await startServe({ args: ['--host', '0.0.0.0', '--allowed-host', 'heater.local'] });
  expect(server.url).toMatch(/^https:\/\//);
  expect(server.output()).toMatch(/TLS certificate SHA-256 fingerprint: ([0-9A-F]{2}:){31}[0-9A-F]{2}/);
  browser = await lanBrowser();
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();

  const first = await page.goto(`https://heater.local:${server.port}/?token=${server.token}#/`);
  expect(first?.url()).not.toContain('token=');
  await expect(page.getByRole('heading', { name: 'Dashboard', level: 1 })).toBeVisible();
  // The token became a cookie only HTTPS carries, which the page's script cannot read.
  const [cookie] = await context.cookies(`https://heater.local:${server.port}/`);
  expect(cookie).toMatchObject({
    name: `hearth_token_${server.port}`,
    secure: true,
    httpOnly: true,
    sameSite: 'Strict',
  });
  expect(await page.evaluate(() => document.cookie)).toBe('');

  // Telemetry pushes over wss move the chart: the WebSocket works under TLS and the allowed name.
  const chart = page.getByTestId('dashboard-power-chart');
  const drawn = async () =>
    `${await chart.getAttribute('data-points')} ${await chart.locator('[role=img]').getAttribute('aria-label')}`;
  const d1 = await drawn();
  await expect.poll(drawn, { timeout: 10_000 }).not.toBe(d1);
  await expect(page.getByText('Connection to the Hearth core lost')).toHaveCount(0);

  // The same server, the same token, a name nobody allowed (a DNS-rebinding page): refused.
  const other = await context.newPage();
  const refused = await other.goto(`https://attacker.example:${server.port}/?token=${server.token}`);
  expect(refused?.status()).toBe(421);
  await expect(other.locator('body')).toContainText('--allowed-host');
  await expect(other.locator('body')).toContainText(`heater.local:${server.port}`);
});
