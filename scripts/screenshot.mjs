// `npm run screenshots`: screenshots of every page of the real UI at 1440 and 390 px wide, in light
// and dark, written to docs/screenshots/<page>-<width>-<scheme>.png, and docs/screenshots.md that
// shows them all. It builds nothing: run `npm run build` first (it refuses a missing build).
//
// It starts `hearth serve` on a fresh data folder in UTC, with two weeks of ledger history
// imported, and fills it through the API as a user would (scripts/sample-data.mjs: the real 2023
// Belgian prices, heating all year, two jobs), so the pages show tables and charts, not empty
// states. Nothing leaves this machine: the market is asked at a closed loopback port and the
// tariff is imported prices. The page list comes from the app's own navigation.
// The callbacks given to page.evaluate run in the browser.
/* global document, HTMLElement */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { fillWithRealUse, ledgerCsv } from './sample-data.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'out/node/cli.mjs');
const outDir = path.join(root, 'docs/screenshots');
const SIZES = [
  // A desktop window: what shows without scrolling.
  { width: 1440, height: 900, fullPage: false },
  // A phone: the whole page, down to a cap so a long page stays a reasonable file.
  { width: 390, height: 844, fullPage: true },
];
const SCHEMES = ['light', 'dark'];
const MAX_HEIGHT = 3200;

if (!fs.existsSync(path.join(root, 'out/.build-stamp')) || !fs.existsSync(cli)) {
  console.error('No build in out/: run `npm run build` first (this script takes pictures of the build as it is).');
  process.exit(1);
}

const env = { ...process.env, TZ: 'UTC', HEARTH_MARKET_URL: 'http://127.0.0.1:9' };
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-shot-'));
const ledgerFile = path.join(dataDir, 'ledger.csv');
fs.writeFileSync(ledgerFile, ledgerCsv(Date.now()));
const imported = spawnSync(process.execPath, [cli, 'history', '--import', ledgerFile, '--data-dir', dataDir], {
  env,
  encoding: 'utf8',
});
if (imported.status !== 0) {
  console.error(`hearth history --import failed:\n${imported.stdout}${imported.stderr}`);
  process.exit(1);
}

const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--data-dir', dataDir], {
  env,
  stdio: ['ignore', 'pipe', 'inherit'],
});
const url = await new Promise((resolve, reject) => {
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
    const m = /Open (\S+)/.exec(out);
    if (m) resolve(m[1]);
  });
  child.on('exit', (code) => reject(new Error(`hearth serve exited (${code}) before listening:\n${out}`)));
});

const browser = await chromium.launch({
  executablePath: process.env.HEARTH_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
try {
  const setup = await browser.newPage();
  await setup.goto(url);
  const call = (method, args) =>
    setup.evaluate(
      async ({ method, args }) =>
        (
          await fetch(`/api/${method}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(args),
            credentials: 'same-origin',
          })
        ).json(),
      { method, args },
    );
  await fillWithRealUse(call, dataDir);
  // Wait for the first plan with those prices ...
  for (let i = 0; i < 60 && !(await call('plan-get', {})).result?.plan; i++) await setup.waitForTimeout(500);
  // ... for the short training run to end, so the Jobs page shows its whole loss curve ...
  const trained = async () =>
    ((await call('job-list', {})).result ?? []).some((j) => j.name === 'char model' && j.state === 'finished');
  for (let i = 0; i < 120 && !(await trained()); i++) await setup.waitForTimeout(500);
  // ... and a few seconds of telemetry for the live cards.
  await setup.waitForTimeout(5_000);
  const pages = await setup
    .locator('nav[aria-label="Main"] a[href^="#/"]')
    .evaluateAll((as) => as.map((a) => ({ title: a.textContent.trim(), hash: a.getAttribute('href') })));
  await setup.close();

  fs.mkdirSync(outDir, { recursive: true });
  const written = [];
  for (const scheme of SCHEMES) {
    for (const size of SIZES) {
      const context = await browser.newContext({
        viewport: { width: size.width, height: size.height },
        colorScheme: scheme,
      });
      const page = await context.newPage();
      await page.goto(url);
      for (const p of pages) {
        await page.goto(`${url}${p.hash}`);
        await page.getByRole('heading', { level: 1, name: p.title, exact: true }).waitFor();
        await page
          .waitForFunction(() => !document.body.innerText.includes('Loading…'), undefined, { timeout: 10_000 })
          .catch(() => undefined);
        // Charts draw after their data; the heading took focus on the page change, so blur it.
        await page.waitForTimeout(800);
        await page.evaluate(() => document.activeElement instanceof HTMLElement && document.activeElement.blur());
        const height = size.fullPage
          ? Math.min(MAX_HEIGHT, await page.evaluate(() => document.documentElement.scrollHeight))
          : size.height;
        const slug = p.title.toLowerCase().replace(/[^a-z0-9]+/g, '-');
        const file = `${slug}-${size.width}-${scheme}.png`;
        await page.screenshot({
          path: path.join(outDir, file),
          clip: { x: 0, y: 0, width: size.width, height },
          fullPage: size.fullPage,
          animations: 'disabled',
          caret: 'hide',
        });
        written.push({ ...p, slug, file, width: size.width, scheme });
        console.log(`docs/screenshots/${file}`);
      }
      await context.close();
    }
  }
  writeIndex(pages, written);
  console.log('docs/screenshots.md');
} finally {
  await browser.close();
  child.kill('SIGINT');
}

/** docs/screenshots.md: every page, each width and scheme, in the navigation's order. */
function writeIndex(pages, written) {
  const lines = [
    '# Screenshots',
    '',
    'Every page of Hearth at 1440 px (the window, without scrolling) and 390 px (a phone, the whole page up to',
    `${MAX_HEIGHT} px), light and dark. Taken by \`npm run screenshots\` (after \`npm run build\`) from \`hearth serve\``,
    'in UTC with two weeks of ledger history, the real 2023 Belgian day-ahead prices (their first four days',
    'replayed from yesterday on, so the plan has prices), heating switched on all year and two jobs for the',
    'planner (scripts/sample-data.mjs). The market is unreachable on purpose: nothing is fetched from the',
    'internet, so the Mining page says so.',
    '',
  ];
  for (const p of pages) {
    lines.push(`## ${p.title}`, '');
    for (const scheme of SCHEMES) {
      const shots = written.filter((w) => w.title === p.title && w.scheme === scheme);
      lines.push(`${scheme[0].toUpperCase()}${scheme.slice(1)}:`, '');
      lines.push(
        shots
          .map(
            (s) =>
              `<img src="screenshots/${s.file}" alt="${p.title}, ${s.width} px wide, ${scheme}" width="${s.width === 390 ? 195 : 560}">`,
          )
          .join(' '),
        '',
      );
    }
  }
  fs.writeFileSync(path.join(root, 'docs/screenshots.md'), lines.join('\n'));
}
