// Takes the README's screenshots of the real UI: starts `hearth serve` on a fresh data folder,
// opens its pages in Debian's Chromium after a few seconds of telemetry, and saves PNGs in docs/.
// Usage: node scripts/screenshot.mjs [route=file ...]   (default: /=dashboard.png /devices=devices.png)
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { buildAll } from './build.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const shots = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['/=dashboard.png', '/devices=devices.png'];
await buildAll({ quiet: true });
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-shot-'));
const child = spawn(
  process.execPath,
  [path.join(root, 'out/node/cli.mjs'), 'serve', '--port', '0', '--data-dir', dataDir],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const url = await new Promise((resolve) => {
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
    const m = /Open (\S+)/.exec(out);
    if (m) resolve(m[1]);
  });
});
const browser = await chromium.launch({
  executablePath: process.env.HEARTH_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
const page = await browser.newPage({ viewport: { width: 1200, height: 760 }, colorScheme: 'light' });
await page.goto(url);
await page.waitForTimeout(12_000);
for (const spec of shots) {
  const [route, file] = spec.split('=');
  await page.goto(`${new URL(url).origin}/#${route}`);
  await page.waitForTimeout(3_000);
  await page.screenshot({ path: path.join(root, 'docs', file) });
  console.log(`docs/${file}`);
}
await browser.close();
child.kill('SIGINT');
