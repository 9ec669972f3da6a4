import { test as base, expect } from '@playwright/test';
import { startServe, type RunningServer } from '../headless/harness.ts';

/**
 * `server`: a real `hearth serve` on a free port with a fresh data folder, per test.
 * Pages open `server.url` (with the token) like a user pasting the printed address.
 */
export const test = base.extend<{ server: RunningServer }>({
  // Playwright requires the destructuring pattern even when a fixture uses no other fixture.
  // eslint-disable-next-line no-empty-pattern
  server: async ({}, use) => {
    const server = await startServe();
    await use(server);
    await server.stop('SIGINT');
  },
});

export { expect };
