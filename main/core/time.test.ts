import { describe, expect, it } from 'vitest';
import { dayKey, dayRange, dayStart } from './time.ts';

describe('local days', () => {
  it('has 23 and 25 hour days at the clock changes', () => {
    const spring = dayRange('2023-03-26', '2023-03-26', 'Europe/Brussels')[0]!;
    expect(new Date(spring.start).toISOString()).toBe('2023-03-25T23:00:00.000Z');
    expect(new Date(spring.end).toISOString()).toBe('2023-03-26T22:00:00.000Z');
    const autumn = dayRange('2023-10-29', '2023-10-29', 'Europe/Brussels')[0]!;
    expect((autumn.end - autumn.start) / 3_600_000).toBe(25);
    const ny = dayRange('2023-03-12', '2023-03-12', 'America/New_York')[0]!;
    expect((ny.end - ny.start) / 3_600_000).toBe(23);
  });

  it('finds the start of a day whose midnight does not exist', () => {
    // Santiago skipped 00:00–01:00 on 2023-09-03.
    const start = dayStart('2023-09-03', 'America/Santiago');
    expect(dayKey(start, 'America/Santiago')).toBe('2023-09-03');
    expect(dayKey(start - 1000, 'America/Santiago')).toBe('2023-09-02');
  });

  it('keys instants by the local date', () => {
    expect(dayKey(Date.parse('2023-03-25T23:30:00Z'), 'Europe/Brussels')).toBe('2023-03-26');
    expect(dayKey(Date.parse('2023-03-25T23:30:00Z'), 'UTC')).toBe('2023-03-25');
    expect(() => dayStart('26/03/2023', 'UTC')).toThrow(/not a day/);
    expect(() => dayStart('2023-02-30', 'UTC')).toThrow(/not a calendar day/);
  });
});
