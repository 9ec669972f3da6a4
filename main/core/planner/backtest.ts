import { evaluate } from './evaluate.ts';
import { at, type PlanInput, type PlanSlot, type PlanSolver } from './model.ts';
import { plan, type PlanOptions } from './plan.ts';
import type { PricePoint } from './price-csv.ts';

export type BacktestSetup = {
  /** Device power while running, W (one level). */
  powerW: number;
  /** Heat demand during the heating season, W, when `heat` is not given. */
  demandW: number;
  /** Heating season months, 1–12. */
  seasonMonths: number[];
  /** What a kWh of heat displaces: gas price / boiler efficiency, per kWh. */
  heatCreditPerKWh: number;
  /** Mining revenue per hour at full power. */
  revenuePerHour: number;
  /** Days and months are the user's local ones (IANA zone), e.g. Europe/Brussels. */
  timeZone: string;
  /**
   * Heat demand and credit per slot from the heating model (setpoints, heat-loss coefficient,
   * season, outdoor temperatures of a weather file), same order as the slots. Without it, demand
   * is `demandW` in `seasonMonths` and every kWh of heat is worth `heatCreditPerKWh`.
   */
  heat?: (slots: { start: number; end: number; price: number }[]) => { demandW: number; creditPerKWh: number }[];
};

/** Called after each planned day (planner) or once (baselines); awaited, so a caller may yield there. */
export type Progress = (done: number, total: number) => void | Promise<void>;

export type Policy = 'planner' | 'always' | 'thermostat' | { threshold: number };
export type Totals = { energyKWh: number; heatKWh: number; usefulHeatKWh: number; heatCredit: number; cost: number; revenue: number; net: number };
export type BacktestResult = {
  policy: string;
  months: { month: string; totals: Totals }[];
  total: Totals;
  /** Planner policy: how many days each planner route planned (see Plan.solver). */
  solvers?: Partial<Record<PlanSolver, number>>;
};

export const policyName = (p: Policy) => (typeof p === 'string' ? p : `threshold:${p.threshold}`);

export function slotsFor(prices: PricePoint[], setup: BacktestSetup): PlanSlot[] {
  // A slot lasts until the next one starts; the last one as long as the one before it (15-minute files stay 15-minute).
  const hoursOf = (i: number): number => {
    const next = prices[i + 1];
    if (next) return (next.start - at(prices, i).start) / 3_600_000;
    return i > 0 ? hoursOf(i - 1) : 1;
  };
  const heat = setup.heat?.(prices.map((p, i) => ({ start: p.start, end: p.start + hoursOf(i) * 3_600_000, price: p.price })));
  return prices.map((p, i) => {
    const h = heat?.[i];
    if (h) return { start: p.start, hours: hoursOf(i), price: p.price, heatDemandW: h.demandW, heatCreditPerKWh: h.creditPerKWh, quiet: false };
    const month = Number(localDate(p.start, setup.timeZone).slice(5, 7));
    return { start: p.start, hours: hoursOf(i), price: p.price, heatDemandW: setup.seasonMonths.includes(month) ? setup.demandW : 0, heatCreditPerKWh: setup.heatCreditPerKWh, quiet: false };
  });
}

/** "2023-01-31" in the zone (en-CA formats dates as ISO). */
const formats = new Map<string, Intl.DateTimeFormat>();
function localDate(ms: number, timeZone: string): string {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formats.set(timeZone, f);
  }
  return f.format(ms);
}

const zero = (): Totals => ({ energyKWh: 0, heatKWh: 0, usefulHeatKWh: 0, heatCredit: 0, cost: 0, revenue: 0, net: 0 });

/**
 * Replays the period with one policy. The planner plans each local day when its prices are known
 * (day-ahead), so it never sees a later day's prices; the baselines decide slot by slot.
 */
export async function backtest(prices: PricePoint[], setup: BacktestSetup, policy: Policy, progress?: Progress, planOptions: Pick<PlanOptions, 'solver'> = {}): Promise<BacktestResult> {
  const slots = slotsFor(prices, setup);
  const input: PlanInput = {
    slots,
    devices: [{ id: 'pc', levels: [{ powerW: setup.powerW, rates: { mine: 1 } }] }],
    jobs: [{ id: 'mining', kind: 'mine', valuePerWork: setup.revenuePerHour }],
    limits: {},
  };
  let choice: number[][];
  const solvers: Partial<Record<PlanSolver, number>> = {};
  if (policy === 'planner') {
    choice = [];
    const days = new Map<string, PlanSlot[]>();
    for (const s of slots) {
      const k = localDate(s.start, setup.timeZone);
      days.set(k, [...(days.get(k) ?? []), s]);
    }
    let done = 0;
    for (const day of days.values()) {
      const p = await plan({ ...input, slots: day }, { ...planOptions, clock: { now: () => at(day, 0).start } });
      solvers[p.solver] = (solvers[p.solver] ?? 0) + 1;
      for (const s of p.slots) choice.push(s.decisions.map((d) => (d.job ? 1 : 0)));
      await progress?.(++done, days.size);
    }
  } else {
    choice = slots.map((s) => [policy === 'always' ? 1 : policy === 'thermostat' ? (s.heatDemandW > 0 ? 1 : 0) : s.price <= policy.threshold ? 1 : 0]);
    await progress?.(1, 1);
  }
  const ev = evaluate(input, choice);
  const months = new Map<string, Totals>();
  const total = zero();
  ev.slots.forEach((s) => {
    const k = localDate(s.start, setup.timeZone).slice(0, 7);
    const m = months.get(k) ?? zero();
    months.set(k, m);
    for (const acc of [m, total]) {
      acc.energyKWh += s.energyKWh;
      acc.heatKWh += s.heatKWh;
      acc.usefulHeatKWh += s.usefulHeatKWh;
      acc.heatCredit += s.heatCredit;
      acc.cost += s.cost;
      acc.revenue += s.revenue;
      acc.net += s.net;
    }
  });
  const result: BacktestResult = { policy: policyName(policy), months: [...months].map(([month, totals]) => ({ month, totals })), total };
  if (policy === 'planner') result.solvers = solvers;
  return result;
}

/** The fixed price threshold with the best net, searched over every distinct price (exact for a single level). */
export async function bestThreshold(prices: PricePoint[], setup: BacktestSetup, progress?: Progress): Promise<BacktestResult> {
  const candidates = [...new Set(prices.map((p) => p.price))].sort((a, b) => a - b);
  const slots = slotsFor(prices, setup);
  // Net of running each slot; a threshold runs every slot priced at or below it.
  const gain = slots.map((s) => {
    const e = (setup.powerW * s.hours) / 1000;
    return Math.min(e, (s.heatDemandW * s.hours) / 1000) * s.heatCreditPerKWh + setup.revenuePerHour * s.hours - e * s.price;
  });
  const order = slots.map((_, i) => i).sort((a, b) => at(slots, a).price - at(slots, b).price);
  let best = { threshold: Math.min(...candidates) - 1, net: 0 };
  let acc = 0;
  for (let k = 0; k < order.length; k++) {
    acc += at(gain, at(order, k));
    const price = at(slots, at(order, k)).price;
    const nextPrice = k + 1 < order.length ? at(slots, at(order, k + 1)).price : Infinity;
    if (nextPrice !== price && acc > best.net) best = { threshold: price, net: acc };
  }
  return backtest(prices, setup, { threshold: best.threshold }, progress);
}
