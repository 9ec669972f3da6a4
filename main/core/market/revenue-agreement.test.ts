import { describe, expect, it } from 'vitest';
import { startCore, type Core } from '#core/app';
import { defaultHeatingSettings } from '#core/heating/setting';
import { ledgerModule } from '#core/ledger/module';
import { schedulerModule } from '#core/scheduler/module';
import { TestClock } from '../../../test/support/test-clock.ts';
import { plannedDomains } from '../../../test/support/planned-domains.ts';
import { quiet } from '../../../test/support/quiet-log.ts';
import {
  cpuTelemetry,
  hardwareStub,
  hourlyPrices,
  miningStub,
  tariffStub,
} from '../../../test/support/service-stubs.ts';
import { easyPool } from '../../../test/support/stratum-pool.ts';
import { tempDirs } from '../../../test/support/temp-dir.ts';
import { until } from '../../../test/support/until.ts';
import { marketModule } from './module.ts';

const tmp = tempDirs('hearth-revenue-');

// Difficulty 1 makes a hash worth about 2e-5 EUR, so an hour's revenue is large enough to compare
// to the nano-euro; the fees and pool fee differ from the defaults so that leaving either out shows.
const MARKET = { btcPrice: 30_000, difficulty: 1, currency: 'EUR', feesBtc: 0.175, poolFee: 0.03 };
const HOUR = 3_600_000;

/** The ledger's hour at a steady `hashRate`, booked minute by minute on a clock the test moves. */
async function ledgerHour(hashRate: number): Promise<number> {
  const start = Date.UTC(2026, 0, 5, 10);
  const clock = new TestClock(start - 60_000);
  const core = await startCore({
    dataDir: tmp(),
    clock,
    log: quiet,
    modules: [
      hardwareStub(() => cpuTelemetry(clock.now(), 100)),
      marketModule({ refreshMs: 0 }),
      tariffStub((from, to) => hourlyPrices(from, to, () => ({ price: 0.3, spot: 0.3 }))),
      miningStub(hashRate),
      ledgerModule({ sampleMs: 60_000 }),
    ],
  });
  try {
    await core.handlers['ledger-configure']({ currency: 'EUR', timeZone: 'UTC', standingPerDay: '0', monthlyFee: '0' });
    await core.handlers['market-override'](MARKET);
    await clock.advanceTo(start + HOUR + 60_000);
    const { days } = await core.handlers['ledger-days']({ days: 1, until: '2026-01-05' });
    return days[0]!.revenueExpectedNanos / 1e9;
  } finally {
    await core.close();
  }
}

describe('one revenue formula', () => {
  it('the Mining page, the planner and the ledger put the same money on an hour of hashing', async () => {
    const pool = await easyPool();
    let core: Core | null = null;
    try {
      core = await startCore({
        dataDir: tmp(),
        log: quiet,
        modules: [...plannedDomains(), schedulerModule({ cron: false, idle: null })],
      });
      const h = core.handlers;
      await h['heating-configure']({ ...defaultHeatingSettings(), timeZone: 'UTC' });
      await h['market-override'](MARKET);
      await h['mining-settings-set']({ pools: [{ url: pool.url, user: 'alice.rig', password: 'x' }], threads: 1 });
      await h['mining-start']({});
      const shown = await until(
        'a measured hash rate on the Mining page',
        () => h['mining-earnings']({}),
        (e) => e.hashRate > 0,
      );
      const perHashShown = shown.moneyPerDay! / (shown.hashRate * 86_400);

      const planned = (await h['plan-input']({})).input.jobs.find((j) => j.kind === 'mine');
      expect(planned).toBeDefined();

      const booked = await ledgerHour(shown.hashRate);
      const hourShown = shown.moneyPerDay! / 24;
      const hourPlanned = planned!.valuePerWork * shown.hashRate * 3600;
      // By hand: (3.125 + 0.175) BTC × (1 − 0.03) × 30,000 EUR/BTC per 2^32 hashes.
      const byHand = ((3.3 * 0.97 * 30_000) / 2 ** 32) * shown.hashRate * 3600;
      expect(perHashShown).toBeCloseTo((3.3 * 0.97 * 30_000) / 2 ** 32, 15);
      for (const figure of [hourShown, hourPlanned, booked])
        expect(Math.abs(figure - byHand) / byHand).toBeLessThan(1e-9);
      expect(shown.market?.poolFee).toBe(0.03);
    } finally {
      await core?.close();
      await pool.close();
    }
  });
});
