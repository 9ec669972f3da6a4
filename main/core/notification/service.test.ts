import { afterEach, describe, expect, it } from 'vitest';
import type { Notification } from '#contract/index';
import { EventBus } from '#core/event';
import { accountingMigrations } from '#core/ledger/accounting';
import { openLedger, type Db } from '#core/ledger/db';
import { Ledger } from '#core/ledger/service';
import { ledgerSetting } from '#core/ledger/setting';
import { TestClock } from '../../../test/support/test-clock.ts';
import { createSettings, settingMigrations } from '#core/setting';
import { quiet } from '../../../test/support/quiet-log.ts';
import { storeRawSetting } from '../../../test/support/setting-row.ts';
import { tempDirs } from '../../../test/support/temp-dir.ts';
import { Notifier } from './service.ts';
import { notificationSetting } from './setting.ts';
import { createNotificationStore, notificationMigrations } from './store.ts';

const MIN = 60_000;
const tmp = tempDirs('hearth-notification-service-');
const open: Db[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

/** A notifier and a real ledger on one SQLite file, the clock two minutes before midnight UTC. */
function setup() {
  const dataDir = tmp();
  const db = openLedger(dataDir, [...settingMigrations, ...accountingMigrations, ...notificationMigrations]);
  open.push(db);
  const clock = new TestClock(Date.UTC(2026, 0, 4, 23, 58));
  const settings = createSettings(
    db,
    () => clock.now(),
    () => undefined,
  );
  const events = new EventBus();
  const posted: Notification[] = [];
  events.on('notification', (n) => posted.push(n));
  const ledger = new Ledger({ db, settings, clock, log: quiet, events, dataDir, restart: null });
  const notifier = new Notifier({ store: createNotificationStore(db), settings, clock, events, ledger, checkMs: MIN });
  return { db, clock, settings, events, posted, ledger, notifier };
}

describe('Notifier, built without the core', () => {
  it("posts yesterday's summary from the ledger after midnight, stores every notice, and hears nothing once stopped", async () => {
    const t = setup();
    t.ledger.configure({ currency: 'EUR', timeZone: 'UTC', standingPerDay: '0', monthlyFee: '0' });
    t.notifier.configure({ ...t.notifier.settings(), dailySummary: true });
    // One quarter hour of mining on 4 January: 0.25 kWh at 0.30 EUR/kWh, 0.0025 EUR of heat credit, a little revenue.
    const csv = [
      'start_utc,end_utc,device,job,energy_kwh,energy_source,heat_kwh,heat_met_kwh,currency,price_per_kwh,cost,heat_credit,revenue_expected,revenue_credited,training_work,training_value',
      '2026-01-04T12:00:00.000Z,2026-01-04T12:15:00.000Z,cpu,mining,0.25,measured,0.25,0.1,EUR,0.3,0.075,0.0025,0.000000042,0,0,0',
    ].join('\n');
    expect(t.ledger.importCsv(csv)).toBe(1);
    t.notifier.start();
    // The check at 23:59 notes the day; the one at midnight finds it over.
    await t.clock.advanceTo(Date.UTC(2026, 0, 5, 0, 1));
    expect(t.posted.map((n) => n.kind)).toEqual(['daily-summary']);
    expect(t.posted[0]).toMatchObject({
      level: 'info',
      title: '2026-01-04: net -0.072499958 EUR',
      body: '0.250 kWh used, 0.100 kWh of heat met demand, cost 0.075 EUR, revenue 0.000000042 EUR, heat credit 0.0025 EUR.',
    });

    t.events.emit('mining-refused', { at: t.clock.now(), reason: 'invalid worker name' });
    expect(t.posted.at(-1)).toMatchObject({ kind: 'pool-refused', level: 'error', body: 'invalid worker name' });
    expect(t.notifier.list(10)).toEqual([...t.posted].reverse());
    expect(t.notifier.list(1)).toHaveLength(1);

    t.notifier.stop();
    t.events.emit('mining-refused', { at: t.clock.now(), reason: 'again' });
    await t.clock.advanceTo(Date.UTC(2026, 0, 6, 0, 1));
    expect(t.posted).toHaveLength(2);
  });

  it('tells of settings found invalid before it started, and of those found later', () => {
    const t = setup();
    storeRawSetting(t.db, ledgerSetting.key, '{not json', 2);
    storeRawSetting(
      t.db,
      notificationSetting.key,
      { maxTemperatureC: 500, poolUnreachableMin: 5, pricesExpectedBy: '14:00', dailySummary: false },
      2,
    );
    t.ledger.settings(); // found before the notifier listens
    t.notifier.start();
    expect(t.posted.map((n) => [n.kind, n.title])).toEqual([
      ['setting-invalid', 'The stored setting "ledger" could not be used'],
    ]);
    t.notifier.settings(); // found while it listens
    expect(t.posted.map((n) => n.title)).toEqual([
      'The stored setting "ledger" could not be used',
      'The stored setting "notification" could not be used',
    ]);
    expect(t.posted[1]?.body).toMatch(/^maxTemperatureC: .*setting_backup table, row 2\./);
    t.notifier.stop();
  });
});
