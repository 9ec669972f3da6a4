import { afterEach, describe, expect, it } from 'vitest';
import { tempDirs } from '../../../test/support/temp-dir.ts';
import { accountingMigrations, createAccounting, slotRecord, type SlotRecord } from './accounting.ts';
import { parseSlotsCsv, slotsCsv } from './csv.ts';
import { openLedger, type Db } from './db.ts';

const tmp = tempDirs('hearth-ledger-csv-');
const open: Db[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

const T0 = Date.UTC(2026, 0, 5, 10);
const NAMES = ['=HYPERLINK("http://x","y")', '+1', '@SUM(A1)', '-2+3', '\t=1+1', "'=already quoted", 'gpu0'];

function slot(i: number, deviceId: string, jobId: string): SlotRecord {
  return slotRecord({
    start: T0 + i * 900_000,
    end: T0 + (i + 1) * 900_000,
    deviceId,
    jobId,
    energy: 1_000_000,
    energySource: 'measured',
    heat: 1_000_000,
    heatMet: 500_000,
    currency: 'EUR',
    // A negative price (the market paid for power): the cost cell is -0.12, a number.
    price: -120_000_000,
    heatCredit: 30_000_000,
    revenueExpected: 0,
    revenueCredited: 0,
    trainingWork: 0,
    trainingValue: 0,
  });
}

/** The cells of one CSV line as a spreadsheet would split them (quotes honoured). */
function cells(line: string): string[] {
  return [...line.matchAll(/("(?:[^"]|"")*"|[^,]*)(,|$)/g)].map((m) => m[1]!).slice(0, 16);
}

describe('ledger slots CSV against spreadsheet formula injection', () => {
  it('escapes names that a spreadsheet would run, keeps money numbers, and imports back to the same names', () => {
    const db = openLedger(tmp(), accountingMigrations);
    open.push(db);
    const acct = createAccounting(db);
    const rows = NAMES.map((n, i) => slot(i, n, NAMES[NAMES.length - 1 - i]!));
    acct.replaceAll(rows);
    const csv = slotsCsv(acct.slots(T0, T0 + 86_400_000));
    const lines = csv.trim().split('\n');
    const device = lines.slice(1).map((l) => cells(l)[2]);
    expect(device).toEqual([
      `"'=HYPERLINK(""http://x"",""y"")"`,
      `"'+1"`,
      `"'@SUM(A1)"`,
      `"'-2+3"`,
      `"'\t=1+1"`,
      `"''=already quoted"`,
      'gpu0',
    ]);
    // No cell, name or not, starts with a formula character unless it is a number.
    for (const l of lines.slice(1))
      for (const c of cells(l)) if (/^[=+\-@\t\r]/.test(c)) expect(c).toMatch(/^-\d+(\.\d+)?$/);
    expect(cells(lines[1]!)[10]).toBe('-0.12');

    // Through a second, empty ledger: the export re-imports to the very names stored.
    const back = openLedger(tmp(), accountingMigrations);
    open.push(back);
    const again = createAccounting(back);
    again.replaceAll(parseSlotsCsv(csv));
    expect(again.slots(T0, T0 + 86_400_000)).toEqual(acct.slots(T0, T0 + 86_400_000));
    expect(again.slots(T0, T0 + 86_400_000).map((r) => r.deviceId)).toEqual(NAMES);
  });
});
