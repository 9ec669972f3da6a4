import { afterEach, describe, expect, it } from 'vitest';
import type { MarketStatus } from '#contract/index';
import { openLedger, type Db } from '#core/ledger/db';
import { TestClock } from '../../../test/support/test-clock.ts';
import { createSettings, settingMigrations } from '#core/setting';
import { quiet } from '../../../test/support/quiet-log.ts';
import { tempDirs } from '../../../test/support/temp-dir.ts';
import { when } from '../../../test/support/until.ts';
import { CurrencyConflict, Market, type MarketDeps } from './service.ts';
import { marketSetting, marketSettingMigration } from './setting.ts';
import { createQuoteStore, marketMigrations } from './store.ts';

const tmp = tempDirs('hearth-market-service-');
const open: Db[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

/** mempool.space's two answers, as it sends them. */
const mempool: typeof fetch = async (input) => {
  const url = String(input);
  if (url.endsWith('/api/v1/prices'))
    return new Response(JSON.stringify({ time: 1_700_000_000, USD: 37_000, EUR: 34_123.5 }));
  if (url.endsWith('/api/v1/mining/hashrate/3d'))
    return new Response(
      JSON.stringify({ hashrates: [], difficulty: [], currentHashrate: 4.5e20, currentDifficulty: 6.2e13 }),
    );
  return new Response('not found', { status: 404 });
};

/** A market on a real SQLite file and real typed settings. */
function market(parts: Partial<MarketDeps>) {
  const db = openLedger(tmp(), [...settingMigrations, ...marketMigrations, marketSettingMigration]);
  open.push(db);
  const clock = new TestClock(Date.UTC(2026, 0, 5, 10));
  const settings = createSettings(
    db,
    () => clock.now(),
    () => undefined,
  );
  const updates: MarketStatus[] = [];
  const deps: MarketDeps = {
    store: createQuoteStore(db),
    settings,
    clock,
    log: quiet,
    emit: (event, payload) => {
      if (event === 'market-update') updates.push(payload as MarketStatus);
    },
    endpoints: { mempool: 'http://mempool.test', coingecko: 'http://coingecko.test' },
    fetch: mempool,
    refreshMs: 0,
    ...parts,
  };
  return { m: new Market(deps), settings, clock, updates };
}

describe('Market, built without the core', () => {
  it('gives the revenue basis from fetched figures and the set fees; an override wins until cleared; a currency change under a manual price is refused', async () => {
    const { m, settings, clock, updates } = market({});
    expect(m.basis()).toBeNull();
    const st = await m.refresh();
    expect(st.btcPrice).toMatchObject({
      value: 34_123.5,
      state: 'ok',
      source: 'mempool.space',
      fetchedAt: clock.now(),
    });
    expect(updates).toHaveLength(1);
    expect(m.basis()).toEqual({
      currency: 'EUR',
      btcPrice: 34_123.5,
      difficulty: 6.2e13,
      subsidyBtc: 3.125,
      feesBtc: 0.05,
      poolFee: 0.02,
    });

    m.override({ btcPrice: 40_000, poolFee: 0.01 });
    expect(m.current()).toEqual({ currency: 'EUR', btcPrice: 40_000, difficulty: 6.2e13 });
    expect(m.basis()?.poolFee).toBe(0.01);
    expect(() => m.override({ currency: 'USD' })).toThrow(CurrencyConflict);
    expect(settings.get(marketSetting).currency).toBe('EUR');
    m.override({ btcPrice: null });
    expect(m.status().btcPrice).toMatchObject({ value: 34_123.5, state: 'ok' });
    expect(updates).toHaveLength(3);
  });

  it('refreshes on its timer from start, and stop abandons a fetch in flight without calling it a failure', async () => {
    let hung = 0;
    const hanging: typeof fetch = (input, init) => {
      if (hung++ < 2) return mempool(input, init);
      return new Promise((_, reject) => init?.signal?.addEventListener('abort', () => reject(new Error('aborted'))));
    };
    const { m, clock, updates } = market({ fetch: hanging, refreshMs: 60_000 });
    m.start();
    await when('the first refresh', () => updates.length === 1);
    expect(m.status().nextFetchAt).toBe(clock.now() + 60_000);
    await clock.advanceTo(clock.now() + 60_000);
    await when('the second refresh to hang', () => hung === 4);
    // The second refresh hangs on the network; stopping ends it.
    await m.stop();
    expect(updates).toHaveLength(2);
    const st = m.status();
    expect(st.btcPrice.reason).toBeNull();
    expect(st.btcPrice.value).toBe(34_123.5);
  });
});
