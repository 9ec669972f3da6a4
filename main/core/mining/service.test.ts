import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { systemClock } from '#core/clock';
import { EventBus } from '#core/event';
import { openLedger } from '#core/ledger/db';
import type { MarketService } from '#core/market/service';
import { plainSecretStore } from '#core/secret';
import { createSettings, settingMigrations } from '#core/setting';
import { quiet } from '../../../test/support/quiet-log.ts';
import { tempDirs } from '../../../test/support/temp-dir.ts';
import { Mining } from './service.ts';
import { createShareStore, miningMigrations } from './store.ts';

const tmp = tempDirs('hearth-mining-svc-');

/** A Mining over a real ledger file, without the core. */
function mining(market: MarketService | null = null) {
  const db = openLedger(tmp(), [...settingMigrations, ...miningMigrations]);
  return new Mining({
    shares: createShareStore(db),
    settings: createSettings(
      db,
      () => Date.now(),
      () => undefined,
    ),
    secrets: plainSecretStore,
    clock: systemClock,
    log: quiet,
    events: new EventBus(),
    hardware: null,
    tariff: null,
    market,
  });
}

describe('the mining service on its own', () => {
  it('keeps pools with sealed passwords, shows only that a password is set, and says it is configured', async () => {
    const m = mining();
    expect(m.configured()).toBe(false);
    await expect(m.configure({ pools: [{ url: 'pool.example.com:3333', user: 'a.b' }] })).rejects.toThrow(
      /pool 1: .*no scheme/,
    );
    const saved = await m.configure({
      pools: [{ url: ' stratum+tcp://pool.example.com:3333 ', user: 'a.b', password: 'hunter2' }],
    });
    expect(saved.pools).toEqual([
      { url: 'stratum+tcp://pool.example.com:3333', user: 'a.b', hasPassword: true, extranonceSubscribe: false },
    ]);
    expect(JSON.stringify(saved)).not.toContain('hunter2');
    expect(m.configured()).toBe(true);
    await expect(m.setPower({ threads: os.availableParallelism() + 1 })).rejects.toThrow(/more than this computer's/);
  });

  it('estimates nothing without market figures, and counts the pool fee and fees with them', () => {
    expect(mining().earnings()).toMatchObject({ hashRate: 0, market: null, btcPerDay: null, moneyPerDay: null });
    const status = {
      currency: 'EUR',
      btcPrice: { value: 50_000, state: 'override', source: 'manual', fetchedAt: 1, reason: null },
      difficulty: { value: 1e12, state: 'override', source: 'manual', fetchedAt: 1, reason: null },
      subsidyBtc: 3.125,
      feesBtc: 0.1,
      poolFee: 0.02,
      nextFetchAt: null,
    } as const;
    const market: MarketService = {
      status: () => status,
      current: () => ({ currency: 'EUR', btcPrice: 50_000, difficulty: 1e12 }),
      basis: () => ({
        currency: 'EUR',
        btcPrice: 50_000,
        difficulty: 1e12,
        subsidyBtc: 3.125,
        feesBtc: 0.1,
        poolFee: 0.02,
      }),
    };
    // Not mining: the rate is 0 H/s, so the estimate is 0, not unknown.
    expect(mining(market).earnings()).toMatchObject({
      hashRate: 0,
      btcPerDay: 0,
      moneyPerDay: 0,
      market: { poolFee: 0.02 },
    });
  });
});
