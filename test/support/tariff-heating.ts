import type { Clock } from '#core/clock';
import { EventBus } from '#core/event';
import { Heating } from '#core/heating/service';
import { createHeatingStore, heatingMigrations } from '#core/heating/store';
import type { Db } from '#core/ledger/db';
import { plainSecretStore } from '#core/secret';
import { createSettings, settingMigrations } from '#core/setting';
import { Tariff } from '#core/tariff/service';
import { createPriceStore, tariffMigrations } from '#core/tariff/store';
import { quiet } from './quiet-log.ts';

/** The ledger tables the two domains below need. */
export const tariffHeatingMigrations = [...settingMigrations, ...tariffMigrations, ...heatingMigrations];

/**
 * The Tariff and the Heating that reads it, over one ledger, as their modules build them but
 * without the core: no network (every fetch fails), no timers, no refresh on start. `common` is
 * what both were given, for a domain a test builds on top of them.
 */
export function tariffAndHeating(db: Db, clock: Clock) {
  const settings = createSettings(
    db,
    () => clock.now(),
    () => undefined,
  );
  const events = new EventBus();
  const common = { settings, secrets: plainSecretStore, clock, log: quiet, events };
  const noNetwork = () => Promise.reject(new Error('no network in this test'));
  const tariff = new Tariff({ ...common, store: createPriceStore(db), io: { fetch: noNetwork }, cron: false });
  const heating = new Heating({
    ...common,
    store: createHeatingStore(db),
    tariff,
    hardware: null,
    fetch: noNetwork,
    pollMs: 3_600_000,
    cron: false,
    refreshOnStart: false,
  });
  return { common, settings, events, tariff, heating };
}
