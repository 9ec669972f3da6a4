import { test as base, expect, type Page } from '@playwright/test';
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

/** Calls the server's API from the page, with the session cookie the page got from its URL. */
export async function call(
  page: Page,
  method: string,
  args: unknown,
): Promise<{ ok: boolean; result?: unknown; error?: { message: string } }> {
  return page.evaluate(
    async ({ method, args }) => {
      const res = await fetch(`/api/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(args),
        credentials: 'same-origin',
      });
      return (await res.json()) as { ok: boolean; result?: unknown; error?: { message: string } };
    },
    { method, args },
  );
}
