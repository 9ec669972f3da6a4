import { afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '#core/event';
import { createSettings, settingMigrations } from '#core/setting';
import { TestClock } from '../../../test/support/test-clock.ts';
import { tempDirs } from '../../../test/support/temp-dir.ts';
import { accountingMigrations, createAccounting } from './accounting.ts';
import { openLedger, type Db } from './db.ts';
import { ledgerHandlers } from './handlers.ts';
import { periodOf, shiftPeriod } from './period.ts';
import { Ledger } from './service.ts';

const HOUR = 3_600_000;
const TZ = 'Europe/Brussels';

describe('calendar periods', () => {
  it('a week runs Monday to Sunday across a month and a year end; months and years step by the calendar', () => {
    expect(periodOf('week', '2026-12-31')).toEqual({ from: '2026-12-28', to: '2027-01-03' });
    expect(periodOf('week', '2026-12-28')).toEqual({ from: '2026-12-28', to: '2027-01-03' });
    expect(periodOf('week', '2027-01-03')).toEqual({ from: '2026-12-28', to: '2027-01-03' });
    expect(periodOf('month', '2024-02-14')).toEqual({ from: '2024-02-01', to: '2024-02-29' });
    expect(periodOf('month', '2023-02-14')).toEqual({ from: '2023-02-01', to: '2023-02-28' });
    expect(periodOf('year', '2026-07-04')).toEqual({ from: '2026-01-01', to: '2026-12-31' });
    expect(shiftPeriod('day', '2026-03-01', -1)).toBe('2026-02-28');
    expect(shiftPeriod('week', '2026-12-31', 1)).toBe('2027-01-04');
    expect(shiftPeriod('month', '2026-01-31', -1)).toBe('2025-12-01');
    expect(shiftPeriod('month', '2026-12-15', 1)).toBe('2027-01-01');
    expect(shiftPeriod('year', '2026-12-15', -1)).toBe('2025-01-01');
  });
});

const tmp = tempDirs('hearth-ledger-period-');
const open: Db[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

/**
 * A ledger on a real SQLite file billing in EUR by Brussels days, 0.10 EUR standing a day, with
 * 100 W of CPU booked in every hour from `from` to `to` (100 Wh and 0.025 EUR an hour).
 */
function ledgerWithHours(now: number, from: number, to: number) {
  const dataDir = tmp();
  const db = openLedger(dataDir, [...settingMigrations, ...accountingMigrations]);
  open.push(db);
  const clock = new TestClock(now);
  const log = { info: () => {}, warn: () => {}, error: () => {} };
  const ledger = new Ledger({
    db,
    settings: createSettings(db, () => clock.now(), log.warn),
    clock,
    log,
    events: new EventBus(),
    dataDir,
    restart: null,
  });
  ledger.configure({ currency: 'EUR', timeZone: TZ, standingPerDay: '0.1', monthlyFee: '0' });
  const acct = createAccounting(db);
  for (let t = from; t < to; t += HOUR) {
    acct.book({
      start: t,
      end: t + HOUR,
      deviceId: 'cpu',
      jobId: 'mining',
      energy: 100_000,
      energySource: 'measured',
      heat: 100_000,
      heatMet: 0,
      currency: 'EUR',
      price: 250_000_000,
      heatCredit: 0,
      revenueExpected: 0,
      revenueCredited: 0,
      trainingWork: 0,
      trainingValue: 0,
    });
  }
  return { ledger, handlers: ledgerHandlers(ledger) };
}

describe('Ledger periods on a real SQLite file', () => {
  // Sunday 29 March 2026: clocks go from 02:00 CET to 03:00 CEST in Brussels.
  const springDay = Date.UTC(2026, 2, 28, 23); // local midnight of the 29th
  const nextDay = Date.UTC(2026, 2, 29, 22); // local midnight of the 30th, 23 hours later

  it('a clock-change day has 23 hourly buckets and a week holding it 167 hours', () => {
    const { ledger } = ledgerWithHours(Date.UTC(2026, 3, 15, 12), Date.UTC(2026, 2, 20), Date.UTC(2026, 3, 10));
    const day = ledger.period('day', '2026-03-29');
    expect(day.running).toBe(false);
    expect(day.start).toBe(springDay);
    expect(day.end).toBe(nextDay);
    expect(day.buckets).toHaveLength(23);
    expect(day.buckets.map((b) => b.key.slice(11)).slice(0, 4)).toEqual(['00', '01', '03', '04']);
    expect(day.total.energy).toBe(23 * 100_000);
    expect(day.total.standing).toBe(100_000_000);
    // The day before is a whole 24 hours, compared in full since the 29th is over.
    expect(day.previous).toMatchObject({ from: '2026-03-28', until: springDay });
    expect(day.previous.total.energy).toBe(24 * 100_000);

    const week = ledger.period('week', '2026-03-29');
    expect(week).toMatchObject({ from: '2026-03-23', to: '2026-03-29' });
    expect(week.buckets.map((b) => b.key)).toEqual([
      '2026-03-23',
      '2026-03-24',
      '2026-03-25',
      '2026-03-26',
      '2026-03-27',
      '2026-03-28',
      '2026-03-29',
    ]);
    expect((week.end - week.start) / HOUR).toBe(167);
    expect(week.total.energy).toBe(167 * 100_000);
    expect(week.total.standing).toBe(7 * 100_000_000);
    expect(week.devices).toEqual([expect.objectContaining({ id: 'cpu', energy: 167 * 100_000 })]);
    expect(week.previousAnchor).toBe('2026-03-16');
    expect(week.nextAnchor).toBe('2026-03-30');

    const year = ledger.period('year', '2026-03-29');
    expect(year.buckets.map((b) => b.key)).toEqual(['2026-01', '2026-02', '2026-03', '2026-04']);
    expect(year.buckets[2]!.end).toBe(Date.UTC(2026, 2, 31, 22));
    expect(year.running).toBe(true);
    expect(year.nextAnchor).toBeNull();
  });

  it('a running week is compared with last week to the same hour, fixed charges of the same days included', async () => {
    // Wednesday 8 April 2026, 12:00 in Brussels (10:00 UTC); the ledger holds hours from 30 March on.
    const now = Date.UTC(2026, 3, 8, 10);
    const { handlers } = ledgerWithHours(now, Date.UTC(2026, 2, 29, 22), now);
    const p = await handlers['ledger-period']({ kind: 'week' });
    expect(p).toMatchObject({ from: '2026-04-06', to: '2026-04-12', running: true, today: '2026-04-08' });
    // Monday 00:00 to Wednesday 12:00 local: 60 hours so far; three days' standing charge.
    expect(p.total.energyMilliWh).toBe(60 * 100_000);
    expect(p.total.costNanos).toBe(60 * 25_000_000);
    expect(p.total.standingNanos).toBe(3 * 100_000_000);
    expect(p.buckets.map((b) => b.key)).toEqual(['2026-04-06', '2026-04-07', '2026-04-08']);
    expect(p.previous).toMatchObject({ from: '2026-03-30', to: '2026-04-05', until: Date.UTC(2026, 3, 1, 10) });
    expect(p.previous.total.energyMilliWh).toBe(60 * 100_000);
    expect(p.previous.total.standingNanos).toBe(3 * 100_000_000);
    expect(p.nextAnchor).toBeNull();

    const today = await handlers['ledger-period']({ kind: 'day' });
    // 00:00 to 12:00 local: twelve hours that ran, then the hour that begins now (empty so far).
    expect(today.buckets).toHaveLength(13);
    expect(today.buckets.at(-1)!.energyMilliWh).toBe(0);
    expect(today.total.energyMilliWh).toBe(12 * 100_000);
    expect(today.previous.total.energyMilliWh).toBe(12 * 100_000);

    const before = await handlers['ledger-period']({ kind: 'week', anchor: p.previousAnchor });
    expect(before).toMatchObject({ from: '2026-03-30', running: false, nextAnchor: '2026-04-06' });
    expect(before.total.energyMilliWh).toBe(7 * 24 * 100_000);
    // The week before that holds no slots at all: nothing to compare with is zero, not an error.
    expect(before.previous.total.energyMilliWh).toBe(0);
    await expect(handlers['ledger-period']({ kind: 'month', anchor: '2026-02-30' })).rejects.toThrow(
      /not a calendar day/,
    );
  });
});
