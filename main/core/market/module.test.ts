import { afterEach, describe, expect, it } from 'vitest';
import type { MarketStatus } from '#contract/index';
import { startCore, type Core } from '#core/app';
import { startServer, type Reply } from '../../../test/support/http-server.ts';
import { quiet } from '../../../test/support/quiet-log.ts';
import { tempDirs } from '../../../test/support/temp-dir.ts';
import { marketModule } from './module.ts';

/** A real HTTP server standing in for mempool.space and CoinGecko; `replies` decides each answer by path. */
const apiServer = (replies: Map<string, Reply>) =>
  startServer((req) => replies.get(req.url.split('?')[0]!) ?? { status: 404, body: 'not found' });

const tmp = tempDirs('hearth-market-');
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function core(origin: string, dataDir = tmp()): Promise<Core> {
  const c = await startCore({
    dataDir,
    log: quiet,
    modules: [marketModule({ endpoints: { mempool: origin, coingecko: origin }, refreshMs: 3_600_000 })],
  });
  cleanups.push(() => c.close());
  return c;
}

const good = () =>
  new Map<string, Reply>([
    [
      '/api/v1/prices',
      { status: 200, body: JSON.stringify({ time: 1_700_000_000, USD: 37_000, EUR: 34_123.5, GBP: 29_000 }) },
    ],
    [
      '/api/v1/mining/hashrate/3d',
      {
        status: 200,
        body: JSON.stringify({ hashrates: [], difficulty: [], currentHashrate: 4.5e20, currentDifficulty: 6.2e13 }),
      },
    ],
    ['/api/v3/simple/price', { status: 200, body: JSON.stringify({ bitcoin: { dkk: 254_000 } }) }],
  ]);

describe('market data', () => {
  it('fetches the BTC price and difficulty, caches them, and says "offline" with the cached value when the API fails', async () => {
    const replies = good();
    const api = await apiServer(replies);
    cleanups.push(api.close);
    const dataDir = tmp();
    const c = await core(api.origin, dataDir);
    const st = await c.handlers['market-refresh']({});
    expect(st.currency).toBe('EUR');
    expect(st.btcPrice).toMatchObject({ value: 34_123.5, state: 'ok', source: 'mempool.space', reason: null });
    expect(st.difficulty).toMatchObject({ value: 6.2e13, state: 'ok' });
    const fetchedAt = st.btcPrice.fetchedAt;

    replies.set('/api/v1/prices', { status: 503, body: '<html>maintenance</html>' });
    replies.set('/api/v1/mining/hashrate/3d', { status: 200, body: '{"currentDifficulty": "lots"}' });
    const off = await c.handlers['market-refresh']({});
    expect(off.btcPrice).toMatchObject({ value: 34_123.5, state: 'offline', fetchedAt });
    expect(off.btcPrice.reason).toMatch(/mempool.space answered HTTP 503/);
    expect(off.difficulty).toMatchObject({ value: 6.2e13, state: 'offline' });
    expect(off.difficulty.reason).toMatch(/no current difficulty/);
    await c.close();

    // The cache outlives a restart.
    const again = await core('http://127.0.0.1:9', dataDir);
    const st2 = await again.handlers['market-refresh']({});
    expect(st2.btcPrice).toMatchObject({ value: 34_123.5, state: 'offline', fetchedAt });
    expect(st2.btcPrice.reason).toMatch(/Cannot reach mempool.space .*enter the value by hand/);
  });

  it('asks CoinGecko for currencies mempool.space lacks, and a manual override wins until cleared', async () => {
    const api = await apiServer(good());
    cleanups.push(api.close);
    const c = await core(api.origin);
    const updates: MarketStatus[] = [];
    c.events.on('market-update', (s) => updates.push(s));
    await c.handlers['market-override']({ currency: 'DKK' });
    const st = await c.handlers['market-refresh']({});
    expect(st.btcPrice).toMatchObject({ value: 254_000, source: 'coingecko', state: 'ok' });
    expect(api.requests.map((r) => r.url)).toContain('/api/v3/simple/price?ids=bitcoin&vs_currencies=dkk');

    const o = await c.handlers['market-override']({ btcPrice: 300_000, difficulty: 1e14 });
    expect(o.btcPrice).toMatchObject({ value: 300_000, state: 'override', source: 'manual' });
    expect(o.difficulty).toMatchObject({ value: 1e14, state: 'override' });
    await expect(c.handlers['market-override']({ currency: 'EUR' })).rejects.toThrow(/entered in DKK/);
    const cleared = await c.handlers['market-override']({ btcPrice: null });
    expect(cleared.btcPrice).toMatchObject({ value: 254_000, state: 'ok' });
    expect(updates.length).toBeGreaterThanOrEqual(3);
  });

  it('is "none" with a reason when nothing was ever fetched', async () => {
    const c = await core('http://127.0.0.1:9');
    const st = await c.handlers['market-refresh']({});
    expect(st.btcPrice).toMatchObject({ value: null, state: 'none' });
    expect(st.btcPrice.reason).toMatch(/Cannot reach/);
  });
});
