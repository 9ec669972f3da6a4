// A Hearth that has been used: real prices, heating that wants heat, jobs and two weeks of ledger
// history. Shared by the layout/accessibility e2e test and `npm run screenshots` (the prices also
// by the plan-backtest e2e test), so the pages they look at hold tables and charts rather than
// empty states. Everything goes through the
// same API calls (and the same `hearth history --import`) a user's actions would make.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const Q = 15 * 60_000;
/** A Belgian household's charges on top of the spot price (about). */
const CHARGES = { perKWh: 0.12, tax: 0.06 };

/** The real 2023 Belgian day-ahead prices (EUR/kWh), one per hour from 2023-01-01 00:00 Brussels. */
export function prices2023() {
  const file = path.join(root, 'test/fixtures/prices/be-day-ahead-2023.csv');
  return fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((r) => r.split(','));
}

/**
 * The 2023 file as it is, plus its first four days replayed from 24 h before `now`, so the planner
 * has real-shaped prices for the next 48 h (one import: an import replaces what the CSV tariff held).
 */
export function pricesCsv(now) {
  const rows = prices2023();
  const start = Math.floor(now / HOUR) * HOUR - 24 * HOUR;
  const live = rows.slice(0, 96).map((r, i) => `${new Date(start + i * HOUR).toISOString()},${r[1]}`);
  return ['start_utc,eur_per_kwh', ...rows.map((r) => r.join(',')), ...live].join('\n');
}

/**
 * A ledger slots CSV for the `days` days before `now`'s UTC day and the hours of that day already
 * over: the CPU mined (240 W) in each day's cheaper half of the hours, priced with January 2023's
 * real prices and the charges above.
 */
export function ledgerCsv(now, days = 14) {
  const rows = prices2023();
  const today = Math.floor(now / DAY) * DAY;
  const lines = [
    'start_utc,end_utc,device,job,energy_kwh,energy_source,heat_kwh,heat_met_kwh,currency,price_per_kwh,cost,heat_credit,revenue_expected,revenue_credited,training_work,training_value',
  ];
  for (let d = 0; d <= days; d++) {
    const dayStart = today - (days - d) * DAY;
    const spot = rows.slice(d * 24, d * 24 + 24).map((r) => Number(r[1]));
    const median = [...spot].sort((a, b) => a - b)[12];
    for (let h = 0; h < 24; h++) {
      if (!(spot[h] <= median) || dayStart + (h + 1) * HOUR > now) continue;
      // Whole nano-euros, as the ledger keeps money: price per kWh to 6 decimals, the rest exact.
      const price = Number(((spot[h] + CHARGES.perKWh) * (1 + CHARGES.tax)).toFixed(6));
      for (let q = 0; q < 4; q++) {
        const start = dayStart + h * HOUR + q * Q;
        const cost = (price * 0.06).toFixed(9);
        // Heat that met demand (0.05 of 0.06 kWh) at gas 0.10 €/kWh ÷ 90 %: 0.005555556 €.
        lines.push(
          `${new Date(start).toISOString()},${new Date(start + Q).toISOString()},cpu,mining,0.06,measured,0.06,0.05,EUR,${price},${cost},0.005555556,0.000000800,0,0,0`,
        );
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Fills a running Hearth through its API (`call(method, args)` resolving to the API's
 * `{ ok, result, error }`): the prices above as the tariff, heating all year, two command jobs (that only
 * wait, so they heat nothing here) for the planner to schedule, and a short training run started
 * at once (a few seconds of one thread). The jobs' program (this Node) is allowed first with
 * `hearth commands allow` on `dataDir`, as a person at the machine would: the API cannot allow it.
 * Throws with the API's message on a refusal.
 */
export async function fillWithRealUse(call, dataDir, now = Date.now()) {
  execFileSync(process.execPath, [
    path.join(root, 'out/node/cli.mjs'),
    'commands',
    'allow',
    process.execPath,
    '--data-dir',
    dataDir,
  ]);
  const must = async (method, args) => {
    const r = await call(method, args);
    if (!r.ok) throw new Error(`${method}: ${r.error?.message ?? JSON.stringify(r)}`);
    return r.result;
  };
  await must('tariff-configure', {
    tariff: { kind: 'csv', currency: 'EUR' },
    charges: CHARGES,
    timeZone: 'UTC',
    skipCheck: true,
  });
  await must('tariff-import-csv', { csv: pricesCsv(now) });
  const heating = await must('heating-settings', {});
  await must('heating-configure', { ...heating, season: { kind: 'always' } });
  for (const [name, valuePerHour] of [
    ['render', 0.4],
    ['encode', 0.3],
  ]) {
    await must('job-create', {
      name,
      spec: { kind: 'command', command: [process.execPath, '-e', 'setTimeout(() => {}, 600000)'], cwd: os.tmpdir() },
      devices: ['cpu'],
      valuePerHour,
    });
  }
  // A small training run started at once, so the Jobs page has a loss curve and checkpoints.
  await must('job-create', {
    name: 'char model',
    spec: { kind: 'train', steps: 150, hidden: 64, batchSize: 64, threads: 1, checkpointEvery: 50 },
    devices: ['cpu'],
    start: true,
  });
}
