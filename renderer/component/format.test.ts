import { afterEach, describe, expect, it } from 'vitest';
import {
  fmtKWh,
  fmtMoney,
  fmtPricePerKWh,
  fmtTemp,
  fromDisplayTemp,
  setDisplayUnits,
  tempUnit,
  toDisplayTemp,
} from './format.ts';

afterEach(() => setDisplayUnits({ temperature: 'C', energy: 'auto' }));

describe('format', () => {
  it('money from cached formats reads exactly as toLocaleString did, tiny amounts keep their digits', () => {
    for (const [amount, currency] of [
      [7.2, 'EUR'],
      [-6.959995968, 'EUR'],
      [0.000004032, 'EUR'],
      [90000, 'USD'],
      [0.0042, 'DKK'],
      [1234.5, 'GBP'],
    ] as const) {
      const abs = Math.abs(amount);
      const digits = abs < 0.01 ? Math.min(10, 1 - Math.floor(Math.log10(abs)) + 1) : 2;
      expect(fmtMoney(amount, currency)).toBe(
        amount.toLocaleString(undefined, {
          style: 'currency',
          currency,
          minimumFractionDigits: digits,
          maximumFractionDigits: digits,
        }),
      );
    }
    expect(fmtMoney(0.000004032, 'EUR')).toMatch(/0\.0000040/);
    expect(fmtMoney(null)).toBe('not reported');
    expect(fmtPricePerKWh(0.2834, 'EUR')).toMatch(/0\.2834.*\/kWh$/);
  });

  it('temperatures follow the chosen unit; values typed in °F go back to °C', () => {
    expect(fmtTemp(21.5)).toBe('21.5 °C');
    setDisplayUnits({ temperature: 'F', energy: 'auto' });
    expect(tempUnit()).toBe('°F');
    expect(fmtTemp(21.5)).toBe('70.7 °F');
    expect(fmtTemp(-40)).toBe('-40.0 °F');
    expect(fmtTemp(null)).toBe('not reported');
    expect(toDisplayTemp(20)).toBe(68);
    expect(fromDisplayTemp(68)).toBe(20);
    expect(fromDisplayTemp(toDisplayTemp(20.5))).toBe(20.5);
  });

  it('energy: Wh below 1 kWh by default, always kWh when chosen (never "0.000 kWh" for a small figure)', () => {
    expect(fmtKWh(0.25)).toBe('250.0 Wh');
    setDisplayUnits({ temperature: 'C', energy: 'kWh' });
    expect(fmtKWh(0.25)).toBe('0.250 kWh');
    expect(fmtKWh(0.0004)).toBe('0.000400 kWh');
    expect(fmtKWh(24)).toBe('24.000 kWh');
  });
});
