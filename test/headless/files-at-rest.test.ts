import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiCall, runCli, until } from './harness.ts';
import { perTest } from './per-test.ts';

const { folder, serve } = perTest('hearth-at-rest-');
const mode = (p: string) => fs.lstatSync(p).mode & 0o777;

/** The bytes of the ledger and its WAL: what a copy of the folder would give away. */
const ledgerBytes = (dir: string) =>
  ['hearth.db', 'hearth.db-wal']
    .filter((f) => fs.existsSync(path.join(dir, f)))
    .map((f) => fs.readFileSync(path.join(dir, f)).toString('latin1'))
    .join('');

describe('hearth serve: files and secrets at rest', () => {
  it('keeps the folder 0700 and its files 0600, a pool password sealed, and fixes an older install on start', async () => {
    const dir = path.join(folder(), 'data');
    const s = await serve(dir);
    await apiCall(s, 'mining-settings-set', {
      pools: [{ url: 'stratum+tcp://127.0.0.1:3333', user: 'alice.rig', password: 'hunter2-pool-password' }],
    });
    expect(await apiCall<{ secretsEncrypted: boolean }>(s, 'mining-settings-get')).toMatchObject({
      secretsEncrypted: true,
    });
    await apiCall(s, 'ledger-backup', {});
    // A training job's folder and checkpoints are made private too.
    const job = await apiCall<{ id: number }>(s, 'job-create', {
      spec: { kind: 'train', hidden: 16, batchSize: 8, checkpointEvery: 5, steps: 1_000_000, threads: 1 },
      start: true,
    });
    const checkpoints = path.join(dir, 'jobs', String(job.id), 'checkpoints');
    const written = () =>
      fs.existsSync(checkpoints) ? fs.readdirSync(checkpoints).filter((n) => !n.endsWith('.tmp')) : [];
    await until('a checkpoint', written, (names) => names.length > 0);
    // Paused, it writes one more and keeps the newest few: read the folder once it is still.
    await apiCall(s, 'job-pause', { id: job.id });
    const first = written().at(-1);
    expect([mode(path.join(dir, 'jobs')), mode(path.join(dir, 'jobs', String(job.id))), mode(checkpoints)]).toEqual([
      0o700, 0o700, 0o700,
    ]);
    expect(mode(path.join(checkpoints, first!))).toBe(0o600);
    expect(mode(dir)).toBe(0o700);
    for (const f of ['hearth.db', 'hearth.db-wal', 'hearth.db-shm', 'secret.key', 'server.json'])
      expect([f, mode(path.join(dir, f))]).toEqual([f, 0o600]);
    expect(mode(path.join(dir, 'backups'))).toBe(0o700);
    const backups = fs.readdirSync(path.join(dir, 'backups'));
    expect(backups).toHaveLength(1);
    expect(mode(path.join(dir, 'backups', backups[0]!))).toBe(0o600);
    await s.stop();
    expect(ledgerBytes(dir)).not.toContain('hunter2-pool-password');
    expect(fs.readFileSync(path.join(dir, 'backups', backups[0]!)).toString('latin1')).not.toContain('hunter2');

    // As an older Hearth left it: everything readable by others.
    fs.chmodSync(dir, 0o755);
    fs.chmodSync(path.join(dir, 'backups'), 0o755);
    for (const f of ['hearth.db', 'secret.key', `backups/${backups[0]}`]) fs.chmodSync(path.join(dir, f), 0o644);
    const again = await serve(dir);
    expect(again.output()).toMatch(/the data folder .* was readable by other users: made \d+ entries private to you/);
    expect([mode(dir), mode(path.join(dir, 'backups')), mode(path.join(dir, 'hearth.db'))]).toEqual([
      0o700, 0o700, 0o600,
    ]);
    expect(mode(path.join(dir, 'secret.key'))).toBe(0o600);
    expect(await apiCall<{ pools: { hasPassword: boolean }[] }>(again, 'mining-settings-get')).toMatchObject({
      pools: [{ hasPassword: true }],
    });
  });

  it('takes backup and restore names inside backups/ over the API; the CLI on the machine copies to and from other paths', async () => {
    const dir = folder();
    const elsewhere = folder();
    const s = await serve(dir);
    await apiCall(s, 'ledger-configure', { currency: 'EUR', timeZone: 'UTC', standingPerDay: '0.41', monthlyFee: '0' });
    const outside = path.join(elsewhere, 'copy.db');
    await expect(apiCall(s, 'ledger-backup', { file: outside })).rejects.toThrow(
      /is not a file name in the data folder's backups folder/,
    );
    await expect(apiCall(s, 'ledger-restore', { file: '../hearth.db' })).rejects.toThrow(
      /is not a file name in the data folder's backups folder/,
    );
    expect(fs.existsSync(outside)).toBe(false);

    const b = await runCli(['history', '--backup', outside, '--data-dir', dir]);
    expect(b.stderr).toBe('');
    expect(b.code).toBe(0);
    expect(b.stdout).toMatch(new RegExp(`Backed up the ledger to ${outside} .*integrity_check: ok.*a copy stays in`));
    expect(mode(outside)).toBe(0o600);

    await apiCall(s, 'ledger-configure', { currency: 'EUR', timeZone: 'UTC', standingPerDay: '0.99', monthlyFee: '0' });
    const r = await runCli(['history', '--restore', outside, '--data-dir', dir]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`Copied ${outside} into ${path.join(dir, 'backups')} as copy.db`);
    expect(r.stdout).toContain('The running Hearth uses it now.');
    expect(await apiCall<{ standingPerDay: string }>(s, 'ledger-settings')).toMatchObject({ standingPerDay: '0.41' });
    expect(fs.existsSync(outside)).toBe(true);
  });

  it('on a damaged ledger names the file, the latest backup and the command, which then brings Hearth back', async () => {
    const dir = folder();
    const s = await serve(dir);
    await apiCall(s, 'ledger-configure', { currency: 'EUR', timeZone: 'UTC', standingPerDay: '0.41', monthlyFee: '0' });
    const backup = await apiCall<{ file: string }>(s, 'ledger-backup', {});
    await s.stop();
    const ledger = path.join(dir, 'hearth.db');
    const garbage = Buffer.from('not a ledger any more\n'.repeat(4000));
    fs.writeFileSync(ledger, garbage);

    const failed = await runCli(['serve', '--port', '0', '--data-dir', dir]);
    expect(failed.code).not.toBe(0);
    const said = failed.stdout + failed.stderr;
    expect(said).toContain(`The ledger ${ledger} is damaged and Hearth cannot open it`);
    expect(said).toMatch(
      new RegExp(`The latest backup is ${backup.file} \\(written \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC\\)`),
    );
    const command = /`(hearth history --restore [^`]+)`/.exec(said)?.[1];
    expect(command).toBe(`hearth history --restore ${path.basename(backup.file)} --data-dir ${JSON.stringify(dir)}`);
    expect(said).not.toMatch(/^.*file is not a database\s*$/m);
    expect(fs.readFileSync(ledger)).toEqual(garbage);

    // The command it names, as printed.
    const restored = await runCli(['history', '--restore', path.basename(backup.file), '--data-dir', dir]);
    expect(restored.code).toBe(0);
    expect(restored.stdout).toContain('Hearth uses it when it starts');
    const kept = fs.readdirSync(path.join(dir, 'backups')).find((n) => n.endsWith('.db.damaged'));
    expect(kept && fs.readFileSync(path.join(dir, 'backups', kept))).toEqual(garbage);
    const back = await serve(dir);
    expect(await apiCall<{ standingPerDay: string }>(back, 'ledger-settings')).toMatchObject({
      standingPerDay: '0.41',
    });
  });
});
