import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { addDays, dayStart } from '#core/time';
import { accountingMigrations, createAccounting, rollupDays, type SlotRecord } from '#core/ledger/accounting';
import { openLedger } from '#core/ledger/db';
import { numberOption, type Command, textOptions } from '../command.ts';

const Q = 15 * 60_000;

/**
 * A year of 15-minute slot rows (35,040) rolled up into 365 local days, next to a reference: one
 * plain SQLite scan summing the same table, measured in the same run.
 */
export const benchHistoryCommand: Command = {
  name: 'bench history',
  summary: 'Times the 365-day History rollup over a year of 15-minute ledger rows',
  usage: '[--runs N]',
  options: textOptions('runs'),
  docs: { runs: { value: 'N', text: 'how many times to time the rollup', default: '10', unit: 'runs' } },
  examples: ['hearth bench history --runs 3'],
  async run({ values }) {
    const runs = numberOption(values['runs'], 'runs', { min: 1, max: 100 }) ?? 10;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-bench-history-'));
    const db = openLedger(dir, accountingMigrations);
    try {
      const tz = 'Europe/Brussels';
      const from = '2023-01-01';
      const to = addDays(from, 364);
      const start = dayStart(from, tz);
      const end = dayStart(addDays(to, 1), tz);
      const acct = createAccounting(db);
      const rows: SlotRecord[] = [];
      for (let t = start; t < end; t += Q) {
        const energy = 50_000 + ((t / Q) % 13) * 1000;
        rows.push({
          start: t,
          end: t + Q,
          deviceId: 'cpu',
          jobId: 'mining',
          energy,
          energySource: 'measured',
          heat: energy,
          heatMet: energy / 2,
          currency: 'EUR',
          price: 250_000_000,
          cost: energy * 250,
          heatCredit: 1_000_000,
          revenueExpected: 7,
          revenueCredited: 3,
          trainingWork: 0,
          trainingValue: 0,
        });
      }
      acct.replaceAll(rows);
      console.log(`${rows.length} slot rows, ${from} … ${to} in ${tz}`);
      const rollup: number[] = [];
      const scan: number[] = [];
      let days = 0;
      const scanStmt = db.prepare('SELECT COUNT(*) AS n, SUM(cost_nanos) AS c, SUM(energy_mwh) AS e FROM ledger_slot');
      for (let i = 0; i < runs; i++) {
        let t0 = performance.now();
        scanStmt.get();
        scan.push(performance.now() - t0);
        t0 = performance.now();
        days = rollupDays(db, {
          from,
          to,
          timeZone: tz,
          currency: 'EUR',
          charges: { currency: 'EUR', standingPerDay: 410_000_000, monthlyFee: 0 },
        }).length;
        rollup.push(performance.now() - t0);
      }
      const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
      console.log(
        `365-day rollup (${days} days): median ${med(rollup).toFixed(1)} ms, best ${Math.min(...rollup).toFixed(1)} ms over ${runs} runs (target < 200 ms)`,
      );
      console.log(
        `reference, one SQLite scan summing the table: median ${med(scan).toFixed(1)} ms; rollup / scan = ${(med(rollup) / med(scan)).toFixed(1)}×`,
      );
      return 0;
    } finally {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};
