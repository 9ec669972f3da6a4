/**
 * Exhaustive reference for tiny planning problems, written apart from the planner: every
 * assignment of (off | level × job) per device and slot is tried and scored by checkPlan. With a
 * thermal model the heat source delivers, each slot, just the heat that brings the room to the
 * band's lower edge: the cheapest source schedule when its price per kWh is the same in every slot
 * and its capacity never binds (heat given earlier leaks away before it is needed), which is how
 * the tests that use this build their problems.
 */
import type { JobId } from '#contract/id';
import type { Plan, PlanInput } from '#contract/plan';
import { atLeastAsGood, checkPlan, type Checked } from './plan-check.ts';

type Choice = { level: number; job: JobId } | null;

export function bruteForce(input: PlanInput): Checked | null {
  const T = input.slots.length;
  const perDevice: Choice[][] = input.devices.map((dev) => {
    const out: Choice[] = [null];
    dev.levels.forEach((lv, level) => {
      if (dev.maxTempC !== undefined && lv.tempC !== undefined && lv.tempC > dev.maxTempC) return;
      for (const job of input.jobs)
        if ((!job.devices || job.devices.includes(dev.id)) && (lv.rates[job.kind] ?? 0) > 0)
          out.push({ level, job: job.id });
    });
    return out;
  });
  const cells = T * input.devices.length;
  const idx = new Array<number>(cells).fill(0);
  let best: Checked | null = null;
  for (;;) {
    const plan = toPlan(input, (t, d) => perDevice[d]![idx[t * input.devices.length + d]!]!);
    const c = checkPlan(input, plan);
    if (c.violations.length === 0 && (!best || !atLeastAsGood(best, c, 0))) best = c;
    let k = 0;
    while (k < cells) {
      const d = k % input.devices.length;
      if (idx[k]! + 1 < perDevice[d]!.length) {
        idx[k]!++;
        break;
      }
      idx[k] = 0;
      k++;
    }
    if (k === cells) return best;
  }
}

function toPlan(input: PlanInput, pick: (t: number, d: number) => Choice): Pick<Plan, 'slots'> {
  let temp = input.thermal?.indoorC ?? 0;
  return {
    slots: input.slots.map((slot, t) => {
      // Heat into the room: only devices inside the heated space (heats not false) warm it.
      let watts = 0;
      const decisions = input.devices.map((dev, d) => {
        const c = pick(t, d);
        if (!c) return { device: dev.id, job: null, level: -1, powerW: 0, work: 0 };
        const lv = dev.levels[c.level]!;
        if (dev.heats !== false) watts += lv.powerW;
        return { device: dev.id, job: c.job, level: c.level, powerW: lv.powerW, work: 0 };
      });
      let sourceHeatKWh = 0;
      const th = input.thermal;
      if (th) {
        const decay = Math.exp((-slot.hours * th.uaWPerK) / th.capacityWhPerK);
        const free =
          (slot.outdoorC ?? 0) + watts / th.uaWPerK + (temp - (slot.outdoorC ?? 0) - watts / th.uaWPerK) * decay;
        const min = slot.comfort?.minC ?? -Infinity;
        // Each watt from the source lifts the end temperature by (1 − decay)/UA.
        const q = free >= min ? 0 : Math.min(th.sourceCapW, ((min - free) * th.uaWPerK) / (1 - decay));
        temp = free + (q * (1 - decay)) / th.uaWPerK;
        sourceHeatKWh = (q * slot.hours) / 1000;
      }
      return {
        start: slot.start,
        price: slot.price,
        decisions,
        energyKWh: 0,
        heatKWh: 0,
        usefulHeatKWh: 0,
        heatCredit: 0,
        cost: 0,
        revenue: 0,
        sourceHeatKWh,
        sourceCost: 0,
        net: 0,
        reason: '',
      };
    }),
  };
}
