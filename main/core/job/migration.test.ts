import { describe, expect, it } from 'vitest';
import { startCore } from '#core/app';
import { openLedger } from '#core/ledger/db';
import { settingMigrations } from '#core/setting';
import { quiet } from '../../../test/support/quiet-log.ts';
import { tempDirs } from '../../../test/support/temp-dir.ts';
import { allowProgram } from './allow-list.ts';
import { jobModule } from './module.ts';
import { jobMigrations } from './store.ts';

const tmp = tempDirs('hearth-jobmig-');

describe('job/2 migration', () => {
  it('keeps jobs stored under job/1 and reads them as cheapest slots, stopping at the deadline', async () => {
    const dir = tmp();
    const old = openLedger(dir, [...settingMigrations, jobMigrations[0]!]);
    old
      .prepare(
        'INSERT INTO job (name, kind, spec, state, devices, deadline, value_per_hour, done, total, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        'old job',
        'command',
        JSON.stringify({
          kind: 'command',
          command: ['true'],
          cwd: dir,
          resumeArgs: [],
          pauseMode: 'signal',
          progressFile: null,
          totalSteps: 10,
        }),
        'paused',
        '["cpu"]',
        1_800_000_000_000,
        0.5,
        4,
        10,
        1,
        2,
      );
    old.close();
    allowProgram(dir, 'true', 0);
    const core = await startCore({
      dataDir: dir,
      log: quiet,
      modules: [jobModule({ gpu: null, resumeOnStart: false })],
    });
    try {
      const [job] = await core.handlers['job-list']({});
      expect(job).toMatchObject({
        name: 'old job',
        state: 'paused',
        deadline: 1_800_000_000_000,
        valuePerHour: 0.5,
        mode: 'cheapest',
        runPastDeadline: false,
        progress: { done: 4, total: 10 },
      });
      const made = await core.handlers['job-create']({
        spec: { kind: 'command', command: ['true'], cwd: dir },
        mode: 'continuous',
        runPastDeadline: true,
        deadline: 1_800_000_000_000,
      });
      expect(made).toMatchObject({ mode: 'continuous', runPastDeadline: true });
      expect(() => core.db.prepare("UPDATE job SET mode = 'sometimes'").run()).toThrow(/CHECK/);
    } finally {
      await core.close();
    }
  });
});
