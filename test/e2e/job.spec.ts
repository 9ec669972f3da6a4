import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli, startServe, type RunningServer } from '../headless/harness.ts';
import { hoverChart, plotOf } from './chart.ts';
import { expect, test } from './fixture.ts';
import { openPage, setFields } from './page.ts';

test('a built-in training job runs from the Jobs page to the end with a loss curve, checkpoints and log', async ({
  page,
  server,
}) => {
  await openPage(page, server, 'Jobs');
  await expect(page.getByText('No jobs yet')).toBeVisible();
  await setFields(page, {
    'job-name': 'tiny model',
    'job-steps': '200',
    'job-batch': '32',
    'job-hidden': '64',
    'job-checkpoint-every': '50',
    'job-keep': '2',
  });
  await page.getByTestId('job-create-start').click();
  await expect(page.getByTestId('job-1-state')).toHaveText('finished', { timeout: 30_000 });
  await expect(page.getByTestId('job-1-progress')).toHaveAttribute('data-done', '200');
  const loss = page.getByTestId('job-loss-chart');
  await expect(loss).toHaveAttribute('data-points', '8');
  // The loss curve's x axis is steps (numbers, titled "step"), its y axis the loss in nats.
  await expect(plotOf(loss)).toHaveAttribute('data-x-ticks', /^[\d,]+( \| [\d,]+)+ step$/);
  await expect(plotOf(loss)).toHaveAttribute('data-y-ticks-nats', /^[\d.]+( \| [\d.]+)+ nats$/);
  await expect(plotOf(loss)).toHaveAttribute(
    'aria-label',
    /^Training loss by step, step \d+ to step 200\. loss \(nats\): [\d.]+ nats to [\d.]+ nats\.$/,
  );
  await hoverChart(loss, 0.99);
  await expect(loss.locator('.u-legend')).toContainText('step 200');
  await expect(loss.locator('.u-legend')).toContainText(/[\d.]+ nats/);
  // Every 50 steps, the newest 2 kept: 200 and 150.
  await expect(page.getByTestId('job-checkpoints').locator('tr')).toHaveCount(2);
  await expect(page.getByTestId('job-checkpoints').locator('tr').last()).toContainText('step 150');
  await expect(page.getByTestId('job-log')).toContainText('checkpoint at step 200');
  await expect(page.getByTestId('job-facts')).toContainText('200 / 200 steps');
  await page.getByTestId('job-sample-button').click();
  await expect(page.getByTestId('job-sample')).toHaveAttribute('data-step', '200');
  expect((await page.getByTestId('job-sample').textContent())?.length).toBe(300);
  if (process.env['HEARTH_SCREENSHOT'])
    await page.screenshot({ path: process.env['HEARTH_SCREENSHOT'], fullPage: true });
});

test('a running job is paused, resumed and cancelled from the page; a missing data file is refused by name', async ({
  page,
  server,
}) => {
  await openPage(page, server, 'Jobs');
  await page.getByTestId('job-data').fill('/no/such/corpus.txt');
  await page.getByTestId('job-create-start').click();
  await expect(page.getByRole('alert')).toContainText('The training data /no/such/corpus.txt does not exist');

  await setFields(page, { 'job-data': '', 'job-steps': '1000000', 'job-hidden': '64' });
  await page.getByTestId('job-create-start').click();
  await expect(page.getByTestId('job-1-state')).toHaveText('running');
  await page.getByTestId('job-1-pause').click();
  await expect(page.getByTestId('job-1-state')).toHaveText('paused');
  await expect(page.getByTestId('job-checkpoints').locator('tr').first()).toBeVisible();
  await page.getByTestId('job-1-start').click();
  await expect(page.getByTestId('job-1-state')).toHaveText('running');
  await expect(page.getByTestId('job-log')).toContainText('resumed from the checkpoint at step');
  await page.getByTestId('job-1-cancel').click();
  await expect(page.getByTestId('job-1-state')).toHaveText('cancelled');
  await page.getByTestId('job-1-delete').click();
  await expect(page.getByText('No jobs yet')).toBeVisible();
});

test('an external command job streams its log and progress; a failing one shows its log tail', async ({
  page,
  server,
}) => {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-e2e-cmd-'));
  fs.writeFileSync(
    path.join(cwd, 'train.cjs'),
    `if (process.argv[2] === 'fail') { require('fs').appendFileSync('failed-runs.txt', 'run\\n'); console.log('epoch 1'); console.error('ValueError: bad shape'); process.exit(2); }
let s = 0; const t = setInterval(() => { s++; console.log('step ' + s + '/40 loss ' + (4 / s).toFixed(3)); if (s === 40) clearInterval(t); }, 20);`,
  );
  try {
    // Command jobs run only programs allowed on the machine, from the CLI there.
    expect((await runCli(['commands', 'allow', process.execPath, '--data-dir', server.dataDir])).code).toBe(0);
    await openPage(page, server, 'Jobs');
    await setFields(page, {
      'job-kind': 'command',
      'job-command': `"${process.execPath}" train.cjs`,
      'job-cwd': cwd,
      'job-devices': 'cpu',
    });
    await page.getByTestId('job-create-start').click();
    await expect(page.getByTestId('job-1-state')).toHaveText('finished');
    await expect(page.getByTestId('job-facts').locator('[data-fact="Devices"]')).toHaveText('cpu');
    await expect(page.getByTestId('job-1-progress')).toHaveAttribute('data-done', '40');
    await expect(page.getByTestId('job-log')).toContainText('step 40/40 loss 0.100');
    await expect(page.getByTestId('job-loss-chart')).toBeVisible();

    await page.getByTestId('job-command').fill(`"${process.execPath}" train.cjs fail`);
    await page.getByTestId('job-create-start').click();
    await expect(page.getByTestId('job-2-state')).toHaveText('failed');
    await expect(page.getByTestId('job-error')).toContainText('The command exited with code 2');
    await expect(page.getByTestId('job-error')).toContainText('ValueError: bad shape');
    // A failed job is not restarted on its own, but a person may start it again.
    await page.getByTestId('job-2-start').click();
    await expect
      .poll(() => fs.readFileSync(path.join(cwd, 'failed-runs.txt'), 'utf8').split('\n').filter(Boolean).length)
      .toBe(2);
    await expect(page.getByTestId('job-2-state')).toHaveText('failed');
    await expect(page.getByTestId('job-2-start')).toHaveText('Start again');
  } finally {
    fs.rmSync(cwd, { recursive: true, force: true });
  }
});

test('a job running when hearth serve stops continues from its checkpoint when it starts again', async ({ page }) => {
  const first = await startServe();
  const dataDir = first.dataDir;
  let second: RunningServer | null = null;
  try {
    await openPage(page, first, 'Jobs');
    await setFields(page, { 'job-steps': '1000000', 'job-hidden': '64' });
    await page.getByTestId('job-create-start').click();
    await expect(page.getByTestId('job-1-state')).toHaveText('running');
    await expect
      .poll(async () => Number(await page.getByTestId('job-1-progress').getAttribute('data-done')))
      .toBeGreaterThan(0);
    // Ctrl-C: the server checkpoints the job on its way out; the ledger keeps it running.
    expect(await first.stop('SIGINT')).toBe(0);
    second = await startServe({ dataDir });
    // Cookies ignore the port: the first server's session cookie would shadow the new token.
    await page.context().clearCookies();
    await openPage(page, second, 'Jobs');
    await expect(page.getByTestId('job-1-state')).toHaveText('running');
    await expect(page.getByTestId('job-log')).toContainText('the app restarted: continuing');
    await expect(page.getByTestId('job-log')).toContainText('resumed from the checkpoint at step');
  } finally {
    await first.stop('SIGINT');
    await second?.stop('SIGINT');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
