import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { expect, test } from './fixture.ts';

/** Read independently of the app: what the kernel names the CPU, and what nproc counts. */
function systemCpu(): { model: string; logical: number } {
  const model = /^model name\s*:\s*(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? '';
  return { model, logical: Number(execFileSync('nproc').toString().trim()) };
}

test('the Devices page shows the CPU model and logical cores the system reports', async ({ page, server }) => {
  test.skip(process.platform !== 'linux', 'reads /proc/cpuinfo and nproc, which exist on Linux only');
  const cpu = systemCpu();
  await page.goto(`${server.url}#/devices`);
  const facts = page.getByTestId('cpu-facts');
  await expect(facts.locator('[data-fact="Model"]')).toHaveText(cpu.model);
  await expect(facts.locator('[data-fact="Logical cores"]')).toHaveText(String(cpu.logical));
  // Live power arrives with the first telemetry push, labelled with where it comes from.
  await expect(facts.locator('[data-fact="Power"]')).toContainText(/\d W (measured|estimate)/);
  // A sensor this machine lacks reads "not reported", never 0.
  const temp = await facts.locator('[data-fact="Temperature"]').textContent();
  expect(temp === 'not reported' || /°C$/.test(temp ?? '')).toBe(true);
  await expect(page.getByTestId('core-load').locator('.core')).toHaveCount(cpu.logical);
  // The token traded for a cookie: it is gone from the address bar.
  expect(page.url()).not.toContain('token=');
});

test('the Dashboard shows live power, heat and load with units, updating each second', async ({ page, server }) => {
  await page.goto(server.url);
  await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
  const power = page.getByTestId('stat-power').locator('.stat-value');
  await expect(power).toHaveText(/^[\d.,]+ W$/);
  await expect(page.getByTestId('stat-heat').locator('.stat-value')).toHaveText(/^[\d.,]+ W$/);
  await expect(page.getByTestId('stat-load').locator('.stat-value')).toHaveText(/^\d+ %$/);
  await expect(page.getByTestId('stat-heat-today').locator('.stat-value')).toHaveText(/^[\d.,]+ k?Wh$/);
  // Two pushes a second apart move the chart: the WebSocket is live.
  const chart = page.getByRole('img', { name: 'Power over time' }).locator('path');
  const d1 = await chart.getAttribute('d');
  await expect.poll(async () => chart.getAttribute('d'), { timeout: 5000 }).not.toBe(d1);
});

test('navigation lists only pages that work: each opens with its title and no error', async ({ page, server }) => {
  await page.goto(server.url);
  const links = page.getByRole('navigation', { name: 'Main' }).getByRole('link');
  const titles = await links.allTextContents();
  expect(titles.slice(0, 2)).toEqual(['Dashboard', 'Devices']);
  for (const title of titles) {
    await links.filter({ hasText: title }).first().click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(title);
    await page.waitForTimeout(1500);
    await expect(page.getByRole('alert')).toHaveCount(0);
  }
});

test('without the token the page is refused', async ({ page, server }) => {
  const res = await page.goto(server.origin);
  expect(res?.status()).toBe(401);
  await expect(page.locator('body')).toContainText('access token');
});
