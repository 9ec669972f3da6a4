import { describe, expect, it } from 'vitest';
import type { EventName, HeatingSettings } from '#contract/index';
import { systemClock } from '#core/clock';
import { openLedger, type Db } from '#core/ledger/db';
import { createSettings } from '#core/setting';
import { tariffSetting } from '#core/tariff/setting';
import { localToUtc } from '#core/time';
import { tariffAndHeating, tariffHeatingMigrations } from '../../../test/support/tariff-heating.ts';
import { tempDirs } from '../../../test/support/temp-dir.ts';
import type { Heating } from './service.ts';
import { defaultHeatingSettings, heatingSetting, thermostatSetting } from './setting.ts';

const TZ = 'Europe/Brussels';
const start = localToUtc(2024, 1, 10, 12, 0, TZ); // a Wednesday in January: 21 °C by the default schedule
const tmp = tempDirs('hearth-heating-service-');

const room = (patch: Partial<HeatingSettings> = {}): HeatingSettings => ({
  ...defaultHeatingSettings(),
  timeZone: TZ,
  room: { heatLossWPerK: 40, capacityWhPerK: 1000 },
  heatSource: { kind: 'heat-pump', cop: [{ outdoorC: 5, cop: 3 }] },
  ...patch,
});

function ledger(): Db {
  return openLedger(tmp(), tariffHeatingMigrations);
}

/** A Heating and the fixed-price Tariff it reads, over one ledger file, and the events they emit. */
function heating(db: Db, now: () => number) {
  const { heating: h, tariff, settings, events } = tariffAndHeating(db, { ...systemClock, now });
  const emitted: EventName[] = [];
  events.onAny((name) => emitted.push(name));
  return { h, tariff, settings, emitted };
}

describe('Heating, constructed without the core', () => {
  it("demands the room's heat loss at the fallback outdoor temperature for each tariff slot, credited at the heat pump's COP", () => {
    const db = ledger();
    const seed = createSettings(
      db,
      () => start,
      () => undefined,
    );
    seed.set(tariffSetting, {
      tariff: { kind: 'fixed', price: 0.3, currency: 'EUR' },
      charges: { perKWh: 0, tax: 0 },
      timeZone: TZ,
    });
    seed.set(heatingSetting, room());
    const { h, tariff } = heating(db, () => start);
    const slots = h.demandBetween(start, start + 6 * 3_600_000);
    expect(slots).toHaveLength(6);
    expect(slots).toEqual(h.demand(tariff.slots(start, start + 6 * 3_600_000)));
    // No location: 5 °C outside is assumed; 40 W/K × (21 − 5) K.
    expect(slots[0]).toMatchObject({ start, setpointC: 21, outdoorC: 5, demandW: 640, currency: 'EUR' });
    // Heat that displaces a COP-3 heat pump is worth a third of the electricity it would have used.
    expect(slots[0]!.creditPerKWh).toBeCloseTo(0.1, 12);
    expect(h.credit(slots[0]!, 640)).toBeCloseTo(0.064, 12);
    expect(h.thermal()).toBeNull();
    db.close();
  });

  it('steps the thermostat on a typed reading, tells listeners, and keeps the reading and the state across a restart', async () => {
    const db = ledger();
    let t = start;
    const first = heating(db, () => t);
    await first.h.configure(
      room({ mode: 'thermostat', thermostat: { hysteresisK: 0.5, minOnMin: 30, minOffMin: 20 } }),
    );
    let changes = 0;
    first.h.onChange(() => changes++);
    const reading = first.h.typedReading(20);
    expect(reading).toEqual({ c: 20, at: start, source: 'manual' });
    expect(changes).toBe(1);
    expect(first.emitted).toEqual(expect.arrayContaining(['indoor-reading', 'heating-sensor']));
    const current = (h: Heating) => h.demandBetween(start, start + 3_600_000)[0];
    expect(current(first.h)).toMatchObject({ indoorC: 20, demandW: 40 * 16, note: 'thermostat calls for heat' });
    expect(first.settings.get(thermostatSetting)).toEqual({ on: true, since: start });
    expect(first.h.sensors().indoor).toMatchObject({ kind: 'manual', state: 'ok', last: reading });

    // A new service over the same ledger ten minutes later: still on, within the minimum on time.
    t = start + 10 * 60_000;
    const again = heating(db, () => t);
    expect(again.h.indoor()).toEqual(reading);
    again.h.typedReading(22);
    expect(current(again.h)?.note).toBe('thermostat calls for heat');
    db.close();
  });

  it('gives the room model in thermal mode, with the last reading while it is fresh', async () => {
    const db = ledger();
    let t = start;
    const { h } = heating(db, () => t);
    await h.configure(
      room({ mode: 'thermal', heatSource: { kind: 'gas', pricePerKWh: 0.1, efficiency: 0.9, capacityW: 8000 } }),
    );
    expect(h.thermal()).toEqual({ uaWPerK: 40, capacityWhPerK: 1000, indoorC: null, sourceCapW: 8000 });
    h.typedReading(20.4);
    expect(h.thermal()?.indoorC).toBe(20.4);
    t += 31 * 60_000;
    expect(h.thermal()?.indoorC).toBeNull();
    db.close();
  });
});
