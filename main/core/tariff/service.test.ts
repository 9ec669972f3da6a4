import { describe, expect, it } from 'vitest';
import type { EventName, TariffSettings } from '#contract/index';
import { systemClock } from '#core/clock';
import { EventBus } from '#core/event';
import { openLedger } from '#core/ledger/db';
import { plainSecretStore } from '#core/secret';
import { createSettings, settingMigrations } from '#core/setting';
import { quiet } from '../../../test/support/quiet-log.ts';
import { tempDirs } from '../../../test/support/temp-dir.ts';
import { ProviderError } from './adapter/types.ts';
import { Tariff, TariffCheckFailed } from './service.ts';
import { tariffSetting } from './setting.ts';
import { createPriceStore, tariffMigrations } from './store.ts';
import { localToUtc } from '#core/time';

const TZ = 'Europe/Brussels';
const now = localToUtc(2024, 1, 10, 12, 0, TZ);
const tmp = tempDirs('hearth-tariff-service-');

/** A Tariff over its own ledger file, as the module builds it but without the core. */
function tariff(
  stored?: TariffSettings,
  fetch: typeof globalThis.fetch = () => Promise.reject(new Error('no network in this test')),
) {
  const db = openLedger(tmp(), [...settingMigrations, ...tariffMigrations]);
  const settings = createSettings(
    db,
    () => now,
    () => undefined,
  );
  if (stored) settings.set(tariffSetting, stored);
  const events = new EventBus();
  const emitted: EventName[] = [];
  events.onAny((name) => emitted.push(name));
  const t = new Tariff({
    store: createPriceStore(db),
    settings,
    secrets: plainSecretStore,
    clock: { ...systemClock, now: () => now },
    log: quiet,
    events,
    io: { fetch },
    cron: false,
  });
  return { t, db, settings, emitted };
}

describe('Tariff, constructed without the core', () => {
  it('gives hourly slots at a stored fixed price, and its charges', () => {
    const charges = { perKWh: 0.05, tax: 0.2 };
    const { t, db } = tariff({ tariff: { kind: 'fixed', price: 0.27, currency: 'EUR' }, charges, timeZone: TZ });
    const day = localToUtc(2024, 1, 10, 0, 0, TZ);
    const slots = t.slots(day, day + 86_400_000);
    expect(slots).toHaveLength(24);
    expect(slots.every((s) => s.price === 0.27 && s.end - s.start === 3_600_000 && s.currency === 'EUR')).toBe(true);
    expect(t.charges()).toEqual(charges);
    expect(t.status()).toMatchObject({ kind: 'fixed', state: 'ok' });
    db.close();
  });

  it('prices an imported file with charges and tax, tells listeners, and stores nothing from a bad file', async () => {
    const { t, db, emitted } = tariff();
    await t.configure({ tariff: { kind: 'csv', currency: 'EUR' }, charges: { perKWh: 0.1, tax: 0.5 }, timeZone: TZ });
    expect(t.status()).toMatchObject({ kind: 'csv', state: 'error' });
    const updates: { from: number; to: number }[] = [];
    t.onUpdate((r) => updates.push(r));
    const result = await t.importCsv('start_utc,eur_per_kwh\n2024-01-10T00:00:00Z,0.2\n2024-01-10T01:00:00Z,0.4\n', {});
    expect(result).toMatchObject({ slots: 2, resolution: 60, currency: 'EUR', min: 0.2, max: 0.4 });
    const at = Date.parse('2024-01-10T00:00:00Z');
    expect(updates).toEqual([{ from: at, to: at + 2 * 3_600_000 }]);
    expect(emitted.filter((e) => e === 'price-update')).toHaveLength(2); // the save, then the import
    const slots = t.slots(at, at + 2 * 3_600_000);
    expect(slots.map((s) => s.spot)).toEqual([0.2, 0.4]);
    expect(slots[0]!.price).toBeCloseTo((0.2 + 0.1) * 1.5, 12);
    expect(slots[1]!.price).toBeCloseTo((0.4 + 0.1) * 1.5, 12);
    // Both slots end before now (12:00): no prices for the live plan, and the status says so.
    expect(t.status()).toMatchObject({
      state: 'error',
      reason: expect.stringMatching(
        /^The imported prices end 2024-01-10, before now: the live plan has no prices/,
      ) as unknown,
    });
    expect(result).toMatchObject({ inUse: true, reachesNow: false });
    const reaching = await t.importCsv(
      'start_utc,eur_per_kwh\n2024-01-10T12:00:00Z,0.2\n2024-01-10T13:00:00Z,0.4\n',
      {},
    );
    expect(reaching.message).toBe(`covers 2024-01-10 – 2024-01-10 (${TZ}); the live plan uses these prices`);
    expect(t.status().state).toBe('ok');
    await expect(
      t.importCsv('start_utc,eur_per_kwh\n2024-01-10T00:00:00Z,9\n2024-01-10T01:00:00Z,x\n', {}),
    ).rejects.toThrow(/line 3/);
    expect(t.slots(at, at + 2 * 3_600_000)).toEqual(slots);
    db.close();
  });

  it('adds an imported file beside a live fixed tariff (backtests read it) unless asked to use it as the tariff', async () => {
    const { t, db } = tariff();
    await t.configure({
      tariff: { kind: 'fixed', price: 0.3, currency: 'EUR' },
      charges: { perKWh: 0.1, tax: 0 },
      timeZone: TZ,
    });
    const csv = 'start_utc,eur_per_kwh\n2023-06-01T00:00:00Z,0.05\n2023-06-01T01:00:00Z,0.07\n';
    const added = await t.importCsv(csv, {});
    expect(added).toMatchObject({ inUse: false, reachesNow: false });
    expect(added.message).toBe(
      `covers 2023-06-01 – 2023-06-01 (${TZ}); ends before today, so the live plan does not use it; kept for backtests`,
    );
    expect(t.current().tariff.kind).toBe('fixed');
    expect(t.status()).toMatchObject({ kind: 'fixed', state: 'ok' });
    const june = Date.parse('2023-06-01T00:00:00Z');
    // The live tariff prices June at its fixed price; a backtest gets the imported spot prices, charges added.
    expect(t.slots(june, june + 3_600_000)[0]?.price).toBe(0.3);
    const past = t.history(june, june + 2 * 3_600_000);
    expect(past.source).toBe('the imported price file');
    expect(past.slots.map((s) => s.price)).toEqual(
      [0.05 + 0.1, 0.07 + 0.1].map((p) => expect.closeTo(p, 12) as unknown),
    );
    expect(t.history(june - 86_400_000, june).slots).toEqual([]);
    const switched = await t.importCsv(csv, {}, true);
    expect(switched.inUse).toBe(true);
    expect(t.current().tariff).toEqual({ kind: 'csv', currency: 'EUR' });
    db.close();
  });

  it('keeps the previous tariff when the provider refuses the token, and says so as a check failure', async () => {
    const fixed: TariffSettings = {
      tariff: { kind: 'fixed', price: 0.3, currency: 'EUR' },
      charges: { perKWh: 0, tax: 0 },
      timeZone: TZ,
    };
    const { t, db, settings } = tariff(
      fixed,
      async () => new Response('Unauthorized', { status: 401, headers: { 'content-type': 'text/plain' } }),
    );
    const err = await t
      .configure({
        tariff: { kind: 'entsoe', zone: '10YBE----------2', token: 'wrong' },
        charges: { perKWh: 0, tax: 0 },
        timeZone: TZ,
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TariffCheckFailed);
    const failure = (err as TariffCheckFailed).failure;
    expect(failure).toBeInstanceOf(ProviderError);
    expect((failure as ProviderError).auth).toBe(true);
    expect(t.current()).toEqual(fixed);
    expect(settings.get(tariffSetting)).toEqual(fixed);
    db.close();
  });
});
