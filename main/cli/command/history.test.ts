import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../test/headless/harness.ts';
import { tempDirs } from '../../../test/support/temp-dir.ts';

const tmp = tempDirs('hearth-history-cli-');

const HEADER =
  'start_utc,end_utc,device,job,energy_kwh,energy_source,heat_kwh,heat_met_kwh,currency,price_per_kwh,cost,heat_credit,revenue_expected,revenue_credited,training_work,training_value';

describe('hearth history', () => {
  it('imports slots, prints the days with exact money, exports them back unchanged, and backs up the ledger', async () => {
    const dir = tmp();
    const rows = [HEADER];
    // 2023-03-26 in Brussels: 23 hours, 92 slots of 0.25 kWh at 0.123456789 EUR/kWh.
    for (let t = Date.parse('2023-03-25T23:00:00Z'); t < Date.parse('2023-03-26T22:00:00Z'); t += 900_000) {
      rows.push(
        `${new Date(t).toISOString()},${new Date(t + 900_000).toISOString()},cpu,mining,0.25,estimated,0.25,0.125,EUR,0.123456789,0.030864197,0.001,0.000000001,0,0,0`,
      );
    }
    const csv = path.join(dir, 'in.csv');
    fs.writeFileSync(csv, `${rows.join('\n')}\n`);
    const data = ['--data-dir', path.join(dir, 'data')];
    expect((await runCli(['history', '--import', csv, ...data])).stdout).toMatch(/Imported 92 slot rows/);
    const table = await runCli([
      'history',
      '--days',
      '1',
      '--until',
      '2023-03-26',
      '--tz',
      'Europe/Brussels',
      '--standing',
      '0.5',
      ...data,
    ]);
    expect(table.code).toBe(0);
    // 92 × 0.030864197 + 0.5 standing = 3.339506124; 92 × 0.001 credit; 92e-9 revenue.
    expect(table.stdout).toMatch(
      /2023-03-26\s+23\s+23\.000\s+23\.000\s+11\.500\s+3\.339506124\s+0\.000000092\s+0\s+0\.092\s+0\s+-3\.247506032/,
    );
    const out = path.join(dir, 'out.csv');
    expect(
      (await runCli(['history', '--days', '1', '--until', '2023-03-26', '--csv', 'slots', '--out', out, ...data])).code,
    ).toBe(0);
    expect(fs.readFileSync(out, 'utf8')).toBe(fs.readFileSync(csv, 'utf8'));
    const backup = await runCli(['history', '--backup', path.join(dir, 'copy.db'), ...data]);
    expect(backup.stdout).toMatch(/integrity_check: ok/);
    const bad = await runCli(['history', '--by', 'week', ...data]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--by expects device or job/);
  });
});
