import type { PlanInput } from './model.ts';

/**
 * The benchmark instance: 48 h at 15-minute slots (192), 3 devices with 3 power levels, 5 jobs
 * (mining plus four deadline jobs), a power cap and quiet hours. Prices follow a daily curve
 * with a deterministic wobble so every run plans the same problem.
 */
export function benchInstance(start = Date.UTC(2026, 0, 5, 0, 0)): PlanInput {
  const slots = Array.from({ length: 192 }, (_, t) => {
    const hour = (t / 4) % 24;
    const price = 0.12 + 0.08 * Math.sin(((hour - 7) / 24) * 2 * Math.PI) + 0.01 * Math.sin(t * 1.7);
    return {
      start: start + t * 900_000,
      hours: 0.25,
      price: Math.round(price * 1e5) / 1e5,
      heatDemandW: hour >= 6 && hour < 22 ? 600 + 200 * Math.cos((hour / 24) * 2 * Math.PI) : 300,
      heatCreditPerKWh: 0.11,
      quiet: hour >= 23 || hour < 6,
    };
  });
  const devices = [
    { id: 'cpu', levels: [{ powerW: 60, rates: { mine: 1, train: 0.2 } }, { powerW: 120, rates: { mine: 1.8, train: 0.35 } }], minRunSlots: 2, minPauseSlots: 1 },
    { id: 'gpu0', levels: [{ powerW: 150, rates: { mine: 2, train: 1 } }, { powerW: 250, rates: { mine: 3, train: 1.5 } }, { powerW: 350, rates: { mine: 3.6, train: 1.8 } }], minRunSlots: 4, minPauseSlots: 2, maxTempC: 83 },
    { id: 'gpu1', levels: [{ powerW: 200, rates: { mine: 2.5, train: 1.2 } }, { powerW: 320, rates: { mine: 3.5, train: 1.7 }, tempC: 90 }], minRunSlots: 4, minPauseSlots: 2, maxTempC: 85 },
  ];
  const d = (h: number) => start + h * 3_600_000;
  const jobs: PlanInput['jobs'] = [
    { id: 'mining', kind: 'mine', valuePerWork: 0.004 },
    { id: 'train-a', kind: 'train', valuePerWork: 0.01, workNeeded: 6, deadline: d(7) },
    { id: 'train-b', kind: 'train', valuePerWork: 0.01, workNeeded: 10, deadline: d(31), devices: ['gpu0', 'gpu1'] },
    { id: 'train-c', kind: 'train', valuePerWork: 0.02, workNeeded: 4, deadline: d(20), devices: ['gpu1'] },
    { id: 'train-d', kind: 'train', valuePerWork: 0.005, workNeeded: 3, deadline: d(44), devices: ['cpu'] },
  ];
  return { slots, devices, jobs, limits: { powerCapW: 600, quietCapW: 250 } };
}
