import path from 'node:path';
import Database from 'libsql';
import { describe, expect, it } from 'vitest';
import { dispatch } from '#core/handler';
import { preferenceModule } from '#core/preference/module';
import { preferenceSetting } from '#core/preference/setting';
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

  it('a domain acts on a foreign change of its own rows only, and its own writes do not make the next foreign write of anything look like one', async () => {
    const dataDir = cores.dir();
    const core = await cores.start({
      dataDir,
      modules: [preferenceModule(), tariffModule({ cron: false })],
      watchMs: 20,
    });
    const pushed: string[] = [];
    core.events.on('preferences-updated', (p) => pushed.push(p.temperatureUnit));
    // The core's own change: pushed once by the handler, never again by the watch.
    expect((await dispatch(core.handlers, 'preferences-set', { temperatureUnit: 'F' })).ok).toBe(true);
    expect(pushed).toEqual(['F']);
    const other = new Database(path.join(dataDir, LEDGER_FILE));
    try {
      // Counting the tariff's looks (listed after the preferences, so reloaded after them in the
      // same tick) shows the watch ran before the check.
      let looks = 0;
      const service = core.service('tariff') as unknown as { fingerprint(): string };
      const fingerprint = service.fingerprint.bind(service);
      service.fingerprint = () => {
        looks++;
        return fingerprint();
      };
      other.prepare(UPSERT_SETTING).run('unrelated', '{"step":1}', 1, new Date().toISOString());
      await when('the core looks at the foreign write', () => looks > 0);
      expect(pushed).toEqual(['F']);

      other
        .prepare(UPSERT_SETTING)
        .run(
          preferenceSetting.key,
          JSON.stringify({ temperatureUnit: 'C', energyUnit: 'auto', autostart: false, startMinimized: false }),
          preferenceSetting.version,
          new Date().toISOString(),
        );
      await when('preferences-updated for the foreign change', () => pushed.length === 2);
      expect(pushed).toEqual(['F', 'C']);
      expect(await core.handlers['preferences-get']({})).toMatchObject({ temperatureUnit: 'C' });
    } finally {
      other.close();
    }
  });
});
