import fs from 'node:fs';
import path from 'node:path';
import { test as base, expect, type Page } from '@playwright/test';
import { runCli, startServe, tempDir, type RunningServer } from '../headless/harness.ts';

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

/**
 * `test` with its server running in UTC over a data folder that already holds ledger rows: `csv`
 * (given the time the test starts) imported with `hearth history --import`, which must report
 * `rows` slot rows and nothing on stderr.
 */
export function testWithLedger(csv: (now: number) => string, rows: number): typeof test {
  return test.extend<{ server: RunningServer }>({
    // eslint-disable-next-line no-empty-pattern
    server: async ({}, use) => {
      const dataDir = tempDir('hearth-ledger-e2e-');
      const file = path.join(dataDir, 'ledger.csv');
      fs.writeFileSync(file, csv(Date.now()));
      const r = await runCli(['history', '--import', file, '--data-dir', dataDir], { TZ: 'UTC' });
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain(`Imported ${rows} slot rows`);
      const server = await startServe({ dataDir, env: { TZ: 'UTC' } });
      await use(server);
      await server.stop('SIGINT');
    },
  });
}

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

/** A start_utc,eur_per_kwh price file: one hour per price, the first starting at `start` (ms, UTC). */
export function hourlyPricesCsv(start: number, prices: readonly (number | string)[]): string {
  const rows = prices.map((p, i) => `${new Date(start + i * 3_600_000).toISOString()},${p}`);
  return ['start_utc,eur_per_kwh', ...rows].join('\n');
}

/** Switches the tariff to imported prices (a CSV in UTC, the household's `charges` on top) and imports `csv`. */
export async function importPrices(page: Page, csv: string, charges: { perKWh: number; tax: number }): Promise<void> {
  expect(
    await call(page, 'tariff-configure', {
      tariff: { kind: 'csv', currency: 'EUR' },
      charges,
      timeZone: 'UTC',
      skipCheck: true,
    }),
  ).toMatchObject({ ok: true });
  expect(await call(page, 'tariff-import-csv', { csv })).toMatchObject({ ok: true });
}
