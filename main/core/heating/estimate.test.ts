import { describe, expect, it } from 'vitest';
import { estimateRoom, type RoomSample } from './estimate.ts';

/**
 * A room simulated forward in small steps (C dT/dt = P − UA (T − T_out)) with a PC switching
 * between idle and full load and a daily outdoor swing; readings every 15 minutes, rounded to
 * 0.1 °C like a real sensor.
 */
function simulate(ua: number, c: number, hours: number): RoomSample[] {
  const out: RoomSample[] = [];
  let t = 18;
  const stepH = 1 / 60;
  for (let i = 0; i <= hours * 60; i++) {
    const h = i * stepH;
    const outdoor = 4 + 5 * Math.sin((2 * Math.PI * h) / 24);
    const p = Math.floor(h / 3) % 2 === 0 ? 650 : 120;
    if (i % 15 === 0) out.push({ at: h * 3_600_000, indoorC: Math.round(t * 10) / 10, outdoorC: outdoor, heatW: p });
    t += ((p - ua * (t - outdoor)) / c) * stepH;
  }
  return out;
}

describe('room heat-loss estimate', () => {
  it('recovers UA and C from simulated logs', () => {
    const e = estimateRoom(simulate(40, 800, 72));
    expect(e.reason).toBeNull();
    expect(e.heatLossWPerK).toBeGreaterThan(40 * 0.9);
    expect(e.heatLossWPerK).toBeLessThan(40 * 1.1);
    expect(e.capacityWhPerK).toBeGreaterThan(800 * 0.8);
    expect(e.capacityWhPerK).toBeLessThan(800 * 1.2);
    expect(e.samples).toBe(72 * 4 + 1 - 4); // every reading that has one an hour later
  });

  it('says why when there is too little data or no spread', () => {
    expect(estimateRoom(simulate(40, 800, 3)).reason).toBe("9 hour-long spans of readings with the PC's power logged; at least 24 are needed");
    const flat = Array.from({ length: 40 }, (_, i) => ({ at: i * 900_000, indoorC: 20, outdoorC: 20, heatW: 100 }));
    expect(estimateRoom(flat).reason).toContain('barely changed');
  });
});
