import { describe, expect, it } from 'vitest';
import { estimateRoom, simulationRmseC, type RoomSample } from './estimate.ts';

/**
 * A room simulated forward in small steps (C dT/dt = P − UA (T − T_out)) with a PC switching
 * between idle and full load and a daily outdoor swing; readings every 15 minutes, rounded to
 * 0.1 °C like a real sensor.
 */
function simulate(
  ua: number,
  c: number,
  hours: number,
  noise: (t: number) => number = (t) => Math.round(t * 10) / 10,
): RoomSample[] {
  const out: RoomSample[] = [];
  let t = 18;
  const stepH = 1 / 60;
  for (let i = 0; i <= hours * 60; i++) {
    const h = i * stepH;
    const outdoor = 4 + 5 * Math.sin((2 * Math.PI * h) / 24);
    const p = Math.floor(h / 3) % 2 === 0 ? 650 : 120;
    if (i % 15 === 0) out.push({ at: h * 3_600_000, indoorC: noise(t), outdoorC: outdoor, heatW: p });
    t += ((p - ua * (t - outdoor)) / c) * stepH;
  }
  return out;
}

/** Normal deviates from a fixed seed (mulberry32 and Box–Muller), so the test is the same every run. */
function gaussian(seed: number): () => number {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

describe('room heat-loss estimate', () => {
  it("recovers a house's UA and C through sensor noise, and its error in °C is the noise", () => {
    // A 120 m² house (UA 200 W/K, C 10,000 Wh/K: a time constant of 50 h) over two weeks, heated
    // by a 650 W PC against a 5 K outdoor swing: the readings carry 0.1 °C of Gaussian noise.
    const normal = gaussian(42);
    const sigma = 0.1;
    const e = estimateRoom(simulate(200, 10_000, 14 * 24, (t) => t + sigma * normal()));
    expect(e.reason).toBeNull();
    expect(e.heatLossWPerK! / 200).toBeGreaterThan(0.97);
    expect(e.heatLossWPerK! / 200).toBeLessThan(1.03);
    expect(e.capacityWhPerK! / 10_000).toBeGreaterThan(0.97);
    expect(e.capacityWhPerK! / 10_000).toBeLessThan(1.03);
    expect(e.rmseC).toBeGreaterThan(sigma * 0.9);
    expect(e.rmseC).toBeLessThan(sigma * 1.15);
  });

  it('a model far from the room shows in its error', () => {
    const data = simulate(40, 800, 72);
    const stretches = [data];
    expect(simulationRmseC(stretches, 40, 800)).toBeLessThan(0.05);
    expect(simulationRmseC(stretches, 80, 800)).toBeGreaterThan(0.5);
  });

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
    expect(estimateRoom(simulate(40, 800, 3)).reason).toBe(
      "9 hour-long spans of readings with the PC's power logged; at least 24 are needed",
    );
    const flat = Array.from({ length: 40 }, (_, i) => ({ at: i * 900_000, indoorC: 20, outdoorC: 20, heatW: 100 }));
    expect(estimateRoom(flat).reason).toContain('barely changed');
  });
});
