import { afterEach, describe, expect, it } from 'vitest';
import type { Events, Telemetry } from '#contract/index';
import { EventBus } from '#core/event';
import { TestClock } from '../../../test/support/test-clock.ts';
import { createSettings, settingMigrations } from '#core/setting';
import { cpuTelemetry, hourlyPrices } from '../../../test/support/service-stubs.ts';
import { tempDirs } from '../../../test/support/temp-dir.ts';
import { accountingMigrations } from './accounting.ts';
import { openLedger, type Db } from './db.ts';
import { Ledger, type LedgerDeps } from './service.ts';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 5, 10);

const tmp = tempDirs('hearth-ledger-service-');
const open: Db[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

/** The CPU drawing `watts` the whole time. */
const cpuAt = (clock: TestClock, watts: number) => (): Telemetry => cpuTelemetry(clock.now(), watts);

/** A flat 0.25 EUR/kWh, by the hour. */
const flat = (from: number, to: number) => hourlyPrices(from, to, () => ({ price: 0.25, spot: null }));

/** A ledger on a real SQLite file and real typed settings, its clock a minute before T0, billing in EUR by UTC days. */
function ledgerWith(parts: (clock: TestClock) => Partial<LedgerDeps>) {
  const dataDir = tmp();
  const db = openLedger(dataDir, [...settingMigrations, ...accountingMigrations]);
  open.push(db);
  const clock = new TestClock(T0 - MIN);
  const logged: string[] = [];
  const log = {
    info: (m: string) => logged.push(m),
    warn: (m: string) => logged.push(m),
    error: (m: string) => logged.push(m),
  };
  const events = new EventBus();
  const booked: Events['ledger-slot'][] = [];
  events.on('ledger-slot', (s) => booked.push(s));
  const deps: LedgerDeps = {
    db,
    settings: createSettings(db, () => clock.now(), log.warn),
    clock,
    log,
    events,
    dataDir,
    restart: null,
    sampleMs: MIN,
    ...parts(clock),
  };
  const ledger = new Ledger(deps);
  ledger.configure({ currency: 'EUR', timeZone: 'UTC', standingPerDay: '0', monthlyFee: '0' });
  return { ledger, clock, logged, booked };
}

describe('Ledger, built without the core', () => {
  it('books each finished slot at its price, and on stop the slot in progress with what ran so far', async () => {
    const t = ledgerWith((clock) => ({ hardware: { latest: cpuAt(clock, 120) }, tariff: { slots: flat } }));
    const { ledger } = t;
    ledger.start();
    // The first sample at T0 starts the meter; 15 minutes of 120 W fill the slot [T0, T0 + 15 min).
    await t.clock.advanceTo(T0 + 15 * MIN);
    expect(t.booked).toEqual([{ start: T0, end: T0 + 15 * MIN, currency: 'EUR' }]);
    let d = ledger.day('2026-01-05');
    // 120 W for a quarter hour is 30 Wh; at 0.25 EUR/kWh it costs 0.0075 EUR.
    expect(d).toMatchObject({ energy: 30_000, heat: 30_000, estimatedEnergy: 0, cost: 7_500_000 });

    await t.clock.advanceTo(T0 + 20 * MIN);
    ledger.stop();
    expect(t.booked.at(-1)).toEqual({ start: T0 + 15 * MIN, end: T0 + 30 * MIN, currency: 'EUR' });
    d = ledger.day('2026-01-05');
    expect(d).toMatchObject({ energy: 40_000, cost: 10_000_000 });
    // The timer is gone: time passing books nothing more.
    await t.clock.advanceTo(T0 + 60 * MIN);
    expect(ledger.day('2026-01-05').energy).toBe(40_000);
    expect(ledger.today()).toEqual(ledger.day('2026-01-05'));
    expect(ledger.exportCsv('slots', '2026-01-05', '2026-01-05').rows).toBe(2);
  });

  it('books energy at 0 without a tariff and says so once', async () => {
    const t = ledgerWith((clock) => ({ hardware: { latest: cpuAt(clock, 60) } }));
    t.ledger.start();
    await t.clock.advanceTo(T0 + 45 * MIN);
    t.ledger.stop();
    expect(t.booked).toHaveLength(3);
    const d = t.ledger.day(t.ledger.todayKey());
    expect(d).toMatchObject({ energy: 45_000, cost: 0 });
    expect(t.logged.filter((m) => m.includes('no electricity price known'))).toHaveLength(1);
  });
});
