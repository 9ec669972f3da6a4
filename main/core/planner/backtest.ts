import type { BacktestPolicyResult, BacktestTotals } from '#contract/backtest';
import { deviceId, jobId } from '#contract/id';
import type { Plan, PlanInput, PlanSlot } from '#contract/plan';
import { localDay, localParts } from '#core/time';
import { reachableBands } from '#core/heating/band';
import { at } from '#workers/planner/at';
import { holdingSource, sourceStep } from '#workers/planner/evaluate';
import { plan, type PlanOptions } from '#workers/planner/plan';

/**
 * One slot of a backtest, everything the policies and the accounting need. Built by
 * main/core/backtest/setup.ts from prices, charges, weather and the heating settings.
 */
export type BacktestSlot = {
  start: number;
  hours: number;
  /** What the household pays per kWh, charges and tax included. */
  price: number;
  /** Outdoor temperature at the slot's middle, °C. */
  outdoorC: number;
  /** The band the indoor temperature should end the slot in (thermal model); null: none. */
  comfort: { minC: number; maxC: number } | null;
  /** What a kWh of the heat source's heat costs (fuel ÷ efficiency, electricity ÷ COP …). */
  heatCostPerKWh: number;
  /** kWh of electricity per kWh of the heat source's heat: 1/COP, 1 for resistive, 0 for fuels. */
  heatElectricityPerKWh: number;
  /** Demand model: the heat the house needs, W (mean over the slot). */
  demandW: number;
};

/** The house as one thermal node (see ThermalModel); `indoorC` at the first slot's start. */
export type BacktestHouse = { uaWPerK: number; capacityWhPerK: number; sourceCapW: number; indoorC: number };

/** plan() or its worker thread: the server passes plannerThread.plan so its event loop stays free. */
export type PlannerFn = (input: PlanInput, opts: PlanOptions) => Promise<Plan>;

export type BacktestSetup = {
  slots: BacktestSlot[];
  /** Days, months and the publication hour are read in this IANA zone. */
  timeZone: string;
  /** One computer, one power level, mining at `revenuePerHour` while it runs. */
  computer: { powerW: number; revenuePerHour: number };
  /** The thermal model's house; null: the demand model. */
  house: BacktestHouse | null;
  /** Local hour at which the next day's prices are known (EPEX day-ahead: about 12:45 CET); the planner plans then. */
  pricesKnownAtHour: number;
  /** HiGHS's time limit per plan, ms. */
  timeLimitMs: number;
  /** Defaults to plan() on this thread. */
  planner?: PlannerFn;
};

export type Policy = 'planner' | 'thermostat' | 'always' | 'threshold' | 'none' | { threshold: number };

/** Called as a policy advances (planner: per plan; threshold: per candidate batch; others once); awaited, so a caller may yield there. */
export type Progress = (done: number, total: number) => void | Promise<void>;

export const policyName = (p: Policy): string => (typeof p === 'string' ? p : `threshold:${p.threshold}`);

/**
 * Replays the period with one policy and sums what the household pays and earns. Every policy is
 * accounted by the same simulation of the house (`account`), from the computer's power and the
 * heat source's output per slot that the policy chose.
 */
export async function backtest(
  setup: BacktestSetup,
  policy: Policy,
  progress?: Progress,
): Promise<BacktestPolicyResult> {
  const t0 = performance.now();
  const { slots, computer } = setup;
  if (policy === 'planner') {
    const r = await replayPlanner(setup, progress);
    return {
      ...summarise(setup, 'planner', account(setup, r.computeW, r.sourceW)),
      statuses: r.statuses,
      plans: r.plans,
      elapsedMs: performance.now() - t0,
    };
  }
  if (policy === 'threshold') {
    const threshold = await bestThreshold(setup, progress);
    const run = runRule(setup, (t) => (at(slots, t).price <= threshold ? computer.powerW : 0));
    return {
      ...summarise(setup, 'threshold', account(setup, run.computeW, run.sourceW)),
      threshold,
      elapsedMs: performance.now() - t0,
    };
  }
  let run: { computeW: number[]; sourceW: number[] };
  if (policy === 'none') run = runRule(setup, () => 0);
  else if (policy === 'always') run = runRule(setup, () => computer.powerW);
  else if (policy === 'thermostat') run = runRule(setup, (_t, calls) => (calls ? computer.powerW : 0), computer.powerW);
  else run = runRule(setup, (t) => (at(slots, t).price <= policy.threshold ? computer.powerW : 0));
  await progress?.(1, 1);
  const result = summarise(setup, policyName(policy), account(setup, run.computeW, run.sourceW));
  return {
    ...result,
    ...(typeof policy === 'object' ? { threshold: policy.threshold } : {}),
    elapsedMs: performance.now() - t0,
  };
}

/**
 * Every policy asked for, in order, each with `savingVsNone` (its net less the `none` policy's,
 * which is worked out for that even when not asked for: it is one cheap pass).
 */
export async function backtestPolicies(
  setup: BacktestSetup,
  policies: Policy[],
  progress?: (step: number, done: number, total: number) => void | Promise<void>,
): Promise<BacktestPolicyResult[]> {
  validateSetup(setup);
  const results: BacktestPolicyResult[] = [];
  for (const [step, p] of policies.entries())
    results.push(await backtest(setup, p, (done, total) => progress?.(step, done, total)));
  const none = results.find((r) => r.policy === 'none') ?? (await backtest(setup, 'none'));
  for (const r of results) {
    if (r.policy === 'none') continue;
    r.total.savingVsNone = r.total.net - none.total.net;
    r.months.forEach((m, i) => (m.totals.savingVsNone = m.totals.net - (none.months[i]?.totals.net ?? 0)));
  }
  return results;
}

/** Says which figure is wrong and why; `field` names it for the caller (a CLI flag, a form field). */
export class BacktestInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'BacktestInputError';
  }
}

/** Bad setups fail before any policy runs, naming the figure. */
export function validateSetup(setup: BacktestSetup): void {
  if (setup.slots.length === 0) throw new BacktestInputError('prices', 'there are no price slots in the period');
  if (!(setup.computer.powerW > 0))
    throw new BacktestInputError(
      'powerW',
      `the computer's power is ${setup.computer.powerW} W; give its power while running, above 0 W`,
    );
  const h = setup.house;
  if (h) {
    if (!(h.uaWPerK > 0))
      throw new BacktestInputError(
        'uaWPerK',
        `UA (the house's heat-loss coefficient) is ${h.uaWPerK} W/K: a house loses heat; give a value above 0 (a typical 120 m² house: about 200 W/K)`,
      );
    if (!(h.capacityWhPerK > 0))
      throw new BacktestInputError(
        'capacityWhPerK',
        `the house's heat capacity is ${h.capacityWhPerK} Wh/K; give a value above 0 (a typical 120 m² house: about 10,000 Wh/K)`,
      );
    if (!(h.sourceCapW >= 0))
      throw new BacktestInputError(
        'sourceCapW',
        `the heat source's capacity is ${h.sourceCapW} W; give its most output, 0 W or more`,
      );
    if (!Number.isFinite(h.indoorC))
      throw new BacktestInputError('indoorC', 'the starting indoor temperature is missing');
  }
  for (const s of setup.slots) {
    const when = new Date(s.start).toISOString();
    if (!Number.isFinite(s.price)) throw new BacktestInputError('prices', `the slot at ${when} has no price`);
    if (h && !Number.isFinite(s.outdoorC))
      throw new BacktestInputError('weather', `the slot at ${when} has no outdoor temperature`);
    if (s.comfort && !(s.comfort.minC <= s.comfort.maxC)) {
      throw new BacktestInputError(
        'comfort',
        `the comfort band at ${when} is upside down (${s.comfort.minC} °C to ${s.comfort.maxC} °C): give the lower bound first`,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The planner, re-planned as prices are published

/**
 * The planner as the app runs it: at the first slot, then each day at `pricesKnownAtHour` local
 * time, it plans every slot whose price is known by then (to the end of today, or of tomorrow once
 * tomorrow's prices are out) from the indoor temperature the kept plan left, and keeps its
 * decisions until the next plan. The house is simulated between plans with the kept compute power
 * and heat-source output, so the next plan starts where this one left the room.
 */
async function replayPlanner(setup: BacktestSetup, progress?: Progress) {
  const { slots, house } = setup;
  const planner = setup.planner ?? plan;
  const windows = planWindows(setup);
  const computeW: number[] = [];
  const sourceW: number[] = [];
  const statuses = { optimal: 0, feasible: 0, heuristic: 0 };
  let indoorC = house?.indoorC ?? 0;
  for (const [n, w] of windows.entries()) {
    const input = planInput(setup, slots.slice(w.from, w.to), indoorC, true);
    const p = await planner(input, { now: at(slots, w.from).start, timeLimitMs: setup.timeLimitMs });
    statuses[p.status.kind]++;
    for (let t = w.from; t < w.keep; t++) {
      const s = at(p.slots, t - w.from);
      const pc = s.decisions.reduce((a, d) => a + d.powerW, 0);
      computeW.push(pc);
      // The demand model's heat source covers what the computer leaves, as in the baselines.
      sourceW.push(house ? (s.sourceHeatKWh * 1000) / at(slots, t).hours : Math.max(0, at(slots, t).demandW - pc));
    }
    if (house)
      for (let t = w.from; t < w.keep; t++)
        indoorC = step(house, at(slots, t), indoorC, at(computeW, t) + clampSource(house, at(sourceW, t)));
    await progress?.(n + 1, windows.length);
  }
  return { computeW, sourceW, statuses, plans: windows.length };
}

/** Plan windows: slots [from, to) are planned at slot `from`; [from, keep) is kept. */
export function planWindows(
  setup: Pick<BacktestSetup, 'slots' | 'timeZone' | 'pricesKnownAtHour'>,
): { from: number; keep: number; to: number }[] {
  const { slots, timeZone: tz, pricesKnownAtHour: hour } = setup;
  const isPublication = (t: number) => {
    const p = localParts(at(slots, t).start, tz);
    return p.hour === hour && p.minute === 0;
  };
  const out: { from: number; keep: number; to: number }[] = [];
  let i = 0;
  while (i < slots.length) {
    const start = at(slots, i).start;
    const today = localDay(start, tz);
    // Before publication only today's prices are known; from then on tomorrow's too.
    const knownUntil = localParts(start, tz).hour >= hour ? localDay(today.end, tz).end : today.end;
    let to = i + 1;
    while (to < slots.length && at(slots, to).start < knownUntil) to++;
    let keep = i + 1;
    while (keep < to && !isPublication(keep)) keep++;
    out.push({ from: i, keep, to });
    i = keep;
  }
  return out;
}

const COMPUTER = deviceId('computer');
const MINING = jobId('mining');

/** The planner's input for `slots`, the house at `indoorC`; with `keepable`, its bands raised as the planner gets them (plannerBands). */
function planInput(setup: BacktestSetup, slots: BacktestSlot[], indoorC: number, keepable = false): PlanInput {
  const { house, computer } = setup;
  const bands = house && keepable ? plannerBands(slots, { ...house, indoorC }) : slots.map((s) => s.comfort);
  return {
    slots: slots.map((s, t): PlanSlot => {
      const slot: PlanSlot = {
        start: s.start,
        hours: s.hours,
        price: s.price,
        heatDemandW: house ? 0 : s.demandW,
        heatCreditPerKWh: s.heatCostPerKWh,
        quiet: false,
      };
      const band = bands[t];
      if (house) slot.outdoorC = s.outdoorC;
      if (house && band) slot.comfort = band;
      return slot;
    }),
    devices: [{ id: COMPUTER, levels: [{ powerW: computer.powerW, rates: { mine: 1 } }] }],
    jobs: [{ id: MINING, kind: 'mine', valuePerWork: computer.revenuePerHour }],
    limits: {},
    ...(house
      ? {
          thermal: {
            uaWPerK: house.uaWPerK,
            capacityWhPerK: house.capacityWhPerK,
            sourceCapW: house.sourceCapW,
            indoorC,
          },
        }
      : {}),
  };
}

/**
 * The bands as the planner gets them, as the live scheduler makes them (heating's reachableBands:
 * upper edges raised to what pre-heating at full output and the unheated house's cooling reach).
 * Lower edges, which comfortKh counts against, are left as they are.
 */
export function plannerBands(slots: BacktestSlot[], house: BacktestHouse): ({ minC: number; maxC: number } | null)[] {
  // A slot without a band keeps the cooling envelope going without bounding anything.
  const raised = reachableBands(
    house,
    slots.map((s) => ({
      hours: s.hours,
      outdoorC: s.outdoorC,
      comfort: s.comfort ?? { minC: -Infinity, maxC: -Infinity },
    })),
  );
  return slots.map((s, t) => (s.comfort ? { minC: s.comfort.minC, maxC: at(raised, t).maxC } : null));
}

// ---------------------------------------------------------------------------------------------
// The baselines

/** The room's temperature at a slot's end from its start with `heatW` in (the planner's step, sourceStep). */
function step(house: BacktestHouse, s: BacktestSlot, startC: number, heatW: number): number {
  const { a, b } = sourceStep(house, s.hours);
  return a * startC + (1 - a) * s.outdoorC + b * heatW;
}

const clampSource = (house: BacktestHouse, w: number) => Math.min(house.sourceCapW, Math.max(0, w));

/**
 * The baselines' heat source is a thermostat with optimum start, the planner's own holdingSource:
 * each slot the least heat that ends it at `required[t]`, the warmest it must end so that every
 * later lower edge can still be reached with the source at full output plus `extraW` (compute
 * heat that will be there). With a kWh of heat costing the same at any hour, heating as late as
 * possible is also the cheapest way to meet the band. This is holdingSource's backward pass, for
 * the thermostat policy, whose computer runs only when the thermostat calls.
 */
function requiredTemps(setup: BacktestSetup, house: BacktestHouse, extraW: number): number[] {
  const { slots } = setup;
  const req = new Array<number>(slots.length);
  let next = -Infinity;
  for (let t = slots.length - 1; t >= 0; t--) {
    const s = at(slots, t);
    req[t] = Math.max(s.comfort?.minC ?? -Infinity, next);
    const { a, b } = sourceStep(house, s.hours);
    next = (at(req, t) - (1 - a) * s.outdoorC - b * (house.sourceCapW + extraW)) / a;
  }
  return req;
}

/**
 * A baseline's run: the computer's power per slot from `rule` (told whether the thermostat calls
 * for heat in that slot) and the thermostat's heat source. In the demand model the heat source
 * simply covers the demand the computer leaves; it is not simulated here.
 * `thermostatW`: compute heat the thermostat may count on when it calls (the thermostat policy).
 */
function runRule(
  setup: BacktestSetup,
  rule: (t: number, calls: boolean) => number,
  thermostatW?: number,
): { computeW: number[]; sourceW: number[] } {
  const { slots, house } = setup;
  if (!house) {
    const computeW = slots.map((s, t) => rule(t, s.demandW > 0));
    return { computeW, sourceW: slots.map((s, t) => Math.max(0, s.demandW - at(computeW, t))) };
  }
  if (thermostatW === undefined) {
    // The computer's power does not depend on the room: the planner's thermostat around it.
    const computeW = slots.map((_, t) => rule(t, false));
    return { computeW, sourceW: holdingSource(planInput(setup, slots, house.indoorC), computeW) };
  }
  const req = requiredTemps(setup, house, thermostatW);
  const computeW: number[] = [];
  const sourceW: number[] = [];
  let temp = house.indoorC;
  slots.forEach((s, t) => {
    const free = step(house, s, temp, 0);
    const { b } = sourceStep(house, s.hours);
    const calls = free < at(req, t) - 1e-9;
    const pc = rule(t, calls);
    const q = clampSource(house, (at(req, t) - free - b * pc) / b);
    temp = free + b * (pc + q);
    computeW.push(pc);
    sourceW.push(q);
  });
  return { computeW, sourceW };
}

/**
 * The fixed price threshold with the best net: every distinct price is tried (and "never"), each
 * with the thermostat's heat source and the same accounting as the other policies. A year has
 * thousands of distinct prices, so each try is one lean backward and forward pass over typed
 * arrays computing the net alone (holdingSource's and account's formulas; a test holds them equal).
 */
export async function bestThreshold(setup: BacktestSetup, progress?: Progress): Promise<number> {
  const { slots, computer, house } = setup;
  const n = slots.length;
  const P = computer.powerW;
  const price = Float64Array.from(slots, (s) => s.price);
  const hours = Float64Array.from(slots, (s) => s.hours);
  const cost = Float64Array.from(slots, (s) => s.heatCostPerKWh);
  const out = Float64Array.from(slots, (s) => s.outdoorC);
  const lo = Float64Array.from(slots, (s) => s.comfort?.minC ?? -Infinity);
  const demand = Float64Array.from(slots, (s) => s.demandW);
  const steps = house ? slots.map((s) => sourceStep(house, s.hours)) : [];
  const a = Float64Array.from(steps, (x) => x.a);
  const b = Float64Array.from(steps, (x) => x.b);
  const req = new Float64Array(n);
  const netAt = (c: number): number => {
    let net = 0;
    if (!house) {
      for (let t = 0; t < n; t++) {
        const pc = price[t]! <= c ? P : 0;
        const h = hours[t]!;
        net +=
          (computer.revenuePerHour * h * pc) / P -
          ((pc * h) / 1000) * price[t]! -
          ((Math.max(0, demand[t]! - pc) * h) / 1000) * cost[t]!;
      }
      return net;
    }
    let next = -Infinity;
    for (let t = n - 1; t >= 0; t--) {
      const r = Math.max(lo[t]!, next);
      req[t] = r;
      next = (r - (1 - a[t]!) * out[t]! - b[t]! * (house.sourceCapW + (price[t]! <= c ? P : 0))) / a[t]!;
    }
    let temp = house.indoorC;
    for (let t = 0; t < n; t++) {
      const pc = price[t]! <= c ? P : 0;
      const free = a[t]! * temp + (1 - a[t]!) * out[t]!;
      const q = Math.min(house.sourceCapW, Math.max(0, (req[t]! - free - b[t]! * pc) / b[t]!));
      temp = free + b[t]! * (pc + q);
      const h = hours[t]!;
      net += (computer.revenuePerHour * h * pc) / P - ((pc * h) / 1000) * price[t]! - ((q * h) / 1000) * cost[t]!;
    }
    return net;
  };
  const candidates = [...new Set(price)].sort((x, y) => x - y);
  candidates.unshift((candidates[0] ?? 0) - 1);
  let best = { threshold: at(candidates, 0), net: -Infinity };
  const batch = Math.max(1, Math.ceil(candidates.length / 100));
  for (let k = 0; k < candidates.length; k++) {
    const c = at(candidates, k);
    const net = netAt(c);
    // Ties keep the lower threshold: as much for less running.
    if (net > best.net + 1e-9) best = { threshold: c, net };
    if ((k + 1) % batch === 0 || k + 1 === candidates.length) await progress?.(k + 1, candidates.length);
  }
  return best.threshold;
}

// ---------------------------------------------------------------------------------------------
// The accounting every policy shares

const zero = (): BacktestTotals => ({
  net: 0,
  revenue: 0,
  electricityKWh: 0,
  electricityCost: 0,
  computeKWh: 0,
  computeCost: 0,
  sourceHeatKWh: 0,
  sourceElectricityKWh: 0,
  sourceElectricityCost: 0,
  fuelCost: 0,
  comfortKh: 0,
  starts: 0,
});

export type Accounted = {
  perSlot: { start: number; indoorC: number | null; totals: BacktestTotals }[];
  total: BacktestTotals;
};

/**
 * What the household pays and earns, slot by slot, for the computer's power and the heat source's
 * output per slot (W). Thermal model: the house is stepped through each slot with both heats (the
 * source capped at its capacity) and time below the band is counted; demand model: the source's
 * heat is what it is told (the demand the computer leaves).
 */
export function account(setup: BacktestSetup, computeW: number[], sourceW: number[]): Accounted {
  const { slots, house, computer } = setup;
  const total = zero();
  const perSlot: Accounted['perSlot'] = [];
  let temp = house?.indoorC ?? 0;
  let wasOn = false;
  slots.forEach((s, t) => {
    const pc = at(computeW, t);
    const q = house ? clampSource(house, at(sourceW, t)) : Math.max(0, at(sourceW, t));
    const x = zero();
    x.computeKWh = (pc * s.hours) / 1000;
    x.computeCost = x.computeKWh * s.price;
    x.revenue = (computer.revenuePerHour * s.hours * pc) / computer.powerW;
    x.sourceHeatKWh = (q * s.hours) / 1000;
    const sourceCost = x.sourceHeatKWh * s.heatCostPerKWh;
    x.sourceElectricityKWh = x.sourceHeatKWh * s.heatElectricityPerKWh;
    // An electric heat source's cost is all electricity; a fuel's is all fuel.
    x.sourceElectricityCost = s.heatElectricityPerKWh > 0 ? sourceCost : 0;
    x.fuelCost = sourceCost - x.sourceElectricityCost;
    x.electricityKWh = x.computeKWh + x.sourceElectricityKWh;
    x.electricityCost = x.computeCost + x.sourceElectricityCost;
    x.net = x.revenue - x.computeCost - sourceCost;
    x.starts = pc > 0 && !wasOn ? 1 : 0;
    wasOn = pc > 0;
    if (house) {
      temp = step(house, s, temp, pc + q);
      x.comfortKh = s.comfort ? Math.max(0, s.comfort.minC - temp) * s.hours : 0;
    }
    add(total, x);
    perSlot.push({ start: s.start, indoorC: house ? temp : null, totals: x });
  });
  return { perSlot, total };
}

function add(acc: BacktestTotals, x: BacktestTotals): void {
  for (const k of Object.keys(x) as (keyof BacktestTotals)[]) acc[k] = (acc[k] ?? 0) + (x[k] ?? 0);
}

const formats = new Map<string, Intl.DateTimeFormat>();
/** "2023-01" in the zone (en-CA formats dates as ISO). */
function localMonth(ms: number, timeZone: string): string {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit' });
    formats.set(timeZone, f);
  }
  return f.format(ms);
}

function summarise(setup: BacktestSetup, policy: string, acc: Accounted): Omit<BacktestPolicyResult, 'elapsedMs'> {
  const months = new Map<string, BacktestTotals>();
  for (const s of acc.perSlot) {
    const k = localMonth(s.start, setup.timeZone);
    let m = months.get(k);
    if (!m) months.set(k, (m = zero()));
    add(m, s.totals);
  }
  return { policy, months: [...months].map(([month, totals]) => ({ month, totals })), total: acc.total };
}
