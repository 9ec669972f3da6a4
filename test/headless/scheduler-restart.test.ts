import { afterEach, describe, expect, it } from 'vitest';
import type { MiningStatus } from '#contract/index';
import { TestPool } from '../support/stratum-pool.ts';
import { startServe, tempDir, until, type RunningServer } from './harness.ts';

const running: RunningServer[] = [];
let pool: TestPool | null = null;
afterEach(async () => {
  for (const s of running.splice(0)) await s.stop('SIGKILL');
  await pool?.close();
  pool = null;
});

async function call<T>(s: RunningServer, method: string, body: unknown): Promise<T> {
  const res = await fetch(`${s.origin}/api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${s.token}` },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as { ok: true; result: T } | { ok: false; error: { message: string } };
  if (!json.ok) throw new Error(`${method}: ${json.error.message}`);
  return json.result;
}

describe('scheduler: a killed process resumes the current slot', () => {
  it('after SIGKILL, a new hearth serve on the same data folder is mining as planned again right after it starts', async () => {
    pool = new TestPool({ difficulty: 2 ** -14 });
    await pool.listen();
    pool.notify(true);
    const dataDir = tempDir('hearth-restart-');
    // Power pays for itself for the next two days: the plan mines in every slot.
    const slot = 900_000;
    const from = Math.floor(Date.now() / slot) * slot - 3_600_000;
    const rows = ['start,price'];
    for (let t = from; t < from + 52 * 3_600_000; t += slot) rows.push(`${new Date(t).toISOString()},-0.50`);

    const first = await startServe({ dataDir });
    running.push(first);
    await call(first, 'tariff-import-csv', { csv: rows.join('\n'), unit: 'per-kwh', currency: 'EUR' });
    const ts = await call<Record<string, unknown>>(first, 'tariff-settings', {});
    await call(first, 'tariff-configure', { ...ts, tariff: { kind: 'csv', currency: 'EUR' }, skipCheck: true });
    await call(first, 'mining-settings-set', { pools: [{ url: pool.url, user: 'alice.rig', password: 'x' }] });
    await call(first, 'market-override', { btcPrice: 1e-6, difficulty: 1, currency: 'EUR' });
    expect(await first.stop('SIGKILL')).toBe('SIGKILL');

    for (let round = 0; round < 2; round++) {
      const spawned = Date.now();
      const s = await startServe({ dataDir });
      running.push(s);
      const listening = Date.now();
      const status = await until(
        'mining as planned',
        () => call<MiningStatus>(s, 'mining-status', {}),
        (m) => m.running && m.threads > 0,
        30_000,
        20,
      );
      const plan = await call<{ applied: { slotStart: number; source: string } | null }>(s, 'plan-get', {});
      // The slot carried out is the current one, from the plan (not an override, not the next boundary).
      expect(plan.applied?.source).toBe('plan');
      expect(plan.applied?.slotStart).toBe(Math.floor(Date.now() / slot) * slot);
      console.log(
        `restart ${round + 1}: mining with ${status.threads} thread(s) ${Date.now() - spawned} ms after the process was spawned (${Date.now() - listening} ms after it printed its URL)`,
      );
      await until(
        'an accepted share after the restart',
        () => call<MiningStatus>(s, 'mining-status', {}),
        (m) => m.totals.accepted > 0,
        30_000,
        20,
      );
      expect(await s.stop('SIGKILL')).toBe('SIGKILL');
    }
  }, 120_000);
});
