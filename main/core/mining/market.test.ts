import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCore } from '#core/app';
import type { Clock } from '#core/clock';
import { marketModule } from '#core/market/module';
import { miningModule } from './module.ts';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** A local stand-in for mempool.space's two endpoints, counting requests; `down` answers 503. */
async function marketServer() {
  const state = { hits: 0, down: false };
  const server = http.createServer((req, res) => {
    state.hits++;
    if (state.down) {
      res.writeHead(503).end();
      return;
    }
    res.setHeader('content-type', 'application/json');
    if (req.url === '/api/v1/mining/hashrate/3d') res.end(JSON.stringify({ hashrates: [], difficulty: [], currentHashrate: 8e20, currentDifficulty: 1.2e14 }));
    else if (req.url === '/api/v1/prices') res.end(JSON.stringify({ time: 1, USD: 95000, EUR: 88000 }));
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { state, url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, close: () => new Promise((r) => server.close(r)) };
}

describe('mining earnings', () => {
  it('fetches difficulty and price once an hour, keeps the cache when the source is down, and lets typed values win', async () => {
    const m = await marketServer();
    let now = Date.UTC(2026, 10, 24, 12);
    const clock = { now: () => now, setTimeout: (fn: () => void, ms: number) => { const t = setTimeout(fn, ms); return { cancel: () => clearTimeout(t) }; }, setInterval: (fn: () => void, ms: number) => { const t = setInterval(fn, ms); return { cancel: () => clearInterval(t) }; } } satisfies Clock;
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-earn-'));
    dirs.push(dataDir);
    const core = await startCore({ dataDir, clock, log: quiet, modules: [miningModule({ marketUrl: m.url })] });
    try {
      const h = core.handlers;
      const a = await h['mining-earnings']({});
      expect(a).toMatchObject({ networkDifficulty: 1.2e14, btcPrice: 88000, currency: 'EUR', source: 'fetched', fetchError: null, hashRate: 0, btcPerDay: 0 });
      expect(m.state.hits).toBe(2);
      await h['mining-earnings']({ currency: 'USD' });
      expect(m.state.hits).toBe(2); // cached for an hour
      now += 3_600_001;
      m.state.down = true;
      const b = await h['mining-earnings']({ currency: 'USD' });
      expect(b.source).toBe('cached');
      expect(b.btcPrice).toBe(95000);
      expect(b.fetchError).toMatch(/could not fetch difficulty and price from http:\/\/127\.0\.0\.1:\d+ \(.*HTTP 503\)/);
      const c = await h['mining-market-set']({ networkDifficulty: 1e14, btcPrice: 50000, currency: 'EUR' });
      expect(c.source).toBe('manual');
      expect(c.networkDifficulty).toBe(1e14);
      expect(c.btcPrice).toBe(50000);
      // Earnings formula with a hash rate: checked by hand for 10 MH/s at difficulty 1e14.
      // 1e7 H/s × 86400 s × 3.125 BTC / (1e14 × 2^32) = 6.286e-12 BTC/day.
      expect((1e7 * 86_400 * c.blockRewardBtc) / (1e14 * 2 ** 32)).toBeCloseTo(6.286e-12, 14);
    } finally {
      await core.close();
      await m.close();
    }
  });

  it('uses the market domain\'s price and difficulty when it runs (no second fetcher)', async () => {
    const m = await marketServer();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-earn-'));
    dirs.push(dataDir);
    const core = await startCore({ dataDir, log: quiet, modules: [marketModule({ endpoints: { mempool: m.url, coingecko: m.url }, refreshMs: 3_600_000 }), miningModule({ marketUrl: 'http://127.0.0.1:9' })] });
    try {
      const t0 = Date.now();
      while (core.context.use('market').current().difficulty === null) {
        if (Date.now() - t0 > 20_000) throw new Error('the market domain never fetched');
        await new Promise((r) => setTimeout(r, 50));
      }
      const cur = core.context.use('market').current();
      const e = await core.handlers['mining-earnings']({});
      expect(e.source).toBe('market');
      expect(e.networkDifficulty).toBe(1.2e14);
      expect(e.currency).toBe(cur.currency);
      expect(e.btcPrice).toBe(cur.btcPrice);
      expect(e.fetchError).toBeNull(); // mining's own fetcher (pointed at a dead port) was not used
    } finally {
      await core.close();
      await m.close();
    }
  });
});
