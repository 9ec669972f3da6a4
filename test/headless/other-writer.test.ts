import path from 'node:path';
import Database from 'libsql';
import { describe, expect, it } from 'vitest';
import {
  deviceId,
  type HeatingSettings,
  type Job,
  type MarketStatus,
  type Plan,
  type Preferences,
  type PriceSlot,
  type RunModes,
  type TariffSettings,
  type TariffStatus,
} from '#contract/index';
import { heatingSetting } from '#core/heating/setting';
import { createJobStore } from '#core/job/store';
import { marketSetting } from '#core/market/setting';
import { preferenceSetting } from '#core/preference/setting';
import { modesSetting } from '#core/scheduler/setting';
import { UPSERT_SETTING } from '#core/setting';
import { apiCall as call, listen, until } from './harness.ts';
import { perTest } from './per-test.ts';

const { folder, serve } = perTest('hearth-other-writer-');

describe('a running server and another process writing to its ledger', () => {
  it('sees prices and a tariff another process stored, and pushes price-update to open pages', async () => {
    const dataDir = folder();
    const s = await serve(dataDir);
    expect((await call<TariffSettings>(s, 'tariff-settings')).tariff.kind).toBe('fixed');
    const { events, close } = await listen(s);

    // This test process is the other writer: its own connection to the server's SQLite file, as a
    // `hearth` command that opened the folder directly, stores three hours of prices from now on
    // and switches the tariff to them, in one transaction.
    const hour = 3_600_000;
    const start = Math.floor(Date.now() / hour) * hour;
    const db = new Database(path.join(dataDir, 'hearth.db'));
    try {
      const put = db.prepare(
        'INSERT OR REPLACE INTO price_slot (source, start, end, spot, currency, fetched_at) VALUES (?, ?, ?, ?, ?, ?)',
      );
      db.exec('BEGIN');
      for (const [i, spot] of [0.11, 0.05, 0.2].entries())
        put.run('csv', start + i * hour, start + (i + 1) * hour, spot, 'EUR', Date.now());
      const tariff: TariffSettings = {
        tariff: { kind: 'csv', currency: 'EUR' },
        charges: { perKWh: 0, tax: 0 },
        timeZone: 'Europe/Brussels',
      };
      db.prepare(UPSERT_SETTING).run('tariff', JSON.stringify(tariff), 1, new Date().toISOString());
      db.exec('COMMIT');
    } finally {
      db.close();
    }

    // The page hears of it without asking: a price-update with the new tariff's status.
    const update = await until(
      'a price-update after the other process wrote',
      () =>
        events.find((e) => e.event === 'price-update' && (e.payload as { status: TariffStatus }).status.kind === 'csv'),
      (e) => e !== undefined,
    );
    expect((update?.payload as { status: TariffStatus }).status.state).toBe('ok');
    close();
    expect((await call<TariffSettings>(s, 'tariff-settings')).tariff).toEqual({ kind: 'csv', currency: 'EUR' });
    const slots = await call<PriceSlot[]>(s, 'tariff-slots', { from: start, to: start + 3 * hour });
    expect(slots.map((x) => x.price)).toEqual([0.11, 0.05, 0.2]);
  });

  it('sees heating settings, a run mode and a job another process stored, pushes their events, and pushes nothing for a write none of them holds', async () => {
    const dataDir = folder();
    const s = await serve(dataDir);
    const { events, close } = await listen(s);
    // The first plan is made: what follows is what the other process's writes caused.
    await until(
      'the first plan',
      () => call<{ plan: Plan | null }>(s, 'plan-get'),
      (st) => st.plan !== null,
    );
    const db = new Database(path.join(dataDir, 'hearth.db'));
    const put = (key: string, value: unknown, version: number) =>
      db.prepare(UPSERT_SETTING).run(key, JSON.stringify(value), version, new Date().toISOString());
    const after = (from: number, name: string) => events.slice(from).filter((e) => e.event === name);
    try {
      // 1. A write no domain holds (as a `hearth train` storing its progress): nothing is pushed.
      // A change of the preferences right after it is the marker: once its event is here, the
      // server has looked at both writes.
      let mark = events.length;
      const t0 = Date.now();
      put('unrelated.progress', { step: 41 }, 1);
      const prefs = await call<Preferences>(s, 'preferences-get');
      put(preferenceSetting.key, { ...prefs, temperatureUnit: 'F' }, preferenceSetting.version);
      await until(
        'preferences-updated after the other process wrote',
        () => after(mark, 'preferences-updated'),
        (e) => e.some((x) => (x.payload as Preferences).temperatureUnit === 'F'),
      );
      const quiet = [
        'run-modes-changed',
        'heating-sensor',
        'job-state',
        'price-update',
        'market-update',
        'presence-changed',
      ];
      expect(events.slice(mark).filter((e) => quiet.includes(e.event))).toEqual([]);
      // A new plan is made at each quarter-hour anyway: only when none began meanwhile does its absence show anything.
      const slot = 900_000;
      if (Math.floor(t0 / slot) === Math.floor(Date.now() / slot)) expect(after(mark, 'plan-updated')).toEqual([]);
      expect((await call<Preferences>(s, 'preferences-get')).temperatureUnit).toBe('F');

      // 2. Heating settings saved by the other process: the API answers them, pages hear of it
      // and the scheduler plans again.
      mark = events.length;
      const row = db.prepare('SELECT value FROM setting WHERE key = ?').get(heatingSetting.key) as
        { value: string } | undefined;
      const heating = row
        ? (JSON.parse(row.value) as HeatingSettings)
        : await call<HeatingSettings>(s, 'heating-settings');
      const changed: HeatingSettings = {
        ...heating,
        room: { ...heating.room, heatLossWPerK: heating.room.heatLossWPerK + 37 },
      };
      put(heatingSetting.key, changed, heatingSetting.version);
      await until(
        'heating-sensor and plan-updated after the heating settings changed elsewhere',
        () => [after(mark, 'heating-sensor').length, after(mark, 'plan-updated').length],
        ([sensor, plan]) => sensor! > 0 && plan! > 0,
      );
      expect((await call<HeatingSettings>(s, 'heating-settings')).room.heatLossWPerK).toBe(
        heating.room.heatLossWPerK + 37,
      );

      // 3. A run mode set by the other process: run-modes-changed with it, and the API answers it.
      mark = events.length;
      const modes: RunModes = { devices: { [deviceId('cpu')]: 'off' }, jobs: {} };
      put(modesSetting.key, modes, modesSetting.version);
      const pushed = await until(
        'run-modes-changed after the other process set a mode',
        () => after(mark, 'run-modes-changed'),
        (e) => e.length > 0,
      );
      expect(pushed[0]!.payload).toEqual(modes);
      expect(await call<RunModes>(s, 'run-modes-get')).toEqual(modes);

      // 4. A BTC price entered by the other process (`hearth market --btc-price`): market-update with it.
      mark = events.length;
      put(
        marketSetting.key,
        {
          currency: 'EUR',
          btcPrice: { value: 61_234, at: Date.now() },
          difficulty: null,
          feesBtc: 0.05,
          poolFee: 0.02,
        },
        marketSetting.version,
      );
      await until(
        'market-update with the price entered elsewhere',
        () => after(mark, 'market-update'),
        (e) => e.some((x) => (x.payload as MarketStatus).btcPrice.value === 61_234),
      );
      expect((await call<MarketStatus>(s, 'market-status')).btcPrice.value).toBe(61_234);

      // 5. A job the other process created: job-state for it, and the queue lists it.
      mark = events.length;
      const job = createJobStore(db).create(
        {
          name: 'made elsewhere',
          spec: { kind: 'train', steps: 500, threads: 1, hidden: 16, batchSize: 16 } as Job['spec'],
          devices: [deviceId('cpu')],
          deadline: null,
          valuePerHour: null,
          mode: 'cheapest',
          runPastDeadline: false,
          total: 500,
        },
        Date.now(),
      );
      await until(
        'job-state for the job made elsewhere',
        () => after(mark, 'job-state'),
        (e) => e.some((x) => (x.payload as { id: number }).id === job.id),
      );
      expect((await call<Job[]>(s, 'job-list')).map((j) => j.name)).toContain('made elsewhere');
    } finally {
      db.close();
      close();
    }
  });
});
