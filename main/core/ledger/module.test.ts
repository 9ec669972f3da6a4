import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { HeatSlot, MiningStatus, PriceSlot } from '#contract/index';
import { startCore, type Core } from '#core/app';
import type { Clock } from '#core/clock';
import type { CoreModule } from '#core/module';
import { defaultHeatingSettings } from '#core/heating/setting';
import { marketModule } from '#core/market/module';
import { PRICES_DIR } from '../../../test/fixtures/data.ts';
import { quiet } from '../../../test/support/quiet-log.ts';
import {
  cpuTelemetry,
  hardwareStub,
  hourlyPrices,
  miningStub,
  serviceStub,
  tariffStub,
} from '../../../test/support/service-stubs.ts';
import { tempDirs } from '../../../test/support/temp-dir.ts';
import { ledgerModule } from './module.ts';

const TZ = 'Europe/Brussels';
const MIN = 60_000;
const tmp = tempDirs('hearth-ledger-');

/** A clock the test moves: intervals fire at each step. */
function testClock(start: number) {
  let now = start;
  const timers = new Set<{ fn: () => void; every: number; next: number }>();
  const clock: Clock = {
    now: () => now,
    setTimeout(fn, ms) {
      const t = { fn, every: Infinity, next: now + ms };
      timers.add(t);
      return { cancel: () => timers.delete(t) };
    },
    setInterval(fn, ms) {
      const t = { fn, every: ms, next: now + ms };
      timers.add(t);
      return { cancel: () => timers.delete(t) };
    },
  };
  return {
    clock,
    set(t: number) {
      now = t;
      for (const tm of timers) tm.next = t + (tm.every === Infinity ? 0 : tm.every);
    },
    step(ms: number) {
      now += ms;
      for (const t of [...timers]) {
        if (t.next <= now) {
          t.next += t.every;
          if (t.every === Infinity) timers.delete(t);
          t.fn();
        }
      }
    },
  };
}

/** Belgian 2023 day-ahead prices, hourly: start ms → price text (EUR/kWh). */
const priceText = new Map<number, string>();
for (const line of fs
  .readFileSync(path.join(PRICES_DIR, 'be-day-ahead-2023.csv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)) {
  const [s, p] = line.split(',');
  priceText.set(Date.parse(s!), p!.trim());
}

/** The recorded day: CPU power by local hour (multiples of 30 W so every figure below is a whole mWh). */
const powerAt = (t: number) => 120 + (Math.floor(t / 3_600_000) % 5) * 30;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startLedger(
  dataDir: string,
  clock: Clock,
  now: () => number,
  health?: MiningStatus['health'],
): Promise<Core> {
  const modules: CoreModule[] = [
    hardwareStub(() => cpuTelemetry(now(), powerAt(now()))),
    marketModule({
      endpoints: { mempool: 'http://127.0.0.1:9', coingecko: 'http://127.0.0.1:9' },
      refreshMs: 86_400_000 * 365,
    }),
    tariffStub((from, to) =>
      hourlyPrices(from, to, (h) => {
        const p = priceText.get(h);
        return p === undefined ? undefined : { price: Number(p), spot: Number(p) };
      }),
    ),
    serviceStub('heating', {
      // The home needs 100 W throughout; a kWh that meets it is worth 0.10 EUR.
      demand: (slots: PriceSlot[]): HeatSlot[] =>
        slots.map((s) => ({
          start: s.start,
          end: s.end,
          setpointC: 20,
          indoorC: 19,
          outdoorC: 5,
          demandW: 100,
          creditPerKWh: 0.1,
          currency: 'EUR',
          note: null,
        })),
      credit: (slot: HeatSlot, heatW: number) =>
        ((Math.min(heatW, slot.demandW) * (slot.end - slot.start)) / 3_600_000 / 1000) * slot.creditPerKWh,
      indoor: () => null,
      thermal: () => null,
      settings: () => defaultHeatingSettings(),
      onChange: () => () => {},
    }),
    miningStub(1e6, health),
    ledgerModule({ sampleMs: MIN }),
  ];
  const c = await startCore({ dataDir, clock, log: quiet, modules });
  cleanups.push(() => c.close());
  return c;
}

/** Runs one local day minute by minute: telemetry each minute, a share (difficulty 1000) every 10 minutes. */
function runDay(
  c: Core,
  tc: ReturnType<typeof testClock>,
  dayStartUtc: string,
  hours: number,
  outcome: 'accepted' | 'rejected' = 'accepted',
) {
  const start = Date.parse(dayStartUtc);
  tc.set(start - MIN);
  tc.step(MIN); // first sample at the day's start
  for (let t = start + MIN; t <= start + hours * 3_600_000 + MIN; t += MIN) {
    if ((t - start) % (10 * MIN) === 5 * MIN) {
      c.events.emit('mining-share', {
        id: t,
        at: t - 1,
        outcome,
        jobId: 'j',
        pool: 'p',
        difficulty: 1000,
        hashDifficulty: 1200,
        reason: outcome === 'rejected' ? 'Above target' : null,
      });
    }
    tc.step(MIN);
  }
}

describe('ledger module', () => {
  it('books a recorded day of telemetry, prices and shares; every daily figure matches an independent computation (23 and 25 hours)', async () => {
    const tc = testClock(0);
    const c = await startLedger(tmp(), tc.clock, () => tc.clock.now());
    await c.handlers['ledger-configure']({ currency: 'EUR', timeZone: TZ, standingPerDay: '0.41', monthlyFee: '5' });
    await c.handlers['market-override']({ btcPrice: 30_000, difficulty: 1e12, currency: 'EUR' });

    const cases = [
      { day: '2023-03-26', startUtc: '2023-03-25T23:00:00Z', hours: 23 },
      { day: '2023-10-29', startUtc: '2023-10-28T22:00:00Z', hours: 25 },
    ];
    for (const k of cases) runDay(c, tc, k.startUtc, k.hours);

    for (const k of cases) {
      const start = Date.parse(k.startUtc);
      const end = start + k.hours * 3_600_000;
      // Independent: per minute W × 60 s in mWh (W·50/3); per slot cost = mWh × price(1e-5 EUR) / 100 nano-EUR.
      let energy = 0;
      let cost = 0n;
      let slots = 0;
      let revenue = 0;
      for (let s = start; s < end; s += 15 * MIN) {
        let e = 0;
        for (let t = s; t < s + 15 * MIN; t += MIN) e += (powerAt(t) * 50) / 3;
        energy += e;
        slots++;
        const [w, f = ''] = priceText
          .get(Math.floor(s / 3_600_000) * 3_600_000)!
          .replace('-', '')
          .split('.');
        const p5 =
          (BigInt(w!) * 100_000n + BigInt(f.padEnd(5, '0'))) *
          (priceText.get(Math.floor(s / 3_600_000) * 3_600_000)!.startsWith('-') ? -1n : 1n);
        cost += (BigInt(e) * p5) / 100n;
        revenue += ((1e6 * 900) / (1e12 * 2 ** 32)) * 3.175 * 0.98 * 30_000 * 1e9;
      }
      // Six shares an hour, each worth difficulty / network difficulty of a block's reward.
      const credited = k.hours * 6 * (1000 / 1e12) * 3.175 * 0.98 * 30_000 * 1e9;
      const { days } = await c.handlers['ledger-days']({ days: 1, until: k.day });
      const d = days[0]!;
      expect(d.hours).toBe(k.hours);
      expect(d.slots).toBe(slots);
      expect(d.energyMilliWh).toBe(energy);
      expect(d.heatMilliWh).toBe(energy);
      expect(d.estimatedMilliWh).toBe(0);
      // 100 W of demand for the whole day; each slot's heat exceeded it.
      expect(d.heatMetMilliWh).toBe(100 * k.hours * 1000);
      expect(d.heatCreditNanos).toBe(Math.round(0.1 * 0.1 * k.hours * 1e9));
      expect(d.costNanos).toBe(Number(cost));
      expect(Math.abs(d.revenueExpectedNanos - revenue)).toBeLessThanOrEqual(slots);
      expect(Math.abs(d.revenueCreditedNanos - credited)).toBeLessThanOrEqual(slots);
      expect(d.revenueCreditedNanos).toBeGreaterThan(0);
      expect(d.standingNanos).toBe(410_000_000);
      expect(d.netNanos).toBe(d.revenueExpectedNanos + d.heatCreditNanos - d.costNanos - d.standingNanos);
    }

    await expect(c.handlers['ledger-days']({ days: 1, until: '2023-02-30' })).rejects.toThrow(/not a calendar day/);
    const byJob = await c.handlers['ledger-breakdown']({ by: 'job', days: 1, until: '2023-03-26' });
    expect(byJob.rows.map((r) => r.id)).toEqual(['mining']);
  });

  it('books no expected revenue for work the pool rejects, whether mining is marked unhealthy or not', async () => {
    const sick = {
      state: 'unhealthy' as const,
      problem: 'the pool rejected 30 of the last 30 shares',
      since: 0,
      rejectRate: 1,
    };
    for (const health of [sick, { state: 'ok' as const, problem: null, since: null, rejectRate: 0.5 }]) {
      const tc = testClock(0);
      const c = await startLedger(tmp(), tc.clock, () => tc.clock.now(), health);
      await c.handlers['ledger-configure']({ currency: 'EUR', timeZone: TZ, standingPerDay: '0', monthlyFee: '0' });
      await c.handlers['market-override']({ btcPrice: 30_000, difficulty: 1e12, currency: 'EUR' });
      runDay(c, tc, '2023-03-25T23:00:00Z', 23, 'rejected');
      const d = (await c.handlers['ledger-days']({ days: 1, until: '2023-03-26' })).days[0]!;
      expect(d.costNanos).toBeGreaterThan(0); // the electricity was used all the same
      expect(d.revenueCreditedNanos).toBe(0);
      // Unhealthy: no hashes are booked as revenue. Healthy: each rejected share of difficulty 1000
      // takes 1000 × 2^32 hashes off its slot, more than the 9e8 that 1 MH/s does in 15 minutes.
      expect(d.revenueExpectedNanos).toBe(0);
    }
  });

  it('exports slots and days as CSV and re-imports the slots without losing a digit', async () => {
    const tc = testClock(0);
    const c = await startLedger(tmp(), tc.clock, () => tc.clock.now());
    await c.handlers['ledger-configure']({ currency: 'EUR', timeZone: TZ, standingPerDay: '0.41', monthlyFee: '0' });
    await c.handlers['market-override']({ btcPrice: 30_000, difficulty: 1e12, currency: 'EUR' });
    runDay(c, tc, '2023-03-25T23:00:00Z', 23);
    const slots = await c.handlers['ledger-export-csv']({ kind: 'slots', days: 1, until: '2023-03-26' });
    expect(slots.rows).toBe(92);
    const daysBefore = await c.handlers['ledger-days']({ days: 1, until: '2023-03-26' });
    const daysCsv = await c.handlers['ledger-export-csv']({ kind: 'days', days: 1, until: '2023-03-26' });
    expect(daysCsv.csv.split('\n')[1]).toMatch(/^2023-03-26,23,/);

    const tc2 = testClock(0);
    const fresh = await startLedger(tmp(), tc2.clock, () => tc2.clock.now());
    await fresh.handlers['ledger-configure']({
      currency: 'EUR',
      timeZone: TZ,
      standingPerDay: '0.41',
      monthlyFee: '0',
    });
    expect(await fresh.handlers['ledger-import-csv']({ csv: slots.csv })).toEqual({ slots: 92 });
    expect((await fresh.handlers['ledger-export-csv']({ kind: 'slots', days: 1, until: '2023-03-26' })).csv).toBe(
      slots.csv,
    );
    expect(await fresh.handlers['ledger-days']({ days: 1, until: '2023-03-26' })).toEqual(daysBefore);

    const broken = slots.csv.split('\n');
    broken[3] = broken[3]!.replace(/,measured,/, ',guessed,');
    await expect(fresh.handlers['ledger-import-csv']({ csv: broken.join('\n') })).rejects.toThrow(
      /Line 4: energy_source "guessed".*nothing was imported/,
    );
    await expect(fresh.handlers['ledger-import-csv']({ csv: 'a,b\n1,2\n' })).rejects.toThrow(/header lacks start_utc/);
  });
});
