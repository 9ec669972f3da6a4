import { spawn } from 'node:child_process';
import path from 'node:path';
import Database from 'libsql';
import { describe, expect, it } from 'vitest';
import { tempDirs } from '../../../test/support/temp-dir.ts';
import { accountingMigrations } from './accounting.ts';
import { backupLedger } from './backup.ts';
import { LEDGER_FILE, openLedger } from './db.ts';

/** Another process booking slots into the same ledger file as fast as it can (WAL), like a running miner. */
const WRITER = `
import Database from 'libsql';
const db = new Database(process.argv[1]);
db.exec('PRAGMA busy_timeout = 5000');
const ins = db.prepare("INSERT INTO ledger_slot VALUES (?, ?, 'cpu', 'mining', 250000, 'measured', 250000, 0, 'EUR', 300000000, 75000000, 0, 7, 0, 0, 0)");
let t = 0;
for (;;) {
  db.exec('BEGIN IMMEDIATE');
  for (let i = 0; i < 200; i++, t += 900000) ins.run(t, t + 900000);
  db.exec('COMMIT');
  if (t === 200 * 900000) console.log('writing');
}
`;

const tmp = tempDirs('hearth-backup-');

describe('ledger backup', () => {
  it('copies the ledger consistently while another process writes, and the copy passes integrity_check', async () => {
    const dir = tmp();
    const db = openLedger(dir, accountingMigrations);
    const child = spawn(process.execPath, ['--input-type=module', '-e', WRITER, path.join(dir, LEDGER_FILE)], {
      cwd: process.cwd(),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      await new Promise<void>((ok, fail) => {
        child.stdout.on('data', () => ok());
        child.on('exit', (code) => fail(new Error(`writer exited with ${code}`)));
      });
      const counts: number[] = [];
      for (let i = 0; i < 3; i++) {
        const r = backupLedger(db, path.join(dir, 'backups', `b${i}.db`));
        expect(r.integrity).toBe('ok');
        expect(r.bytes).toBeGreaterThan(0);
        const copy = new Database(r.file, { readonly: true });
        const { n, c } = copy.prepare('SELECT COUNT(*) AS n, SUM(cost_nanos) AS c FROM ledger_slot').get() as {
          n: number;
          c: number;
        };
        copy.close();
        // Whole transactions only: rows come in batches of 200, and every row's cost is intact.
        expect(n % 200).toBe(0);
        expect(c).toBe(n * 75_000_000);
        counts.push(n);
      }
      expect(counts[2]).toBeGreaterThan(0);
      expect(() => backupLedger(db, path.join(dir, 'backups', 'b0.db'))).toThrow(
        /already exists.*nothing was overwritten/,
      );
    } finally {
      child.kill();
      db.close();
    }
  });
});
