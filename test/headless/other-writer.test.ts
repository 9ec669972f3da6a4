import fs from 'node:fs';
import path from 'node:path';
import Database from 'libsql';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { PriceSlot, TariffSettings, TariffStatus } from '#contract/index';
import { UPSERT_SETTING } from '#core/setting';
import { startServe, tempDir, until, type RunningServer } from './harness.ts';

const running: RunningServer[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) await s.stop('SIGKILL');
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function call<R>(s: RunningServer, method: string, args: unknown = {}): Promise<R> {
  const res = await fetch(`${s.origin}/api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${s.token}` },
    body: JSON.stringify(args),
  });
  const body = (await res.json()) as { ok: true; result: R } | { ok: false; error: { message: string } };
  if (!body.ok) throw new Error(body.error.message);
  return body.result;
}

describe('a running server and another process writing to its ledger', () => {
  it('sees prices and a tariff another process stored, and pushes price-update to open pages', async () => {
    const dataDir = tempDir('hearth-other-writer-');
    dirs.push(dataDir);
    const s = await startServe({ dataDir });
    running.push(s);
    expect((await call<TariffSettings>(s, 'tariff-settings')).tariff.kind).toBe('fixed');
    const ws = new WebSocket(`ws://127.0.0.1:${s.port}/ws`, { headers: { authorization: `Bearer ${s.token}` } });
    const events: { event: string; payload: unknown }[] = [];
    ws.on('message', (m: Buffer) => events.push(JSON.parse(m.toString()) as { event: string; payload: unknown }));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });

    // This test process is the other writer: its own connection to the server's SQLite file, as a
    // `hearth` command that opened the folder directly, stores three hours of prices from now on
    // and switches the tariff to them, in one transaction.
    const hour = 3_600_000;
    const start = Math.floor(Date.now() / hour) * hour;
    const db = new Database(path.join(dataDir, 'hearth.db'));
    try {
      const put = db.prepare(
        'INSERT OR REPLACE INTO price_slot (source, start, end, spot, currency, fetched_at) VALUES (?, ?, ?, ?, ?, ?)',
      );
      db.exec('BEGIN');
      for (const [i, spot] of [0.11, 0.05, 0.2].entries())
        put.run('csv', start + i * hour, start + (i + 1) * hour, spot, 'EUR', Date.now());
      const tariff: TariffSettings = {
        tariff: { kind: 'csv', currency: 'EUR' },
        charges: { perKWh: 0, tax: 0 },
        timeZone: 'Europe/Brussels',
      };
      db.prepare(UPSERT_SETTING).run('tariff', JSON.stringify(tariff), 1, new Date().toISOString());
      db.exec('COMMIT');
    } finally {
      db.close();
    }

    // The page hears of it without asking: a price-update with the new tariff's status.
    const update = await until(
      'a price-update after the other process wrote',
      () =>
        events.find((e) => e.event === 'price-update' && (e.payload as { status: TariffStatus }).status.kind === 'csv'),
      (e) => e !== undefined,
    );
    expect((update?.payload as { status: TariffStatus }).status.state).toBe('ok');
    ws.close();
    expect((await call<TariffSettings>(s, 'tariff-settings')).tariff).toEqual({ kind: 'csv', currency: 'EUR' });
    const slots = await call<PriceSlot[]>(s, 'tariff-slots', { from: start, to: start + 3 * hour });
    expect(slots.map((x) => x.price)).toEqual([0.11, 0.05, 0.2]);
  });
});
