import { describe, expect, it } from 'vitest';
import { localDay, localParts, localToUtc } from '#core/time';
import { timeOfUseAdapter } from './time-of-use.ts';

const TZ = 'Europe/Brussels';

describe('time-of-use across clock changes', () => {
  const config = {
    kind: 'time-of-use' as const,
    currency: 'EUR',
    defaultPrice: 0.3,
    zones: [
      { from: '22:00', to: '06:00', price: 0.2 },
      { from: '17:30', to: '19:00', price: 0.45 },
    ],
  };

  it('has 23 slots on the spring day and 25 on the autumn day, priced by local time', () => {
    for (const [date, n] of [
      ['2024-03-31', 23 * 2],
      ['2024-10-27', 25 * 2],
    ] as const) {
      const day = localDay(Date.parse(`${date}T12:00:00Z`), TZ);
      const slots = timeOfUseAdapter.slots(config, day.start, day.end, TZ);
      expect(slots).toHaveLength(n); // 30-minute slots: the 17:30 boundary needs them
      for (const s of slots) {
        const p = localParts(s.start, TZ);
        const m = p.hour * 60 + p.minute;
        const want = m >= 22 * 60 || m < 6 * 60 ? 0.2 : m >= 17 * 60 + 30 && m < 19 * 60 ? 0.45 : 0.3;
        expect(s.price).toBe(want);
      }
    }
  });

  it('maps local times to instants through the gap and the overlap', () => {
    expect(new Date(localToUtc(2024, 3, 31, 1, 30, TZ)).toISOString()).toBe('2024-03-31T00:30:00.000Z');
    expect(new Date(localToUtc(2024, 3, 31, 3, 0, TZ)).toISOString()).toBe('2024-03-31T01:00:00.000Z');
    // 02:30 does not exist that night: the later side is taken.
    expect(new Date(localToUtc(2024, 3, 31, 2, 30, TZ)).toISOString()).toBe('2024-03-31T01:30:00.000Z');
    // 02:30 happens twice in October: the earlier instant.
    expect(new Date(localToUtc(2024, 10, 27, 2, 30, TZ)).toISOString()).toBe('2024-10-27T00:30:00.000Z');
  });
});
