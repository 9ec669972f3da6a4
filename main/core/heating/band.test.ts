import { describe, expect, it } from 'vitest';
import { reachableBands } from './band.ts';

describe('comfort bands the room can meet', () => {
  const room = { uaWPerK: 200, capacityWhPerK: 10_000, indoorC: 21, sourceCapW: 10_000 };
  const slot = (minC: number, maxC: number) => ({ hours: 1, outdoorC: 5, comfort: { minC, maxC } });

  it('lets the upper bound fall only as fast as the unheated room cools', () => {
    const bands = reachableBands(room, [slot(21, 23), slot(17, 19), slot(17, 19)]);
    const a = Math.exp(-200 / 10_000);
    expect(bands[0]).toEqual({ minC: 21, maxC: 23 });
    expect(bands[1]!.maxC).toBeCloseTo(a * 23 + (1 - a) * 5, 12);
    expect(bands[2]!.maxC).toBeCloseTo(a * (a * 23 + (1 - a) * 5) + (1 - a) * 5, 12);
    expect(bands.map((b) => b.minC)).toEqual([21, 17, 17]);
  });

  it('starts from a room warmer than its band, and keeps bands the room can meet as they are', () => {
    const warm = reachableBands({ ...room, indoorC: 25 }, [slot(20, 22)]);
    expect(warm[0]!.maxC).toBeCloseTo(Math.exp(-0.02) * 25 + (1 - Math.exp(-0.02)) * 5, 12);
    expect(reachableBands(room, [slot(20, 22), slot(20, 22), slot(21, 24)])).toEqual([
      { minC: 20, maxC: 22 },
      { minC: 20, maxC: 22 },
      { minC: 21, maxC: 24 },
    ]);
  });

  it('raises the upper bound before a setpoint rise to what the source must pre-heat to, at full output', () => {
    // 17 °C (band to 19 °C) for three hours, then 21 °C, with a 1 kW source: one hour at full
    // output from T gives a·T + (1 − a)·5 + b·1000, so the room must end the hour before at
    // (21 − (1 − a)·5 − b·1000)/a, and the hour before that higher still.
    const small = { ...room, indoorC: 17, sourceCapW: 1000 };
    const bands = reachableBands(small, [slot(17, 19), slot(17, 19), slot(17, 19), slot(21, 23)]);
    const a = Math.exp(-200 / 10_000);
    const b = (1 - a) / 200;
    const before = (21 - (1 - a) * 5 - b * 1000) / a;
    const earlier = (before - (1 - a) * 5 - b * 1000) / a;
    expect(before).toBeGreaterThan(19);
    expect(bands[2]!.maxC).toBeCloseTo(before, 9);
    expect(bands[1]!.maxC).toBeCloseTo(earlier, 9);
    expect(bands.map((x) => x.minC)).toEqual([17, 17, 17, 21]);
    // With a source that warms the room to 21 °C within the hour, nothing is raised.
    expect(reachableBands({ ...small, sourceCapW: 100_000 }, [slot(17, 19), slot(21, 23)])[0]).toEqual({
      minC: 17,
      maxC: 19,
    });
  });
});
