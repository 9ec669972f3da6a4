import fs from 'node:fs';
import { defineConfig } from '@playwright/test';

// End-to-end tests run in Debian's Chromium (Playwright's own browser download is not used), so
// `npm install` needs no browser binary. HEARTH_CHROMIUM points at another build if needed.
const chromium = process.env['HEARTH_CHROMIUM'] ?? '/usr/bin/chromium';

export default defineConfig({
  testDir: 'test/e2e',
  timeout: 60_000,
  workers: 1,
  retries: 0,
  reporter: process.env['CI'] ? 'line' : 'list',
  use: {
    browserName: 'chromium',
    launchOptions: {
      ...(fs.existsSync(chromium) ? { executablePath: chromium } : {}),
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
    },
    trace: 'retain-on-failure',
  },
});
