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

describe('Ledger with LAN heater-miners', () => {
  it('books each LAN miner as its own device: its own power and hashes, its shares, and no heat from one outside the heated space', async () => {
    const basis = {
      currency: 'EUR',
      btcPrice: 90_000,
      difficulty: 1.2e14,
      subsidyBtc: 3.125,
      feesBtc: 0.1,
      poolFee: 0.02,
    };
    let accepted = 100;
    const lan = (clock: TestClock) => [
      {
        id: 'desk',
        zone: 'home' as const,
        status: 'online' as const,
        telemetry: {
          at: clock.now(),
          powerW: 16,
          powerSource: 'measured' as const,
          hashRate: 1.2e12,
          tempC: 55,
          state: 'running' as const,
          model: 'Bitaxe Gamma',
          accepted,
          rejected: 0,
          level: 0,
        },
      },
      {
        id: 'shed',
        zone: 'unheated' as const,
        status: 'online' as const,
        telemetry: {
          at: clock.now(),
          powerW: 140,
          powerSource: 'measured' as const,
          hashRate: 4e12,
          tempC: 70,
          state: 'running' as const,
          model: 'Avalon Mini 3',
          accepted: null,
          rejected: null,
          level: 1,
        },
      },
      // Offline: its last reading is not booked.
      { id: 'gone', zone: 'home' as const, status: 'offline' as const, telemetry: null },
    ];
    const t = ledgerWith((clock) => ({
      tariff: { slots: flat },
      market: { basis: () => basis },
      // 1 kW of demand the whole time, worth 0.10 EUR per kWh met.
      heating: {
        demand: (slots) =>
          slots.map((s) => ({ start: s.start, end: s.end, demandW: 1000, creditPerKWh: 0.1 }) as never),
        credit: (_hs, kw) => kw * 0.25 * 0.1,
      },
      device: { list: () => lan(clock) as never },
    }));
    t.ledger.start();
    await t.clock.advanceTo(T0 + 5 * MIN);
    accepted = 130;
    await t.clock.advanceTo(T0 + 15 * MIN);
    const rows = t.ledger.breakdown('device', '2026-01-05', '2026-01-05');
    const desk = rows.find((r) => r.id === 'lan:desk')!;
    const shed = rows.find((r) => r.id === 'lan:shed')!;
    expect(rows.map((r) => r.id).sort()).toEqual(['lan:desk', 'lan:shed']);
    // 16 W for 15 min = 4 Wh, measured by the device; all of it heat in the home.
    expect(desk).toMatchObject({ energy: 4_000, estimatedEnergy: 0, heat: 4_000 });
    // 140 W in the shed: 35 Wh drawn and paid for, no heat booked, no heat credit.
    expect(shed).toMatchObject({ energy: 35_000, heat: 0, heatMet: 0, heatCredit: 0 });
    expect(desk.heatCredit).toBeGreaterThan(0);
    // Revenue: its own hashes (hash rate × 900 s) at the one revenue formula's money per hash.
    const perHash =
      (basis.btcPrice * (basis.subsidyBtc + basis.feesBtc) * (1 - basis.poolFee)) / (basis.difficulty * 2 ** 32);
    expect(desk.revenueExpected / 1e9).toBeCloseTo(1.2e12 * 900 * perHash, 6);
    expect(shed.revenueExpected / 1e9).toBeCloseTo(4e12 * 900 * perHash, 6);
    // 30 shares counted by the device between two readings; one that reports none shows none.
    const days = t.ledger.deviceDays('lan:desk', '2026-01-05', '2026-01-05');
    expect(days[0]).toMatchObject({ sharesAccepted: 30, energy: 4_000 });
    expect(t.ledger.deviceDays('lan:shed', '2026-01-05', '2026-01-05')[0]!.sharesAccepted).toBeNull();
    t.ledger.stop();
  });
});
