import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import type { Request } from '@playwright/test';
import { call, expect, hourlyPricesCsv, importPrices, test } from './fixture.ts';
import { openPage } from './page.ts';

/** Read independently of the app: what the kernel names the CPU, and what nproc counts. */
function systemCpu(): { model: string; logical: number } {
  const model = /^model name\s*:\s*(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? '';
  return { model, logical: Number(execFileSync('nproc').toString().trim()) };
}

test('the Devices page shows the CPU model and logical cores the system reports', async ({ page, server }) => {
  test.skip(process.platform !== 'linux', 'reads /proc/cpuinfo and nproc, which exist on Linux only');
  const cpu = systemCpu();
  await openPage(page, server, 'Devices');
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
  await openPage(page, server, 'Dashboard');
  const power = page.getByTestId('stat-power').locator('.stat-value');
  await expect(power).toHaveText(/^[\d.,]+ W$/);
  await expect(page.getByTestId('stat-heat').locator('.stat-value')).toHaveText(/^[\d.,]+ W$/);
  await expect(page.getByTestId('stat-load').locator('.stat-value')).toHaveText(/^\d+ %$/);
  await expect(page.getByTestId('stat-heat-today').locator('.stat-value')).toHaveText(/^[\d.,]+ k?Wh$/);
  // Two pushes a second apart move the chart: the WebSocket is live.
  const chart = page.getByTestId('dashboard-power-chart');
  const drawn = async () =>
    `${await chart.getAttribute('data-points')} ${await chart.getAttribute('data-x-ticks')} ${await chart.locator('[role=img]').getAttribute('aria-label')}`;
  const d1 = await drawn();
  await expect.poll(drawn, { timeout: 5000 }).not.toBe(d1);
});

test('navigation lists only pages that work: each opens with its title and no error', async ({ page, server }) => {
  // A page shows an alert when a call it makes fails. Rather than give each page a fixed time to
  // fail, wait for what gives it its chance: every call it made has answered, and two frames were
  // painted since with no new call started (its effects have run and the answers are on screen).
  let started = 0;
  let pending = 0;
  const isCall = (r: Request) => new URL(r.url()).pathname.startsWith('/api/');
  page.on('request', (r) => {
    if (!isCall(r)) return;
    started++;
    pending++;
  });
  const answered = (r: Request) => {
    if (isCall(r)) pending--;
  };
  page.on('requestfinished', answered);
  page.on('requestfailed', answered);
  const painted = () =>
    page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));
  const settled = async (title: string, since: number) => {
    for (let look = 0; look < 20; look++) {
      await expect.poll(() => started > since && pending === 0, { message: `${title}: its calls answered` }).toBe(true);
      const at = started;
      await painted();
      if (started === at && pending === 0) return;
    }
    throw new Error(`${title} kept making calls`);
  };

  await openPage(page, server, 'Dashboard');
  const links = page.getByRole('navigation', { name: 'Main' }).getByRole('link');
  const titles = await links.allTextContents();
  expect(titles.slice(0, 2)).toEqual(['Dashboard', 'Devices']);
  let seen = 0; // the Dashboard is open already: the calls it made on opening count for the first title
  for (const title of titles) {
    await links.filter({ hasText: title }).first().click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(title);
    await settled(title, seen);
    await expect(page.getByRole('alert')).toHaveCount(0);
    seen = started;
  }
});

test('without the token the page is refused', async ({ page, server }) => {
  const res = await page.goto(server.origin);
  expect(res?.status()).toBe(401);
  await expect(page.locator('body')).toContainText('access token');
});

test('a device switched off on the Devices page runs nothing in any slot, says so in each reason, and stays off after a reload; heat only keeps it to slots that need heat', async ({
  page,
  server,
}) => {
  test.setTimeout(90_000);
  await openPage(page, server, 'Devices');
  // Power that pays to be drawn (−0.05 EUR/kWh) for 48 h, and heat needed only by day (21 °C from
  // 06:30, 5 °C, the outdoor fallback, from 22:30): the plan alone runs the CPU day and night.
  const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000;
  await importPrices(page, hourlyPricesCsv(hour, Array(48).fill('-0.05')), { perKWh: 0, tax: 0 });
  const heating = (await call(page, 'heating-settings', {})).result as Record<string, unknown>;
  const day = [
    { at: '06:30', c: 21 },
    { at: '22:30', c: 5 },
  ];
  expect(
    await call(page, 'heating-configure', {
      ...heating,
      season: { kind: 'dates', from: '01-01', to: '12-31' },
      fallbackOutdoorC: 5,
      schedule: [day, day, day, day, day, day, day],
    }),
  ).toMatchObject({ ok: true });
  // Something to run: a training job the plan may put on the CPU.
  expect((await call(page, 'job-create', { name: 'Device mode test', spec: { kind: 'train' } })).ok).toBe(true);
  const group = page.getByTestId('cpu-facts').locator('..').getByRole('group', { name: 'Mode for the CPU' });
  await expect(group.getByRole('radio', { name: 'Plan' })).toBeChecked();
  // A fresh install guesses the CPU's rated power unless told: the badge says so.
  await expect(page.getByTestId('assumed-devices')).toHaveText('assumed');

  type Slot = { decisions: { device: string; job: string | null }[]; reason: string; start: number };
  const plan = async () =>
    ((await call(page, 'plan-get', {})).result as { plan: { slots: Slot[] } | null }).plan?.slots ?? [];
  const cpuRuns = (s: Slot) => s.decisions.some((d) => d.device === 'cpu' && d.job !== null);

  const demandAt = async (slots: Slot[]) => {
    const d = (await call(page, 'heating-demand', { from: slots[0]!.start, to: slots.at(-1)!.start + 3_600_000 }))
      .result as { start: number; end: number; demandW: number }[];
    return (s: Slot) => d.find((h) => h.start <= s.start && s.start < h.end)?.demandW ?? 0;
  };
  // Under the plan alone the CPU also runs where no heat is needed (being paid to draw power).
  await expect
    .poll(
      async () => {
        const all = await plan();
        const need = all.length ? await demandAt(all) : () => 0;
        return all.some((s) => cpuRuns(s) && need(s) === 0);
      },
      { timeout: 30_000 },
    )
    .toBe(true);

  await group.getByText('Off', { exact: true }).click();
  await expect(group.getByRole('radio', { name: 'Off' })).toBeChecked();
  await expect
    .poll(
      async () => {
        const all = await plan();
        return all.length > 0 && !all.some(cpuRuns) && all.every((s) => s.reason.includes('cpu switched off'));
      },
      { timeout: 30_000 },
    )
    .toBe(true);
  await page.reload();
  const again = page.getByTestId('cpu-facts').locator('..').getByRole('group', { name: 'Mode for the CPU' });
  await expect(again.getByRole('radio', { name: 'Off' })).toBeChecked();

  // Heat only: the CPU runs only where the heating needs heat, as the heating domain says.
  await again.getByText('Heat only', { exact: true }).click();
  await expect(again.getByRole('radio', { name: 'Heat only' })).toBeChecked();
  await expect
    .poll(async () => !(await plan()).some((s) => s.reason.includes('cpu switched off')), { timeout: 30_000 })
    .toBe(true);
  const slots = await plan();
  const need = await demandAt(slots);
  expect(slots.some(cpuRuns)).toBe(true);
  for (const s of slots.filter(cpuRuns))
    expect(need(s), `slot ${new Date(s.start).toISOString()} runs the CPU`).toBeGreaterThan(0);
  expect(slots.some((s) => need(s) === 0 && s.reason.includes('heat only: job:'))).toBe(true);
  expect(await call(page, 'run-modes-get', {})).toEqual({ ok: true, result: { devices: { cpu: 'heat' }, jobs: {} } });
});
