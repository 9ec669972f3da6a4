import { describe, expect, it } from 'vitest';
import { bucketNoun, currentName, dayCount, periodLabel, previousName } from './figures.ts';

describe('History period words', () => {
  it('names each kind of period by its calendar days, whatever the time zone the page runs in', () => {
    expect(periodLabel('day', '2026-12-07', '2026-12-07', 'en-GB')).toBe('Mon, 7 Dec 2026');
    expect(periodLabel('week', '2026-11-30', '2026-12-06', 'en-GB')).toBe('30 Nov – 6 Dec 2026');
    expect(periodLabel('week', '2026-12-28', '2027-01-03', 'en-GB')).toBe('28 Dec 2026 – 3 Jan 2027');
    expect(periodLabel('month', '2026-02-01', '2026-02-28', 'en-GB')).toBe('February 2026');
    expect(periodLabel('year', '2026-01-01', '2026-12-31', 'en-GB')).toBe('2026');
  });

  it('says what a figure is compared with, and that a running period is compared to the same time', () => {
    expect(previousName('week', true, true)).toBe('last week to the same time');
    expect(previousName('day', true, false)).toBe('yesterday');
    expect(previousName('month', false, false)).toBe('the month before');
    expect(currentName('year')).toBe('This year');
    expect(currentName('day')).toBe('Today');
    expect(bucketNoun('day')).toBe('hour');
    expect(bucketNoun('year')).toBe('month');
    // Calendar days, not 24-hour spans: March holds 31 however its clocks change.
    expect(dayCount('2026-03-01', '2026-03-31')).toBe(31);
    expect(dayCount('2026-12-07', '2026-12-07')).toBe(1);
  });
});
