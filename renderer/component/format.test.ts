import { afterEach, describe, expect, it } from 'vitest';
import {
  energyUnitFor,
  fmtChange,
  fmtClock,
  fmtEnergy,
  fmtKWh,
  fmtTicks,
  fmtMoney,
  fmtPricePerKWh,
  fmtSlot,
  fmtTemp,
  fmtTime,
  fromDisplayTemp,
  setDisplayUnits,
  tempUnit,
  toDisplayTemp,
  toDisplayTempText,
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

  it('one energy unit for a whole view, from its largest figure: never "0.00299 kWh" beside "2.99 Wh"', () => {
    const small = energyUnitFor([0.00299, 0.25, null]);
    expect(small.unit).toBe('Wh');
    expect([0.00299, 0.25].map((v) => fmtEnergy(v, small))).toEqual(['3.0 Wh', '250.0 Wh']);
    const tiny = energyUnitFor([0.00299, 0.004]);
    expect(fmtEnergy(0.00299, tiny)).toBe('2.99 Wh');
    const big = energyUnitFor([0.00299, 24]);
    expect([0.00299, 24].map((v) => fmtEnergy(v, big))).toEqual(['0.003 kWh', '24.000 kWh']);
    expect(energyUnitFor([]).unit).toBe('Wh');
    expect(fmtEnergy(null, big)).toBe('not reported');
    setDisplayUnits({ temperature: 'C', energy: 'kWh' });
    expect(energyUnitFor([0.25]).unit).toBe('kWh');
    expect(fmtEnergy(0.0004, energyUnitFor([0.0004]))).toBe('0.000400 kWh');
  });

  it('axis ticks carry the decimals their step needs and never an exponent', () => {
    expect(fmtTicks([0, 0.05, 0.1, 0.15])).toEqual(['0.00', '0.05', '0.10', '0.15']);
    expect(fmtTicks([0, 500, 1000])).toEqual(['0', '500', '1,000']);
    expect(fmtTicks([0.22, 0.24, 0.26])).toEqual(['0.22', '0.24', '0.26']);
    expect(fmtTicks([0, 1e-9]).join(' ')).not.toMatch(/e-/);
  });

  it('a change against the period before, in per cent, and nothing to say against zero', () => {
    expect(fmtChange(112, 100)).toBe('+12 %');
    expect(fmtChange(97, 100)).toBe('−3.0 %');
    // A net loss that grows is a fall, whatever the signs.
    expect(fmtChange(-7.6, -7.2)).toBe('−5.6 %');
    expect(fmtChange(100, 100)).toBe('±0 %');
    expect(fmtChange(5, 0)).toBeNull();
  });

  it('one clock style: times in sentences and slot names read alike (chart ticks use the same fmtClock), in the locale and zone given', () => {
    // Tue 5 Dec 2023 14:05:30 UTC.
    const at = Date.UTC(2023, 11, 5, 14, 5, 30);
    const locale = (opts: Intl.DateTimeFormatOptions) =>
      new Date(at).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', ...opts });
    expect(fmtTime(at)).toBe(locale({}));
    expect(fmtTime(new Date(at).toISOString())).toBe(fmtTime(at));
    expect(fmtClock(at, { timeZone: 'UTC' })).toBe(locale({ timeZone: 'UTC' }));
    expect(fmtClock(at, { timeZone: 'Europe/Brussels' })).toBe(locale({ timeZone: 'Europe/Brussels' }));
    expect(fmtClock(at, { timeZone: 'UTC', seconds: true })).toBe(locale({ timeZone: 'UTC', second: '2-digit' }));
    // The slot's name ends in exactly the time fmtClock gives (never a 24-hour time beside a 12-hour one).
    expect(fmtSlot(at, 'UTC')).toMatch(new RegExp(`^\\S+ ${fmtClock(at, { timeZone: 'UTC' })}$`));
    expect(
      fmtSlot(at, 'UTC').startsWith(new Date(at).toLocaleDateString(undefined, { weekday: 'short', timeZone: 'UTC' })),
    ).toBe(true);
  });
});

describe('toDisplayTempText', () => {
  it('leaves a message alone while the page shows °C', () => {
    expect(toDisplayTempText('The setpoint must be between 5 and 30 °C')).toBe(
      'The setpoint must be between 5 and 30 °C',
    );
  });

  it('gives a refused range in °F, both bounds, when the page shows °F', () => {
    setDisplayUnits({ temperature: 'F', energy: 'auto' });
    expect(toDisplayTempText('The setpoint must be between 5 and 30 °C')).toBe(
      'The setpoint must be between 41 and 86 °F',
    );
    expect(toDisplayTempText('The outdoor temperature must be between -40 and 40 °C')).toBe(
      'The outdoor temperature must be between -40 and 104 °F',
    );
    expect(toDisplayTempText('the comfort band 22–18.5 °C is upside down')).toBe(
      'the comfort band 71.6–65.3 °F is upside down',
    );
    expect(toDisplayTempText('a room setpoint is at most 30 °C')).toBe('a room setpoint is at most 86 °F');
    // Kelvin differences and other units are not temperatures to convert.
    expect(toDisplayTempText('The hysteresis must be at most 5 K; the cap 30 W')).toBe(
      'The hysteresis must be at most 5 K; the cap 30 W',
    );
  });
});
