import { describe, expect, it } from 'vitest';
import { energyCost, mulDiv, nanosText, parseNanos, sumNanos, toNanos, wattMsToMilliWh } from './money.ts';

describe('money', () => {
  it('parses decimals exactly and rounds half to even at the ninth decimal', () => {
    expect(toNanos(0.1)).toBe(100_000_000);
    expect(toNanos('0.30')).toBe(300_000_000);
    expect(toNanos(-0.00439)).toBe(-4_390_000);
    expect(toNanos('0.0000000025')).toBe(2);
    expect(toNanos('0.0000000035')).toBe(4);
    expect(toNanos('0.00000000251')).toBe(3);
    expect(toNanos(1e-9)).toBe(1);
    expect(() => toNanos('1,5')).toThrow(/not a decimal amount/);
    expect(() => toNanos(Number.NaN)).toThrow(/finite/);
  });

  it('writes and reads amounts back without loss', () => {
    for (const n of [0, 1, -1, 3, 100_000_000, -4_390_000, 123_456_789_012, 9_000_000_000_000_000]) {
      expect(parseNanos(nanosText(n))).toBe(n);
    }
    expect(nanosText(-4_390_000)).toBe('-0.00439');
    expect(nanosText(1_500_000_000)).toBe('1.5');
  });

  it('sums never drift where floats do', () => {
    const tenth = toNanos(0.1);
    expect(sumNanos(Array.from({ length: 10 }, () => tenth))).toBe(1_000_000_000);
    expect(Array.from({ length: 10 }, () => 0.1).reduce((a, b) => a + b, 0)).not.toBe(1);
  });

  it('costs energy at a price exactly', () => {
    // 250 Wh at 0.30 /kWh = 0.075
    expect(energyCost(250_000, toNanos('0.30'))).toBe(75_000_000);
    // Negative prices pay the user.
    expect(energyCost(1_000_000, toNanos(-0.00439))).toBe(-4_390_000);
    expect(mulDiv(5n, 1n, 2n)).toBe(2n);
    expect(mulDiv(7n, 1n, 2n)).toBe(4n);
    expect(mulDiv(-7n, 1n, 2n)).toBe(-4n);
    expect(wattMsToMilliWh(200, 15 * 60_000)).toBe(50_000);
  });
});
