import fs from 'node:fs';
import path from 'node:path';
import type { Plan } from '#contract/plan';
import { backtestYear } from '#core/backtest/setup';
import { generate, readSeries } from '#core/planner/generate';
import { plannerThread } from '#core/planner/planner-thread';
import { DEFAULT_TIME_LIMIT_MS } from '#workers/planner/plan';
import { JSON_DOC, UsageError, type Command, flagOptions, textOptions } from '../command.ts';

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] ?? 0;
};
const statuses = (ps: Plan[]) =>
  ps.reduce<Record<string, number>>((acc, p) => ({ ...acc, [p.status.kind]: (acc[p.status.kind] ?? 0) + 1 }), {});

/**
 * Times the planner as the app runs it (in the planner worker: the DP route where it is exact,
 * else HiGHS warm started from the fast plan, 10 s limit) on seeded 48 h homes over real prices
 * and weather, next to HiGHS alone (cold, same limit) on the same problems in the same run, and
 * checks that the two agree where both proved their plan optimal.
 */
export const benchPlannerCommand: Command = {
  name: 'bench planner',
  summary: 'Time the planner on seeded 48 h homes (192 × 15 min, real prices and weather) next to HiGHS alone',
  usage: '[--instances N] [--prices FILE] [--weather FILE] [--json]',
  options: { ...flagOptions('json'), ...textOptions('instances', 'prices', 'weather') },
  docs: {
    instances: { value: 'N', text: 'how many seeded homes to plan', default: '60', unit: 'homes' },
    prices: {
      value: 'FILE',
      text: 'spot prices (start_utc,eur_per_kwh)',
      default: 'test/fixtures/prices/be-day-ahead-2023.csv',
    },
    weather: {
      value: 'FILE',
      text: 'hourly outdoor temperatures',
      default: 'test/fixtures/weather/aachen-2023-hourly.csv',
    },
    json: JSON_DOC,
  },
  examples: ['hearth bench planner --instances 10'],
  async run({ values }) {
    // More homes than the tests' 52 (and other seeds): the tests check exactness, this the spread of times.
    const n = values['instances'] === undefined ? 60 : Number(values['instances']);
    if (!Number.isInteger(n) || n < 1)
      throw new UsageError(`--instances ${String(values['instances'])} is not a whole number ≥ 1`);
    const pricesFile =
      typeof values['prices'] === 'string'
        ? values['prices']
        : path.join('test', 'fixtures', 'prices', 'be-day-ahead-2023.csv');
    const weatherFile =
      typeof values['weather'] === 'string'
        ? values['weather']
        : path.join('test', 'fixtures', 'weather', 'aachen-2023-hourly.csv');
    for (const f of [pricesFile, weatherFile])
      if (!fs.existsSync(f))
        throw new UsageError(
          `${f} does not exist; give --prices start_utc,eur_per_kwh and --weather time,temp_c CSV files`,
        );
    const series = readSeries(pricesFile, weatherFile);
    const warm: number[] = [];
    const cold: number[] = [];
    const warmPlans: Plan[] = [];
    const coldPlans: Plan[] = [];
    let equal = 0;
    let compared = 0;
    // One throwaway plan loads HiGHS in the worker, as the long-lived app has it loaded.
    const first = generate({ seed: 0, slots: 96, ...series });
    await plannerThread.plan(first, { now: first.slots[0]?.start ?? 0 });
    for (let seed = 1; seed <= n; seed++) {
      const input = generate({ seed, slots: 192, ...series });
      const now = input.slots[0]?.start ?? 0;
      let t0 = performance.now();
      const a = await plannerThread.plan(input, { now, timeLimitMs: DEFAULT_TIME_LIMIT_MS });
      warm.push(performance.now() - t0);
      t0 = performance.now();
      const b = await plannerThread.plan(input, { now, solver: 'milp', timeLimitMs: DEFAULT_TIME_LIMIT_MS });
      cold.push(performance.now() - t0);
      warmPlans.push(a);
      coldPlans.push(b);
      if (a.status.kind === 'optimal' && b.status.kind === 'optimal') {
        compared++;
        if (
          Math.abs(a.totals.net - b.totals.net) <= 1e-6 * Math.max(1, Math.abs(b.totals.net)) &&
          Math.abs(a.totals.comfortKh - b.totals.comfortKh) <= 1e-6
        )
          equal++;
      }
      if (!values['json'] && process.stderr.isTTY) process.stderr.write(`\r  ${seed}/${n} homes planned`);
    }
    if (!values['json'] && process.stderr.isTTY) process.stderr.write('\n');
    // A year of the thermal backtest as the Plan page runs it: a plan a day in the planner worker.
    const y0 = performance.now();
    const year = await backtestYear({
      pricesCsv: fs.readFileSync(pricesFile, 'utf8'),
      weatherCsv: fs.readFileSync(weatherFile, 'utf8'),
      policies: ['planner'],
      planner: (input, opts) => plannerThread.plan(input, opts),
    });
    const yearMs = performance.now() - y0;
    const planned = year.results[0];
    const out = {
      horizon: {
        instances: n,
        slots: 192,
        timeLimitMs: DEFAULT_TIME_LIMIT_MS,
        planner: {
          medianMs: quantile(warm, 0.5),
          p95Ms: quantile(warm, 0.95),
          maxMs: Math.max(...warm),
          statuses: statuses(warmPlans),
          routes: warmPlans.reduce<Record<string, number>>(
            (acc, p) => ({ ...acc, [p.solver]: (acc[p.solver] ?? 0) + 1 }),
            {},
          ),
        },
        highsCold: {
          medianMs: quantile(cold, 0.5),
          p95Ms: quantile(cold, 0.95),
          maxMs: Math.max(...cold),
          statuses: statuses(coldPlans),
        },
        bothOptimal: compared,
        equalWhereBothOptimal: equal,
      },
      year: {
        slots: year.slots,
        backtestMs: yearMs,
        plans: planned?.plans ?? 0,
        statuses: { ...planned?.statuses },
        net: planned?.total.net ?? 0,
      },
    };
    if (values['json']) {
      console.log(JSON.stringify(out, null, 2));
      return 0;
    }
    const h = out.horizon;
    const fmt = (s: Record<string, number>) =>
      Object.entries(s)
        .map(([k, v]) => `${k} × ${v}`)
        .join(', ');
    console.log(
      `48 h plans (${n} seeded homes, 192 slots, thermal model, in the planner worker, limit ${DEFAULT_TIME_LIMIT_MS / 1000} s): planner median ${h.planner.medianMs.toFixed(0)} ms, p95 ${h.planner.p95Ms.toFixed(0)} ms, max ${h.planner.maxMs.toFixed(0)} ms (${fmt(h.planner.statuses)}); ` +
        `HiGHS alone, cold: median ${h.highsCold.medianMs.toFixed(0)} ms, p95 ${h.highsCold.p95Ms.toFixed(0)} ms (${fmt(h.highsCold.statuses)}); equal where both proved optimal: ${equal}/${compared}`,
    );
    console.log(
      `year backtest (${out.year.slots} hourly slots, thermal model, ${out.year.plans} day-ahead plans in the worker): ${(yearMs / 1000).toFixed(1)} s (${fmt(out.year.statuses)}), planner net ${out.year.net.toFixed(2)} €`,
    );
    return 0;
  },
};
