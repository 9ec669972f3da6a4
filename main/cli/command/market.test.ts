import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/headless/harness.ts';
import { tempDirs } from '../../../test/support/temp-dir.ts';

const tmp = tempDirs('hearth-market-cli-');

/** A real HTTP server answering like mempool.space's price and difficulty endpoints; `up` switches it off. */
let server: http.Server;
let origin = '';
let up = true;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    const url = (req.url ?? '').split('?')[0];
    if (!up) {
      res.writeHead(503).end('maintenance');
      return;
    }
    if (url === '/api/v1/prices')
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ time: 1, USD: 91_000, EUR: 84_321.5 }));
    else if (url === '/api/v1/mining/hashrate/3d')
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ currentHashrate: 8e20, currentDifficulty: 1.0953e14 }));
    else res.writeHead(404).end();
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

describe('hearth market', () => {
  it('shows the fetched price and difficulty, then "offline, using value from …", a manual value, and clears it', async () => {
    const data = ['--data-dir', tmp(), '--mempool', origin];
    const ok = await runCli(['market', ...data]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(
      /^BTC price\s+84,321\.5 EUR\s+ok: mempool\.space, fetched \d{4}-\d\d-\d\d \d\d:\d\d UTC$/m,
    );
    expect(ok.stdout).toMatch(/^difficulty\s+109,530,000,000,000\s+ok: mempool\.space/m);

    up = false;
    const offline = await runCli(['market', '--json', ...data]);
    up = true;
    const st = JSON.parse(offline.stdout) as {
      currency: string;
      btcPrice: { value: number; state: string; reason: string };
    };
    expect(st.currency).toBe('EUR');
    expect(st.btcPrice).toMatchObject({ value: 84_321.5, state: 'offline' });
    expect(st.btcPrice.reason).toMatch(/503/);

    up = false;
    const text = await runCli(['market', ...data]);
    expect(text.stdout).toMatch(
      /^BTC price\s+84,321\.5 EUR\s+offline, using value from \d{4}-\d\d-\d\d \d\d:\d\d UTC \(.*503.*\)$/m,
    );
    const manual = await runCli(['market', '--set-price', '90000', '--set-difficulty', '1.2e14', ...data]);
    expect(manual.stdout).toMatch(/^BTC price\s+90,000 EUR\s+manual, entered/m);
    expect(manual.stdout).toMatch(/^difficulty\s+120,000,000,000,000\s+manual, entered/m);
    const cleared = await runCli(['market', '--clear', ...data]);
    expect(cleared.stdout).toMatch(/^BTC price\s+84,321\.5 EUR\s+offline/m);
    up = true;
  });

  it('refuses bad values with one line naming the option, and stores nothing', async () => {
    const data = ['--data-dir', tmp(), '--mempool', origin];
    for (const [args, message] of [
      [['--set-price', '0'], /--set-price must be a positive number, like --set-price 87000; got 0/],
      [['--set-difficulty', '0.5'], /--set-difficulty must be at least 1, like --set-difficulty 1\.1e14; got 0\.5/],
      [['--clear', '--set-price', '1'], /--clear removes both manual values/],
      [['--currency', 'euro'], /--currency expects a 3-letter code/],
      [['--mempool', 'mempool.space'], /--mempool expects the address/],
    ] as const) {
      const r = await runCli(['market', ...data, ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    const st = JSON.parse((await runCli(['market', '--json', ...data])).stdout) as { btcPrice: { state: string } };
    expect(st.btcPrice.state).toBe('ok');
  });
});
