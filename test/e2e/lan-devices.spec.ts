import net from 'node:net';
import type { Locator, Page } from '@playwright/test';
import type { LanDevice } from '#contract/index';
import { startMosquitto } from '../fixtures/mosquitto.ts';
import { apiCall, startServe } from '../headless/harness.ts';
import { startAxeosSim } from '../support/sim/axeos.ts';
import { startBraiinsSim } from '../support/sim/braiins.ts';
import { startCgminerSim, startHostilePeer } from '../support/sim/cgminer.ts';
import { call, expect, hourlyPricesCsv, importPrices, test } from './fixture.ts';
import { openPage, save, setFields } from './page.ts';

/**
 * The Devices page with heater-miners on the LAN: simulators written from each firmware's API
 * (test/support/sim) listen on their own loopback addresses, and the page adds, reads, configures
 * and removes them through the real server.
 */
const closers: (() => Promise<void>)[] = [];
test.afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

/** The table row of the device shown under `name`. */
function row(page: Page, name: string): Locator {
  return page
    .getByTestId('home-devices')
    .locator('tbody tr')
    .filter({ has: page.getByRole('button', { name, exact: true }) });
}
const cell = (r: Locator, col: string) => r.locator(`[data-col="${col}"]`);

async function addThroughForm(page: Page, fields: { kind: string; host: string; port: number; name?: string }) {
  await setFields(page, {
    'device-add-kind': fields.kind,
    'device-add-host': fields.host,
    'device-add-port': String(fields.port),
    'device-add-name': fields.name ?? '',
  });
  await save(page, 'device-add');
}

async function lanDevices(page: Page): Promise<LanDevice[]> {
  return (await call(page, 'device-list', {})).result as LanDevice[];
}

/** Reads every LAN device now, from the page's button, and waits until the reading is over. */
async function readNow(page: Page) {
  const button = page.getByTestId('devices-refresh');
  await button.click();
  await expect(button).toBeEnabled({ timeout: 20_000 });
}

test('LAN devices: two AxeOS and an Avalon added through the form show their power, hash rate and temperature; rename, unheated, remove; a wrong kind is refused at the address; one that stops answering shows offline with the reason', async ({
  page,
  server,
}) => {
  test.setTimeout(120_000);
  const desk = await startAxeosSim({ host: '127.0.0.61' });
  const shelf = await startAxeosSim({ host: '127.0.0.62', asic: 'BM1366' });
  const avalon = await startCgminerSim({ host: '127.0.0.63', model: 'Mini3' });
  closers.push(desk.close, shelf.close, avalon.close);

  await openPage(page, server, 'Devices');
  // This PC's CPU is a row of the table before any LAN device is added.
  await expect(page.getByTestId('device-row-cpu')).toBeVisible();

  await addThroughForm(page, { kind: 'axeos', host: '127.0.0.61', port: desk.address.port, name: 'Desk' });
  await addThroughForm(page, { kind: 'axeos', host: '127.0.0.62', port: shelf.address.port, name: 'Shelf' });
  // No name: the core names it by the model it reported and its address.
  await addThroughForm(page, { kind: 'cgminer', host: '127.0.0.63', port: avalon.port });
  const listed = await lanDevices(page);
  expect(listed.map((d) => d.kind)).toEqual(['axeos', 'axeos', 'cgminer']);
  const avalonName = listed[2]!.name;
  expect(avalonName).toContain('(127.0.0.63)');

  // Each reading as the simulator reports it, with its unit; the AxeOS boards measure their power.
  for (const [name, sim] of [
    ['Desk', desk],
    ['Shelf', shelf],
  ] as const) {
    const r = row(page, name);
    await expect(cell(r, 'status')).toHaveText('online');
    await expect(cell(r, 'power')).toHaveText(`${sim.powerW().toFixed(1)} W`);
    await expect(cell(r, 'hash-rate')).toHaveText(/^\d+(\.\d+)? [GT]H\/s$/);
    await expect(cell(r, 'temp')).toHaveText(/^\d+\.\d °C$/);
  }
  const av = row(page, avalonName);
  await expect(cell(av, 'status')).toHaveText('online');
  await expect(cell(av, 'power')).toHaveText(/^\d+(\.\d)? W( est\.)?$/);
  await expect(cell(av, 'hash-rate')).toHaveText(/^\d+(\.\d+)? TH\/s$/);
  await expect(cell(av, 'temp')).toHaveText(/^\d+\.\d °C$/);
  // Today's energy from the ledger with its unit, or, before its first slot is booked, said so (not "0").
  await expect(cell(av, 'energy')).toHaveText(/^(\d+(\.\d+)? k?Wh|none booked)$/);
  // The plan's column says what the plan has for it, in words.
  await expect(cell(av, 'now')).toHaveText(/\S/);

  // The same address again is refused, with what to do.
  await setFields(page, {
    'device-add-kind': 'axeos',
    'device-add-host': '127.0.0.61',
    'device-add-port': String(desk.address.port),
  });
  await page.getByTestId('device-add-save').click();
  const addCard = page.locator('section.card').filter({ has: page.getByTestId('device-add-save') });
  await expect(addCard.getByRole('alert')).toHaveText(
    `A device is already added at 127.0.0.61:${desk.address.port}remove it first, or enter another address`,
  );
  // A device that does not answer as the kind chosen is refused at the address, with the reason.
  const other = await startAxeosSim({ host: '127.0.0.71' });
  closers.push(other.close);
  await setFields(page, {
    'device-add-kind': 'cgminer',
    'device-add-host': '127.0.0.71',
    'device-add-port': String(other.address.port),
  });
  await page.getByTestId('device-add-save').click();
  const host = page.getByTestId('device-add-host');
  // The core asks it within its deadline (a reply that is not cgminer's may take all of it).
  await expect(host).toHaveAttribute('aria-invalid', 'true', { timeout: 20_000 });
  await expect(page.getByTestId('error-host')).toContainText(
    `127.0.0.71:${other.address.port} does not answer as cgminer API`,
  );
  expect((await lanDevices(page)).length).toBe(3);

  // Rename Desk and put it outside the heated space; the row changes at once.
  await row(page, 'Desk').getByRole('button', { name: 'Desk' }).click();
  await expect(page.getByRole('heading', { name: 'Desk: the last 14 days' })).toBeVisible();
  await setFields(page, {
    'device-settings-name': 'Study',
    'device-settings-zone': 'unheated',
    'device-settings-min-run': '30',
  });
  await expect(page.getByTestId('device-settings-zone-note')).toContainText('its heat counts for nothing');
  await save(page, 'device-settings');
  await expect(cell(row(page, 'Study'), 'where')).toHaveText('127.0.0.61:' + desk.address.port + ' · unheated');
  expect((await lanDevices(page)).find((d) => d.host === '127.0.0.61')).toMatchObject({
    name: 'Study',
    zone: 'unheated',
    minRunMin: 30,
  });
  // A minimum run longer than a day is refused at its box, and nothing is stored.
  await page.getByTestId('device-settings-min-run').fill('2000');
  await page.getByTestId('device-settings-save').click();
  await expect(page.getByTestId('device-settings-min-run')).toHaveAttribute('aria-invalid', 'true');
  expect((await lanDevices(page)).find((d) => d.host === '127.0.0.61')?.minRunMin).toBe(30);

  // Its history: 14 local days, energy with its unit, shares it did not report say so.
  const history = page.getByTestId('device-history');
  await expect(history.locator('tbody tr')).toHaveCount(14);
  const first = history.locator('tbody tr').first();
  await expect(first.locator('[data-col="energy"]')).toHaveText(/^\d+(\.\d+)? k?Wh$/);
  await expect(first.locator('[data-col="shares"]')).toHaveText('not reported');
  await expect(first.locator('[data-col="net"]')).toHaveText(/€/);

  // Remove Shelf, asked first: "Keep it" keeps it, "Remove" removes it.
  await row(page, 'Shelf').getByRole('button', { name: 'Shelf' }).click();
  await page.getByTestId('device-remove').click();
  await page.getByTestId('device-remove-cancel').click();
  await expect(row(page, 'Shelf')).toHaveCount(1);
  await page.getByTestId('device-remove').click();
  await page.getByTestId('device-remove-confirm').click();
  await expect(row(page, 'Shelf')).toHaveCount(0);
  expect((await lanDevices(page)).map((d) => d.name)).toEqual(['Study', avalonName]);

  // The Avalon goes away: after three failed readings in a row (device.polling's offlineAfter) it
  // is offline, its figures are no longer shown as if current, and the reason is beside it.
  await avalon.close();
  for (let i = 0; i < 3; i++) await readNow(page);
  await expect(cell(av, 'status')).toContainText('offline');
  await expect(av.getByTestId('device-problem')).toHaveText(/\S{10,}/);
  await expect(cell(av, 'power')).toHaveText('not reported');
  await expect(cell(row(page, 'Study'), 'status')).toHaveText('online');
  // What was changed is what a reload shows.
  await page.reload();
  await expect(cell(row(page, 'Study'), 'where')).toContainText('unheated');
  await expect(cell(row(page, avalonName), 'status')).toContainText('offline');
});

test('a Braiins OS device: the form asks for its login only for that kind; a wrong password is refused with the reason, the right one adds it, its power marked as estimated', async ({
  page,
  server,
}) => {
  const bos = await startBraiinsSim({ host: '127.0.0.72', password: 'right words' });
  closers.push(bos.close);
  await openPage(page, server, 'Devices');
  await expect(page.getByTestId('device-add-password')).toHaveCount(0);
  await setFields(page, {
    'device-add-kind': 'braiins',
    'device-add-host': bos.host,
    'device-add-port': String(bos.port),
    'device-add-name': 'Garage',
    'device-add-password': 'wrong words',
  });
  await page.getByTestId('device-add-save').click();
  await expect(page.getByTestId('device-add-host')).toHaveAttribute('aria-invalid', 'true', { timeout: 20_000 });
  await expect(page.getByTestId('error-host')).toContainText(`${bos.host}:${bos.port} does not answer as Braiins OS`);
  expect(await lanDevices(page)).toEqual([]);

  await setFields(page, { 'device-add-password': 'right words' });
  await save(page, 'device-add');
  const garage = row(page, 'Garage');
  await expect(cell(garage, 'status')).toHaveText('online');
  // Braiins OS reports no wall power: Hearth's estimate is marked as one.
  await expect(cell(garage, 'power')).toHaveText(/^\d+(\.\d)? W est\.$/);
  // The simulator's clock stands still, so its hash rate over the last minutes may read 0: with its unit.
  await expect(cell(garage, 'hash-rate')).toHaveText(/^\d+(\.\d+)? [kMGT]?H\/s$/);
  // The password box empties once added: it is stored sealed, never shown again.
  await setFields(page, { 'device-add-kind': 'braiins' });
  await expect(page.getByTestId('device-add-password')).toHaveValue('');
});

test('the plan column: a LAN miner the plan runs shows its level and power until the next change, as the plan has it', async ({
  page,
  server,
}) => {
  test.setTimeout(90_000);
  const axe = await startAxeosSim({ host: '127.0.0.73' });
  closers.push(axe.close);
  await openPage(page, server, 'Devices');
  // Power that pays to be drawn for 48 h: the plan runs whatever it can.
  const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000;
  await importPrices(page, hourlyPricesCsv(hour, Array(48).fill('-0.05')), { perKWh: 0, tax: 0 });
  const added = await call(page, 'device-add', { kind: 'axeos', ...axe.address, name: 'Bench' });
  expect(added.ok).toBe(true);
  const id = `lan:${(added.result as LanDevice).id}`;
  type Slot = { start: number; decisions: { device: string; job: string | null; level: number; powerW: number }[] };
  const current = async () => {
    const slots = ((await call(page, 'plan-get', {})).result as { plan: { slots: Slot[] } | null }).plan?.slots ?? [];
    const now = Date.now();
    return slots
      .find((s, k) => s.start <= now && (slots[k + 1]?.start ?? Infinity) > now)
      ?.decisions.find((d) => d.device === id);
  };
  const r = row(page, 'Bench');
  // The job, the device's own name for the level the plan chose and the plan's power for it; the
  // plan is made again as readings come, so the page and the plan are compared at one moment.
  const agrees = async () => {
    const d = await current();
    if (!d || d.job === null) return 'the plan does not run it';
    const label = (await lanDevices(page))[0]!.levels[d.level]!.label;
    // LAN miners run the planner's job "lan-mining", shown as what it is.
    const want = `${d.job === 'lan-mining' ? 'mining for its own pool' : d.job} · ${label} · ${d.powerW.toFixed(1)} W`;
    const shown = (await cell(r, 'now').textContent()) ?? '';
    return shown === want || shown.startsWith(`${want} until `) ? 'agrees' : `page "${shown}", plan "${want}"`;
  };
  await expect.poll(agrees, { timeout: 30_000 }).toBe('agrees');
  await expect(cell(r, 'next')).toHaveText(/^(no change in the plan|.+ from .+)$/);
});

test("other Hearth nodes: an agent's devices are rows of the planning node's table; an agent that goes away shows offline with why", async ({
  page,
}) => {
  test.setTimeout(90_000);
  const broker = await startMosquitto();
  // Two nodes on one broker: den plans, attic is its agent (each its own data folder).
  const den = await startServe({ args: ['--mqtt', broker.url] });
  const attic = await startServe({ args: ['--mqtt', broker.url] });
  closers.push(
    async () => void (await den.stop('SIGINT')),
    async () => void (await attic.stop('SIGINT')),
    broker.stop,
  );
  for (const [s, nodeId] of [
    [den, 'den'],
    [attic, 'attic'],
  ] as const)
    await apiCall(s, 'home-configure', {
      enabled: false,
      url: broker.url,
      username: null,
      caFile: null,
      discoveryPrefix: 'homeassistant',
      nodeId,
    });
  await apiCall(den, 'fleet-configure', { role: 'planner', planner: null });
  await apiCall(attic, 'fleet-configure', { role: 'agent', planner: 'den' });

  await openPage(page, den, 'Devices');
  const r = page.getByTestId('device-row-attic/cpu');
  await expect(cell(r, 'where')).toHaveText('node attic', { timeout: 30_000 });
  await expect(cell(r, 'status')).toHaveText('online');
  await expect(cell(r, 'power')).toHaveText(/^(\d+(\.\d)? W|not reported)$/);
  await expect(cell(r, 'temp')).toHaveText('not reported');
  // This PC's own CPU is still its own row.
  await expect(page.getByTestId('device-row-cpu')).toBeVisible();

  // The agent's process dies: its last will tells the broker, and the row says so.
  await attic.stop('SIGKILL');
  await expect(cell(r, 'status')).toContainText('offline', { timeout: 30_000 });
  await expect(r.getByTestId('device-problem')).toContainText('node attic not heard from');
  await expect(cell(r, 'power')).toHaveText('not reported');
});

test('a hostile device: one that never answers is refused without holding up the page, and one that starts hanging after it was added does not stall the others', async ({
  page,
  server,
}) => {
  test.setTimeout(120_000);
  const a = await startAxeosSim({ host: '127.0.0.64' });
  const b = await startAxeosSim({ host: '127.0.0.65' });
  const hang = await startHostilePeer('hang', '127.0.0.66');
  closers.push(a.close, b.close, hang.close);

  await openPage(page, server, 'Devices');
  for (const [sim, name] of [
    [a, 'Hall'],
    [b, 'Loft'],
  ] as const)
    expect(await call(page, 'device-add', { kind: 'axeos', ...sim.address, name })).toMatchObject({ ok: true });
  await expect(cell(row(page, 'Loft'), 'status')).toHaveText('online');

  // Adding the silent peer takes its deadline to fail; meanwhile the page keeps working.
  const refused = call(page, 'device-add', { kind: 'cgminer', ...hang.address });
  await row(page, 'Loft').getByRole('button', { name: 'Loft' }).click();
  await setFields(page, { 'device-settings-name': 'Attic' });
  await save(page, 'device-settings');
  await expect(row(page, 'Attic')).toHaveCount(1);
  const r = await refused;
  expect(r.ok).toBe(false);
  expect(r.error?.message).toContain('does not answer as cgminer API');
  expect((await lanDevices(page)).length).toBe(2);

  // Hall starts hanging: a reading of every device waits for it only as long as its deadline,
  // the page answers in the meantime, and Attic still reads while Hall shows why it failed.
  a.setHostile('hang');
  const button = page.getByTestId('devices-refresh');
  await button.click();
  await expect(button).toHaveText('Reading the devices…');
  // Its settings are still open from the rename above.
  await expect(row(page, 'Attic').getByRole('button', { name: 'Attic' })).toHaveAttribute('aria-pressed', 'true');
  await setFields(page, { 'device-settings-name': 'Loft' });
  await save(page, 'device-settings');
  await expect(row(page, 'Loft')).toHaveCount(1);
  await expect(button).toBeEnabled({ timeout: 20_000 });
  const hall = row(page, 'Hall');
  // The adapter's deadline or the device domain's own, a second later, whichever ends the reading.
  await expect(hall.getByTestId('device-problem')).toHaveText(/(did not answer|no answer) within \d+ m?s: check/);
  await expect(cell(row(page, 'Loft'), 'status')).toHaveText('online');
  await expect(cell(row(page, 'Loft'), 'power')).toHaveText(`${b.powerW().toFixed(1)} W`);
  await expect(page.getByTestId('device-row-cpu')).toBeVisible();
  a.setHostile(null);
});

test('scan: a range of loopback addresses is scanned from the page with progress; a device found is added with one click, one already added says so', async ({
  page,
  server,
}) => {
  test.setTimeout(90_000);
  const axe = await startAxeosSim({ host: '127.0.0.60' });
  const avalon = await startCgminerSim({ host: '127.0.0.67', model: 'Nano3s' });
  closers.push(axe.close, avalon.close);

  await openPage(page, server, 'Devices');
  expect(await call(page, 'device-add', { kind: 'cgminer', ...avalon.address, name: 'Nano' })).toMatchObject({
    ok: true,
  });
  await page.getByText('Ports other than the defaults').click();
  await setFields(page, {
    'device-scan-range': '127.0.0.60-70',
    'device-scan-port-axeos': String(axe.address.port),
    'device-scan-port-cgminer': String(avalon.port),
  });
  await page.getByTestId('device-scan-start').click();
  await expect(page.getByTestId('device-scan-state')).toHaveAttribute('data-state', 'done', { timeout: 30_000 });
  await expect(page.getByTestId('device-scan-progress')).toHaveText(
    'Done: scanned 11 of 11 addresses, 2 found (127.0.0.60-70)',
  );
  const found = page.getByTestId('device-scan-found');
  const axeHit = found.getByTestId(`scan-hit-127.0.0.60:${axe.address.port}`);
  const nanoHit = found.getByTestId(`scan-hit-127.0.0.67:${avalon.port}`);
  await expect(nanoHit).toContainText('added');
  await axeHit.getByRole('button', { name: 'Add' }).click();
  await expect(axeHit).toContainText('added');
  const list = await lanDevices(page);
  expect(list.map((d) => [d.kind, d.host, d.port])).toEqual([
    ['cgminer', '127.0.0.67', avalon.port],
    ['axeos', '127.0.0.60', axe.address.port],
  ]);
  await expect(cell(row(page, list[1]!.name), 'status')).toHaveText('online');

  // A scan that takes a while (60 addresses where something accepts and never answers, each of the
  // three kinds asked up to its deadline) shows its progress and stops when cancelled.
  const silent = await silentPeers(101, 160);
  closers.push(silent.close);
  const port = String(silent.port);
  await setFields(page, {
    'device-scan-range': '127.0.0.101-160',
    'device-scan-port-axeos': port,
    'device-scan-port-cgminer': port,
    'device-scan-port-braiins': port,
  });
  await page.getByTestId('device-scan-start').click();
  await expect(page.getByTestId('device-scan-state')).toHaveAttribute('data-state', 'running');
  await expect(page.getByTestId('device-scan-progress')).toHaveText(/^scanned \d+ of 60 addresses, 0 found/);
  await expect(page.getByTestId('device-scan-start')).toBeDisabled();
  await page.getByTestId('device-scan-cancel').click();
  await expect(page.getByTestId('device-scan-state')).toHaveAttribute('data-state', 'cancelled');
  await expect(page.getByTestId('device-scan-progress')).toHaveText(/^Cancelled: scanned \d+ of 60 addresses, 0 found/);
  await expect(page.getByTestId('device-scan-cancel')).toHaveCount(0);
  await expect(page.getByTestId('device-scan-start')).toBeEnabled();
});

/**
 * Peers that accept a connection and never answer, on 127.0.0.`from` to 127.0.0.`to`, all on one
 * port (the scan asks one port per kind): each probe of them lasts its whole deadline.
 */
async function silentPeers(from: number, to: number): Promise<{ port: number; close: () => Promise<void> }> {
  const servers: net.Server[] = [];
  const sockets = new Set<net.Socket>();
  const listen = (host: string, port: number) =>
    new Promise<net.Server>((resolve, reject) => {
      const server = net.createServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      });
      server.once('error', reject);
      server.listen(port, host, () => resolve(server));
    });
  const first = await listen(`127.0.0.${from}`, 0);
  servers.push(first);
  const port = (first.address() as net.AddressInfo).port;
  for (let i = from + 1; i <= to; i++) servers.push(await listen(`127.0.0.${i}`, port));
  return {
    port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}
