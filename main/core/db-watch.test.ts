import path from 'node:path';
import Database from 'libsql';
import { describe, expect, it } from 'vitest';
import { dispatch } from '#core/handler';
import { tariffModule } from '#core/tariff/module';
import { LEDGER_FILE } from '#core/ledger/db';
import { UPSERT_SETTING } from '#core/setting';
import { testCores } from '../../test/support/core.ts';
import { when } from '../../test/support/until.ts';

const cores = testCores('hearth-db-watch-');

describe('watching for writes by another process', () => {
  it('reloads the tariff and tells pages when another connection changes the ledger, and never for its own writes', async () => {
    const dataDir = cores.dir();
    const core = await cores.start({ dataDir, modules: [tariffModule({ cron: false })], watchMs: 20 });
    const updates: { slots: number; status: { kind: string } }[] = [];
    core.events.on('price-update', (p) => updates.push(p));

    // The core's own write: its connection's data_version does not move, so no reload follows.
    const saved = await dispatch(core.handlers, 'tariff-configure', {
      tariff: { kind: 'fixed', price: 0.25, currency: 'EUR' },
      charges: { perKWh: 0, tax: 0 },
      timeZone: 'Europe/Brussels',
    });
    expect(saved.ok).toBe(true);
    const own = updates.length;
    // A second connection to the same file, as `hearth` in another process opens it.
    const other = new Database(path.join(dataDir, LEDGER_FILE));
    try {
      // Several ticks pass: an own write must not look like another's.
      await new Promise((r) => setTimeout(r, 200));
      expect(updates.length).toBe(own);
      // Another process writing something the tariff does not hold (a job's progress, say) changes
      // no price: the tariff looks, finds its state as it was, and stays quiet.
      // Counting the looks (the tariff's private fingerprint) shows the reload ran before the check.
      const reloads = { n: 0 };
      const service = core.service('tariff') as unknown as { fingerprint(): string };
      const look = service.fingerprint.bind(service);
      service.fingerprint = () => {
        reloads.n++;
        return look();
      };
      other.prepare(UPSERT_SETTING).run('unrelated', '{}', 1, new Date().toISOString());
      await when('the core looks at the foreign write', () => reloads.n > 0);
      expect(updates.length).toBe(own);

      other.prepare(UPSERT_SETTING).run(
        'tariff',
        JSON.stringify({
          tariff: { kind: 'csv', currency: 'EUR' },
          charges: { perKWh: 0, tax: 0 },
          timeZone: 'Europe/Brussels',
        }),
        1,
        new Date().toISOString(),
      );
      await when('the core reloads the tariff', () => updates.length > own);
      expect(updates.at(-1)?.status.kind).toBe('csv');
      const settings = await dispatch(core.handlers, 'tariff-settings', {});
      expect(settings).toMatchObject({ ok: true, result: { tariff: { kind: 'csv', currency: 'EUR' } } });
    } finally {
      other.close();
    }
  });
});
