import path from 'node:path';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { HandlerError } from '#contract/index';
import { PRICES_DIR } from '../../test/fixtures/data.ts';
import { serveForTest } from '../../test/support/serve.ts';
import { tempDirs } from '../../test/support/temp-dir.ts';
import { openClient, withClient } from './client.ts';
import { UsageError } from './command.ts';
import { pricesImportCommand } from './command/prices.ts';

const stopped = new Promise<string>(() => undefined);
const folder = tempDirs('hearth-cli-client-');
afterEach(() => {
  vi.restoreAllMocks();
});

describe('the CLI client', () => {
  it('sends a command to the server running on the folder, whose handlers see it at once', async () => {
    const dir = folder();
    const s = await serveForTest(dir);
    const client = await openClient(dir);
    expect(client.via).toEqual({
      kind: 'remote',
      by: 'serve',
      pid: process.pid,
      url: `http://127.0.0.1:${s.http.port}/`,
    });
    await client.close();

    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const code = await pricesImportCommand.run({
      values: { 'data-dir': dir, 'use-as-tariff': true },
      positionals: [path.join(PRICES_DIR, 'be-day-ahead-2022.csv')],
      stopped,
    });
    expect(code).toBe(0);
    // The server's own settings in memory: only a call through it changes them.
    expect((await s.core.handlers['tariff-settings']({})).tariff).toEqual({ kind: 'csv', currency: 'EUR' });
    expect(
      await s.core.handlers['tariff-slots']({
        from: Date.parse('2022-06-01T00:00:00Z'),
        to: Date.parse('2022-06-01T01:00:00Z'),
      }),
    ).toHaveLength(1);
  });

  it('opens the folder itself when nothing runs there, with every domain created and none started', async () => {
    const dir = folder();
    const client = await openClient(dir);
    onTestFinished(() => client.close());
    expect(client.via).toEqual({ kind: 'local', dataDir: dir });
    // Started, the market domain would have fetched and the scheduler carried out its slot.
    const market = await client.send('market-status', {});
    expect([market.btcPrice.state, market.nextFetchAt]).toEqual(['none', null]);
    expect((await client.send('mining-status', {})).running).toBe(false);
    // The handlers answer for every domain of the contract, through the same argument checks.
    await expect(client.send('ledger-days', { days: 0 })).rejects.toThrow(HandlerError);
  });

  it("shows a handler's refusal as a usage error with its hint, from the server or from the folder", async () => {
    const dir = folder();
    // No pool configured: the mining domain refuses, naming what to do.
    const check = () => withClient({ 'data-dir': dir }, ({ send }) => send('mining-check', {}));
    for (const where of ['local', 'remote']) {
      if (where === 'remote') await serveForTest(dir);
      const client = await openClient(dir);
      await client.close();
      expect(client.via.kind).toBe(where);
      const refusal = check();
      await expect(refusal).rejects.toThrow(UsageError);
      await expect(refusal).rejects.toThrow(/^no mining pool is configured \(Add a pool/);
    }
  });
});
