/**
 * The planner's tiny test problems, shared by plan.test.ts and reference-96.test.ts: seeded, small
 * enough for plan-brute.ts to try every plan.
 */
import { deviceId, jobId } from '#contract/id';
import type { PlanInput, PlanJob } from '#contract/plan';
import { mulberry32 } from '#workers/train/model';

export const T0 = Date.UTC(2026, 0, 5);

/**
 * Tiny problems of every shape the model has (1–2 devices, 3–4 slots, caps, quiet hours, hot
 * levels, min run/pause, mining and deadline jobs — continuous, run past the deadline, feasible
 * or not — half of them with a thermal model whose source costs the same in every slot, and about
 * a third with one device outside the heated space, `heats: false`), small enough to try every plan.
 */
export function tiny(seed: number): PlanInput {
  const r = mulberry32(seed);
  const int = (a: number, b: number) => a + Math.floor(r() * (b - a + 1));
  const T = int(3, 4);
  const D = T === 4 ? 1 : int(1, 2);
  // Which device (if any) stands outside the heated space, drawn from a stream of its own so that
  // every other draw is what it was before `heats` existed (planner.md names seeds by their shape).
  const h = mulberry32(Math.imul(seed, 0x9e3779b1) ^ 0x5eed);
  const outside = h() < 0.35 ? Math.floor(h() * D) : -1;
  const devices = Array.from({ length: D }, (_, d) => ({
    id: deviceId(`dev${d}`),
    levels: Array.from({ length: int(1, 2) }, (_, l) => ({
      powerW: 100 * (l + 1) + int(0, 50),
      rates: { mine: 1 + l, train: 0.5 + l * 0.4 },
      ...(r() < 0.2 ? { tempC: 90 } : {}),
    })),
    minRunSlots: int(1, 3),
    minPauseSlots: int(1, 2),
    ...(r() < 0.3 ? { maxTempC: 85 } : {}),
    ...(d === outside ? { heats: false } : {}),
  }));
  const jobs: PlanJob[] = [{ id: jobId('mining'), kind: 'mine', valuePerWork: r() * 0.02 }];
  if (D === 1 || r() < 0.5) {
    jobs.push({
      id: jobId('train'),
      kind: 'train',
      valuePerWork: r() * 0.05,
      workNeeded: 0.5 + r() * 2.5,
      deadline: T0 + int(1, T) * 900_000,
      ...(r() < 0.4 ? { mode: 'continuous' as const } : {}),
      ...(r() < 0.4 ? { runPastDeadline: true } : {}),
      ...(D > 1 && r() < 0.5 ? { devices: [deviceId('dev1')] } : {}),
    });
  }
  // Only the mining job has more than two options per device, so the search stays small.
  if (D === 1) jobs[0] = { ...jobs[0]!, devices: [deviceId(r() < 0.5 ? 'dev0' : 'none')] };
  const thermal = r() < 0.5;
  const slots = Array.from({ length: T }, (_, t) => ({
    start: T0 + t * 900_000,
    hours: 0.25,
    price: Math.round((0.05 + r() * 0.4) * 1e4) / 1e4 - (r() < 0.1 ? 0.3 : 0),
    heatDemandW: r() < 0.3 ? 0 : int(50, 400),
    heatCreditPerKWh: thermal ? 0.12 : r() * 0.2,
    quiet: r() < 0.3,
    ...(thermal ? { outdoorC: int(-5, 12), comfort: { minC: 19 + int(0, 2), maxC: 22 + int(0, 2) } } : {}),
  }));
  return {
    slots,
    devices,
    jobs,
    limits: { ...(r() < 0.3 ? { powerCapW: 250 } : {}), ...(r() < 0.5 ? { quietCapW: int(0, 1) * 150 } : {}) },
    ...(thermal
      ? {
          thermal: {
            uaWPerK: int(50, 250),
            capacityWhPerK: int(300, 3000),
            indoorC: 19 + r() * 2,
            sourceCapW: 100_000,
          },
        }
      : {}),
  };
}
