import fs from 'node:fs';
import path from 'node:path';
import { backtest, type BacktestSetup } from '#core/planner/backtest';
import { benchInstance } from '#core/planner/bench-instance';
import { evaluate, score } from '#core/planner/evaluate';
import { solveMip } from '#core/planner/mip';
import type { PlanInput } from '#core/planner/model';
import { plan } from '#core/planner/plan';
import { plannerThread } from '#core/planner/planner-thread';
import { parsePriceCsv } from '#core/planner/price-csv';
import { UsageError, type Command } from '../command.ts';

/** Plans made before the timed ones (the first of them timed as the cold start). */
const WARM_UP = 5;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? (s[(s.length - 1) / 2] ?? 0) : ((s[s.length / 2 - 1] ?? 0) + (s[s.length / 2] ?? 0)) / 2;
};

/**
 * Times the planner (plan(): fast exact route, MIP fallback) on the 48 h / 15-minute instance and
 * a year's backtest, each next to the MIP reference (solveMip: the same lexicographic problem,
 * solved by HiGHS in this thread) measured in the same run, and checks that their nets agree.
 */
export const benchPlannerCommand: Command = {
  name: 'bench planner',
  summary: 'Time the planner (48 h at 15 min; a year of hourly prices) next to the MIP reference on the same input',
  usage: '[--prices FILE] [--runs N] [--json]',
  options: { prices: { type: 'string' }, runs: { type: 'string' }, json: { type: 'boolean' } },
  async run({ values }) {
    const runs = values['runs'] === undefined ? 5 : Number(values['runs']);
    if (!Number.isInteger(runs) || runs < 1) throw new UsageError(`--runs ${String(values['runs'])} is not a whole number ≥ 1`);
    const file = typeof values['prices'] === 'string' ? values['prices'] : path.join('test', 'fixtures', 'prices', 'be-day-ahead-2023.csv');
    if (!fs.existsSync(file)) throw new UsageError(`--prices ${file} does not exist; give a start_utc,eur_per_kwh CSV`);
    const inst = benchInstance();
    const clock = { now: () => inst.slots[0]?.start ?? 0 };
    /**
     * plan() `runs` times after WARM_UP runs (the first, timed on its own, is the cold start: the
     * JIT needs several plans to compile the planner's loops, as in the long-lived planner worker),
     * then the MIP reference once, on the same input.
     */
    const measure = async (input: PlanInput) => {
      const times: number[] = [];
      const c0 = performance.now();
      let p = await plan(input, { clock });
      const firstMs = performance.now() - c0;
      for (let i = 1; i < WARM_UP; i++) p = await plan(input, { clock });
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        p = await plan(input, { clock });
        times.push(performance.now() - t0);
      }
      // What the scheduler waits for: the same plan made in the planner worker thread.
      const inWorker: number[] = [];
      for (let i = 0; i < WARM_UP; i++) await plannerThread.plan(input, { now: clock.now() });
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        await plannerThread.plan(input, { now: clock.now() });
        inWorker.push(performance.now() - t0);
      }
      const t1 = performance.now();
      const ref = score(evaluate(input, await solveMip(input)));
      const mipMs = performance.now() - t1;
      const mine = score(p);
      const equal = Math.abs(mine.shortfall - ref.shortfall) <= 1e-9 && Math.abs(mine.net - ref.net) <= 1e-9 * Math.max(1, Math.abs(ref.net));
      return { firstMs, times, inWorker, route: p.solver, mine, ref, mipMs, equal };
    };
    const h = await measure(inst);
    // The same 48 h with mining and two of the deadline jobs: where the fast route proves the optimum itself.
    const two = { ...inst, jobs: inst.jobs.filter((j) => ['mining', 'train-a', 'train-c'].includes(j.id)) };
    const h2 = await measure(two);

    const prices = parsePriceCsv(fs.readFileSync(file, 'utf8'), file);
    const setup: BacktestSetup = { powerW: 500, demandW: 800, seasonMonths: [1, 2, 3, 4, 10, 11, 12], heatCreditPerKWh: 0.1 / 0.9, revenuePerHour: 0.002, timeZone: 'Europe/Brussels' };
    const t2 = performance.now();
    const year = await backtest(prices, setup, 'planner');
    const yearMs = performance.now() - t2;
    const t3 = performance.now();
    const yearMip = await backtest(prices, setup, 'planner', undefined, { solver: 'mip' });
    const yearMipMs = performance.now() - t3;
    const yearEqual = Math.abs(year.total.net - yearMip.total.net) <= 1e-9 * Math.max(1, Math.abs(yearMip.total.net));

    const out = {
      horizon: { slots: inst.slots.length, devices: inst.devices.length, jobs: inst.jobs.length, runs, firstMs: h.firstMs, planMsMedian: median(h.times), planMs: h.times, workerMsMedian: median(h.inWorker), route: h.route, net: h.mine.net, shortfall: h.mine.shortfall, mipMs: h.mipMs, mipNet: h.ref.net, mipShortfall: h.ref.shortfall, equal: h.equal },
      twoJobs: { jobs: two.jobs.length, firstMs: h2.firstMs, planMsMedian: median(h2.times), planMs: h2.times, workerMsMedian: median(h2.inWorker), route: h2.route, net: h2.mine.net, mipMs: h2.mipMs, mipNet: h2.ref.net, equal: h2.equal },
      year: { slots: prices.length, backtestMs: yearMs, routes: year.solvers, net: year.total.net, mipBacktestMs: yearMipMs, mipNet: yearMip.total.net, equal: yearEqual },
    };
    if (values['json']) {
      console.log(JSON.stringify(out, null, 2));
      return 0;
    }
    const routes = (r: Partial<Record<string, number>> | undefined) => Object.entries(r ?? {}).map(([k, n]) => `${k} × ${n}`).join(', ');
    console.log(
      `48 h plan (${inst.slots.length} slots × ${inst.devices.length} devices × ${inst.jobs.length} jobs): planner median ${median(h.times).toFixed(1)} ms over ${runs} runs after ${WARM_UP} warm-up (the first, cold: ${h.firstMs.toFixed(1)} ms), ${median(h.inWorker).toFixed(1)} ms in the planner worker thread (route ${h.route}, net ${h.mine.net.toFixed(6)} €, shortfall ${h.mine.shortfall}); ` +
        `MIP reference ${h.mipMs.toFixed(1)} ms (net ${h.ref.net.toFixed(6)} €, shortfall ${h.ref.shortfall}); nets ${h.equal ? 'equal' : 'DIFFER'} to 1e-9`,
    );
    console.log(
      `48 h, mining + 2 deadline jobs: planner median ${median(h2.times).toFixed(1)} ms (cold: ${h2.firstMs.toFixed(1)} ms), ${median(h2.inWorker).toFixed(1)} ms in the worker (route ${h2.route}, net ${h2.mine.net.toFixed(6)} €); ` +
        `MIP reference ${h2.mipMs.toFixed(1)} ms (net ${h2.ref.net.toFixed(6)} €); nets ${h2.equal ? 'equal' : 'DIFFER'} to 1e-9`,
    );
    console.log(
      `year backtest (${prices.length} hourly slots, planned day by day): planner ${yearMs.toFixed(0)} ms (routes: ${routes(year.solvers)}, net ${year.total.net.toFixed(4)} €); ` +
        `MIP reference ${yearMipMs.toFixed(0)} ms (net ${yearMip.total.net.toFixed(4)} €); nets ${yearEqual ? 'equal' : 'DIFFER'} to 1e-9`,
    );
    return 0;
  },
};
