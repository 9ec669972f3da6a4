import Database from 'libsql';
import { afterEach, describe, expect, it } from 'vitest';
import { startCore, type Core } from '#core/app';
import { hardwareModule } from '#core/hardware/module';
import { jobModule } from '#core/job/module';
import { ledgerModule } from '#core/ledger/module';
import { miningModule } from '#core/mining/module';
import { quiet } from '../support/quiet-log.ts';
import { easyPool, type TestPool } from '../support/stratum-pool.ts';
import { tempDirs } from '../support/temp-dir.ts';
import { until } from './harness.ts';

const tmp = tempDirs('hearth-backup-live-');
const open: { core: Core; pool: TestPool }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.core.close();
    await o.pool.close();
  }
});

describe('ledger backup while mining and training run', () => {
  it('gives a copy that passes integrity_check and holds the shares and the training progress written so far', async () => {
    const dir = tmp();
    const pool = await easyPool();
    const core = await startCore({
      dataDir: dir,
      log: quiet,
      modules: [hardwareModule(), miningModule(), jobModule({ gpu: null, pollMs: 20 }), ledgerModule()],
    });
    open.push({ core, pool });
    const h = core.handlers;
    await h['mining-settings-set']({ pools: [{ url: pool.url, user: 'alice.rig', password: 'x' }] });
    await h['mining-start']({});
    const job = await h['job-create']({
      spec: { kind: 'train', hidden: 32, batchSize: 16, checkpointEvery: 10, steps: 100_000, threads: 1 },
      start: true,
    });
    await until(
      'accepted shares',
      () => h['mining-status']({}),
      (s) => s.totals.accepted > 0,
      60_000,
    );
    await until(
      'training steps past a checkpoint',
      () => h['job-get']({ id: job.id }),
      (j) => j.progress.done >= 20,
      60_000,
    );

    const backups: { file: string; integrity: string }[] = [];
    for (let i = 0; i < 3; i++) backups.push(await h['ledger-backup']({}));
    // Both kinds of work were still running while the copies were taken.
    expect((await h['job-get']({ id: job.id })).state).toBe('running');
    expect((await h['mining-status']({})).running).toBe(true);

    let lastSteps = 0;
    for (const b of backups) {
      expect(b.integrity).toBe('ok');
      const copy = new Database(b.file, { readonly: true });
      try {
        expect((copy.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check).toBe(
          'ok',
        );
        const shares = (copy.prepare('SELECT COUNT(*) AS n FROM mining_share').get() as { n: number }).n;
        const { n: losses, s: steps } = copy
          .prepare('SELECT COUNT(*) AS n, MAX(step) AS s FROM job_loss WHERE job_id = ?')
          .get(job.id) as { n: number; s: number };
        expect(shares).toBeGreaterThan(0);
        expect(losses).toBeGreaterThan(0);
        // Each later copy holds at least as much training as the one before: copies are of one moment, in order.
        expect(steps).toBeGreaterThanOrEqual(lastSteps);
        lastSteps = steps;
      } finally {
        copy.close();
      }
    }
  }, 120_000);
});
