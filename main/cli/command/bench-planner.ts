import fs from 'node:fs';
import path from 'node:path';
import { backtest, type BacktestSetup } from '#core/planner/backtest';
import { benchInstance } from '#core/planner/bench-instance';
import { buildLp, loadHighs } from '#core/planner/mip';
import { plan } from '#core/planner/plan';
import { parsePriceCsv } from '#core/planner/price-csv';
import { UsageError, type Command } from '../command.ts';

/**
 * Times the planner on the 48 h / 15-minute instance and a year's backtest, each next to the
 * reference measured in the same run: one plain HiGHS solve of the same MIP (net only, no
 * shortfall phase, no figures or reasons).
 */
export const benchPlannerCommand: Command = {
  name: 'bench planner',
  summary: 'Time the planner (48 h at 15 min; a year of hourly prices) next to a plain HiGHS solve of the same problem',
  usage: '[--prices FILE] [--json]',
  options: { prices: { type: 'string' }, json: { type: 'boolean' } },
  async run({ values }) {
    const highs = await loadHighs();
    const inst = benchInstance();
    const clock = { now: () => inst.slots[0]?.start ?? 0 };
    const t0 = performance.now();
    const p = await plan(inst, { clock });
    const planMs = performance.now() - t0;
    const t1 = performance.now();
    const ref = highs.solve(buildLp(inst, { maxShortfall: 1e12 }), { mip_rel_gap: 0, mip_abs_gap: 0, output_flag: false });
    const refMs = performance.now() - t1;
    const out: Record<string, unknown> = {
      horizon: { slots: inst.slots.length, devices: inst.devices.length, jobs: inst.jobs.length, planMs, net: p.totals.net, shortfalls: p.shortfalls, referenceMs: refMs, referenceStatus: ref.Status, referenceNet: ref.ObjectiveValue },
    };
    const file = typeof values['prices'] === 'string' ? values['prices'] : path.join('test', 'fixtures', 'prices', 'be-day-ahead-2023.csv');
    if (!fs.existsSync(file)) throw new UsageError(`--prices ${file} does not exist; give a start_utc,eur_per_kwh CSV`);
    const prices = parsePriceCsv(fs.readFileSync(file, 'utf8'), file);
    const setup: BacktestSetup = { powerW: 500, demandW: 800, seasonMonths: [1, 2, 3, 4, 10, 11, 12], heatCreditPerKWh: 0.1 / 0.9, revenuePerHour: 0.002, timeZone: 'Europe/Brussels' };
    const t2 = performance.now();
    const year = await backtest(prices, setup, 'planner');
    const yearMs = performance.now() - t2;
    out['year'] = { slots: prices.length, backtestMs: yearMs, net: year.total.net };
    if (values['json']) {
      console.log(JSON.stringify(out, null, 2));
      return 0;
    }
    console.log(`48 h plan (${inst.slots.length} slots × ${inst.devices.length} devices × ${inst.jobs.length} jobs): planner ${planMs.toFixed(1)} ms (net ${p.totals.net.toFixed(4)} €, ${p.shortfalls.length} shortfalls); reference HiGHS single solve ${refMs.toFixed(1)} ms (${ref.Status}, objective ${ref.ObjectiveValue.toFixed(4)} €)`);
    console.log(`year backtest (${prices.length} hourly slots, planned day by day): ${yearMs.toFixed(0)} ms, net ${year.total.net.toFixed(4)} €`);
    return 0;
  },
};
