import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PRICES_DIR } from '../../../test/fixtures/data.ts';
import { tempDirs } from '../../../test/support/temp-dir.ts';
import { accountingMigrations, createAccounting, rollupBy, rollupDays, sumTotals } from './accounting.ts';
import { openLedger } from './db.ts';

const tmp = tempDirs('hearth-acct-');
const TZ = 'Europe/Brussels';
const Q = 15 * 60_000;

/** Hourly Belgian day-ahead prices of 2023 as the CSV writes them: start ms → price text. */
function prices(): Map<number, string> {
  const text = fs.readFileSync(path.join(PRICES_DIR, 'be-day-ahead-2023.csv'), 'utf8');
  const m = new Map<number, string>();
  for (const line of text.trim().split('\n').slice(1)) {
    const [start, price] = line.split(',');
    m.set(Date.parse(start!), price!.trim());
  }
  return m;
}

/** Price text in units of 1e-5 EUR (the CSV's precision) as an integer: independent of money.ts. */
function hundredThousandths(text: string): bigint {
  const neg = text.startsWith('-');
  const [w, f = ''] = text.replace('-', '').split('.');
  const v = BigInt(w!) * 100_000n + BigInt(f.padEnd(5, '0').slice(0, 5));
  return neg ? -v : v;
}

describe('slot accounting', () => {
  it('rolls a recorded span up into local days exactly, including the 23- and 25-hour days', () => {
    const db = openLedger(tmp(), accountingMigrations);
    const acct = createAccounting(db);
    const p = prices();
    const spans = [
      ['2023-03-25T00:00:00Z', '2023-03-28T00:00:00Z'],
      ['2023-10-28T00:00:00Z', '2023-10-31T00:00:00Z'],
    ] as const;
    // Power follows a daily pattern; every slot's energy is a whole 100 mWh so the independent sum is exact.
    const energyOf = (t: number) => 1000 * (50 + ((t / Q) % 7) * 10);
    for (const [a, b] of spans) {
      for (let t = Date.parse(a); t < Date.parse(b); t += Q) {
        const hour = Math.floor(t / 3_600_000) * 3_600_000;
        const price = p.get(hour)!;
        const energy = energyOf(t);
        acct.book({
          start: t,
          end: t + Q,
          deviceId: 'cpu',
          jobId: 'mining',
          energy,
          energySource: (t / Q) % 2 === 0 ? 'measured' : 'estimated',
          heat: energy,
          heatMet: energy / 2,
          currency: 'EUR',
          price: Number(hundredThousandths(price) * 10_000n),
          heatCredit: 7,
          revenueExpected: 3,
          revenueCredited: 0,
          trainingWork: 0,
          trainingValue: 0,
        });
      }
    }

    // Independent computation: local-day bounds written out by hand, cost = mWh × price(1e-5 EUR) / 100 nanos.
    const expected: Record<string, [string, string]> = {
      '2023-03-26': ['2023-03-25T23:00:00Z', '2023-03-26T22:00:00Z'],
      '2023-03-27': ['2023-03-26T22:00:00Z', '2023-03-27T22:00:00Z'],
      '2023-10-29': ['2023-10-28T22:00:00Z', '2023-10-29T23:00:00Z'],
      '2023-10-30': ['2023-10-29T23:00:00Z', '2023-10-30T23:00:00Z'],
    };
    const charges = { currency: 'EUR', standingPerDay: 410_000_000, monthlyFee: 5_000_000_000 };
    const days = [
      ...rollupDays(db, { from: '2023-03-26', to: '2023-03-27', timeZone: TZ, currency: 'EUR', charges }),
      ...rollupDays(db, { from: '2023-10-29', to: '2023-10-30', timeZone: TZ, currency: 'EUR', charges }),
    ];
    expect(days.map((d) => d.hours)).toEqual([23, 24, 25, 24]);
    for (const d of days) {
      const [a, b] = expected[d.day]!;
      let cost = 0n;
      let energy = 0;
      let slots = 0;
      for (let t = Date.parse(a); t < Date.parse(b); t += Q) {
        const e = energyOf(t);
        energy += e;
        slots++;
        const c = BigInt(e) * hundredThousandths(p.get(Math.floor(t / 3_600_000) * 3_600_000)!);
        expect(c % 100n).toBe(0n);
        cost += c / 100n;
      }
      expect(d.slots).toBe(slots);
      expect(d.energy).toBe(energy);
      expect(d.heatMet).toBe(energy / 2);
      expect(d.cost).toBe(Number(cost));
      expect(d.heatCredit).toBe(7 * slots);
      expect(d.revenueExpected).toBe(3 * slots);
      expect(d.standing).toBe(410_000_000);
      expect(d.monthlyFee).toBe(0);
      expect(d.net).toBe(10 * slots - Number(cost) - 410_000_000);
    }
    expect(days[0]!.slots).toBe(92);
    expect(days[2]!.slots).toBe(100);
    const total = sumTotals(days);
    expect(total.cost).toBe(days.reduce((s, d) => s + d.cost, 0));
  });

  it('adds a second booking of the same slot, books the monthly fee on the 1st, and groups by device and job', () => {
    const db = openLedger(tmp(), accountingMigrations);
    const acct = createAccounting(db);
    const start = Date.parse('2024-02-29T23:00:00Z'); // 00:00 on 1 March in Brussels
    const base = {
      start,
      end: start + Q,
      jobId: 'mining',
      energySource: 'measured' as const,
      heatMet: 0,
      currency: 'EUR',
      price: 300_000_000,
      heatCredit: 0,
      revenueExpected: 0,
      revenueCredited: 0,
      trainingWork: 0,
      trainingValue: 0,
    };
    acct.book({ ...base, deviceId: 'cpu', energy: 10_000, heat: 10_000 });
    acct.book({ ...base, deviceId: 'cpu', energy: 5_000, heat: 5_000, energySource: 'estimated' });
    acct.book({
      ...base,
      deviceId: 'gpu:0',
      jobId: 'train-1',
      energy: 40_000,
      heat: 40_000,
      trainingWork: 1000,
      trainingValue: 12,
    });
    const rows = acct.slots(start, start + Q);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ deviceId: 'cpu', energy: 15_000, energySource: 'estimated', cost: 4_500_000 });
    // A slot partly estimated counts as estimated: the measured share is never overstated.
    const [day] = rollupDays(db, {
      from: '2024-03-01',
      to: '2024-03-01',
      timeZone: TZ,
      currency: 'EUR',
      charges: { currency: 'EUR', standingPerDay: 1, monthlyFee: 100 },
    });
    expect(day).toMatchObject({
      energy: 55_000,
      estimatedEnergy: 15_000,
      cost: 16_500_000,
      monthlyFee: 100,
      standing: 1,
      trainingValue: 12,
    });
    expect(day!.net).toBe(12 - 16_500_000 - 101);
    const byDevice = rollupBy(db, 'device', { from: start, to: start + Q, currency: 'EUR' });
    expect(byDevice.map((d) => [d.id, d.energy])).toEqual([
      ['gpu:0', 40_000],
      ['cpu', 15_000],
    ]);
    expect(rollupBy(db, 'job', { from: start, to: start + Q, currency: 'EUR' }).map((d) => d.id)).toEqual([
      'train-1',
      'mining',
    ]);
    // Other currencies are not mixed in.
    expect(rollupDays(db, { from: '2024-03-01', to: '2024-03-01', timeZone: TZ, currency: 'DKK' })[0]!.slots).toBe(0);
    expect(() => acct.book({ ...base, deviceId: 'cpu', energy: 1, heat: 1, heatMet: 2 })).toThrow(
      /exceeds heat delivered/,
    );
  });

  it('assigns slots to days correctly in a zone whose midnight is on the half hour (Adelaide, across its DST start)', () => {
    const db = openLedger(tmp(), accountingMigrations);
    const acct = createAccounting(db);
    const tz = 'Australia/Adelaide';
    const from = Date.parse('2023-09-29T00:00:00Z');
    const to = Date.parse('2023-10-03T00:00:00Z');
    const base = {
      deviceId: 'cpu',
      jobId: '',
      energySource: 'measured' as const,
      heat: 1000,
      heatMet: 0,
      currency: 'AUD',
      price: 1,
      heatCredit: 0,
      revenueExpected: 0,
      revenueCredited: 0,
      trainingWork: 0,
      trainingValue: 0,
    };
    for (let t = from; t < to; t += Q) acct.book({ ...base, start: t, end: t + Q, energy: 1000 });
    const days = rollupDays(db, { from: '2023-09-30', to: '2023-10-01', timeZone: tz, currency: 'AUD' });
    // Local midnights written out: 30 Sep starts 29 Sep 14:30Z (+9:30); 1 Oct (23 h, clocks go
    // forward at 02:00) starts 30 Sep 14:30Z and ends 1 Oct 13:30Z (+10:30).
    expect(days.map((d) => [d.day, new Date(d.start).toISOString(), d.hours, d.slots])).toEqual([
      ['2023-09-30', '2023-09-29T14:30:00.000Z', 24, 96],
      ['2023-10-01', '2023-09-30T14:30:00.000Z', 23, 92],
    ]);
    expect(days[1]!.energy).toBe(92 * 1000);
  });
});
