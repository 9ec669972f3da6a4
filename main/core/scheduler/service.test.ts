import { describe, expect, it } from 'vitest';
import { deviceId, jobId } from '#contract/id';
import { openLedger } from '#core/ledger/db';
import { plan } from '#workers/planner/plan';
import { tariffAndHeating, tariffHeatingMigrations } from '../../../test/support/tariff-heating.ts';
import { tempDirs } from '../../../test/support/temp-dir.ts';
import { createPlanEventStore, schedulerMigrations } from './events.ts';
import { createScheduling } from './service.ts';
import { TestClock } from '../../../test/support/test-clock.ts';

const tmp = tempDirs('hearth-scheduling-');

describe('the scheduler domain, constructed without the core', () => {
  it('plans 48 h of the tariff in process, records it, and refuses an override for a job the plan does not hold', async () => {
    const db = openLedger(tmp(), [...tariffHeatingMigrations, ...schedulerMigrations]);
    const clock = new TestClock(Date.UTC(2026, 0, 14, 10, 7));
    const { common, tariff, heating } = tariffAndHeating(db, clock);
    const s = createScheduling({
      ...common,
      store: createPlanEventStore(db),
      tariff,
      heating,
      hardware: null,
      mining: null,
      jobs: null,
      market: null,
      planner: plan,
      idle: null,
      processes: async () => [],
      battery: async () => null,
      cron: false,
    });
    try {
      await s.start();
      const { input } = await s.instance();
      // The default fixed tariff prices every hour; no devices without the hardware domain, no jobs without the job domain.
      expect(input.slots).toHaveLength(48);
      expect(input.slots[0]!.start).toBe(Date.UTC(2026, 0, 14, 10));
      expect(input.jobs).toEqual([]);
      expect(s.events(10).some((e) => e.kind === 'planned')).toBe(true);
      await expect(
        s.setOverride({
          kind: 'run',
          device: deviceId('cpu'),
          job: jobId('job:7'),
          level: 0,
          powerW: 1,
          until: clock.now() + 60_000,
        }),
      ).rejects.toThrow('override: there is no device "cpu"');
      await expect(s.setOverride({ kind: 'pause', until: clock.now() - 1 })).rejects.toThrow(
        'the override ends in the past',
      );
      expect(await s.setOverride({ kind: 'pause', until: clock.now() + 60_000 })).toMatchObject({
        override: { kind: 'pause' },
      });
      expect(s.state().override).toMatchObject({ kind: 'pause' });
    } finally {
      await s.stop();
    }
  });
});
