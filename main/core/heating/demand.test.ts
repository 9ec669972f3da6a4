import { describe, expect, it } from 'vitest';
import type { HeatingSettings, PriceSlot } from '#contract/index';
import { localToUtc } from '#core/time';
import { copAt, creditFor, creditPerKWh } from './credit.ts';
import { heatDemand, Thermostat } from './demand.ts';
import { defaultHeatingSettings } from './setting.ts';
import { inSeason, setpointAt } from './schedule.ts';

const TZ = 'Europe/Brussels';
const at = (d: number, h: number, m = 0) => localToUtc(2024, 1, d, h, m, TZ); // 2024-01-01 is a Monday

function settings(patch: Partial<HeatingSettings> = {}): HeatingSettings {
  return {
    ...defaultHeatingSettings(),
    timeZone: TZ,
    season: { kind: 'always' },
    room: { heatLossWPerK: 50, capacityWhPerK: 1000 },
    ...patch,
  };
}

function hourly(from: number, n: number, price = 0.3): PriceSlot[] {
  return Array.from({ length: n }, (_, i) => ({
    start: from + i * 3_600_000,
    end: from + (i + 1) * 3_600_000,
    price,
    spot: null,
    currency: 'EUR',
  }));
}

describe('schedule and season', () => {
  it('holds the last setpoint overnight and across an empty day', () => {
    const s = defaultHeatingSettings().schedule; // weekdays 06:30 21 °C, 22:30 17 °C
    expect(setpointAt(s, at(2, 6, 29), TZ)).toBe(17);
    expect(setpointAt(s, at(2, 6, 30), TZ)).toBe(21);
    expect(setpointAt(s, at(2, 23), TZ)).toBe(17);
    const sparse = [[{ at: '07:00', c: 20 }], [], [], [], [], [], []];
    expect(setpointAt(sparse, at(4, 12), TZ)).toBe(20); // Thursday: Monday's setting still holds
    expect(setpointAt([[], [], [], [], [], [], []], at(4, 12), TZ)).toBeNull();
  });

  it('knows a season that wraps the new year, and one by outdoor temperature', () => {
    const winter = { kind: 'dates' as const, from: '10-01', to: '04-30' };
    expect(inSeason(winter, Date.parse('2024-01-15T12:00:00Z'), TZ, null)).toBe(true);
    expect(inSeason(winter, Date.parse('2024-04-30T12:00:00Z'), TZ, null)).toBe(true);
    expect(inSeason(winter, Date.parse('2024-07-15T12:00:00Z'), TZ, null)).toBe(false);
    expect(inSeason({ kind: 'outdoor-below', c: 15 }, 0, TZ, 12)).toBe(true);
    expect(inSeason({ kind: 'outdoor-below', c: 15 }, 0, TZ, 16)).toBe(false);
  });
});

describe('heat credit', () => {
  const slot = { price: 0.3, currency: 'EUR' };
  it('prices displaced heat by source', () => {
    expect(creditPerKWh({ kind: 'gas', pricePerKWh: 0.09, efficiency: 0.9 }, slot, 5, 'EUR').value).toBeCloseTo(
      0.1,
      12,
    );
    expect(creditPerKWh({ kind: 'oil', pricePerKWh: 0.12, efficiency: 0.8 }, slot, 5, 'EUR').value).toBeCloseTo(
      0.15,
      12,
    );
    expect(creditPerKWh({ kind: 'district', pricePerKWh: 0.11 }, slot, 5, 'EUR').value).toBe(0.11);
    expect(creditPerKWh({ kind: 'resistive' }, slot, 5, 'EUR').value).toBe(0.3);
    expect(creditPerKWh({ kind: 'resistive' }, { price: -0.05, currency: 'EUR' }, 5, 'EUR').value).toBe(0);
    expect(creditPerKWh({ kind: 'none' }, slot, 5, 'EUR').value).toBe(0);
    const cop = [
      { outdoorC: -7, cop: 2.5 },
      { outdoorC: 7, cop: 3.5 },
    ];
    expect(copAt(cop, 0)).toBeCloseTo(3, 12);
    expect(copAt(cop, -20)).toBe(2.5);
    expect(copAt(cop, 20)).toBe(3.5);
    const hp = creditPerKWh({ kind: 'heat-pump', cop }, slot, 0, 'GBP');
    expect(hp.value).toBeCloseTo(0.1, 12);
    expect(hp.currency).toBe('EUR'); // the electricity it would have used is priced by the tariff
  });

  it('counts only heat up to demand', () => {
    const [s] = heatDemand(settings({ heatSource: { kind: 'district', pricePerKWh: 0.2 } }), hourly(at(2, 12), 1), {
      now: at(2, 12),
      indoor: null,
      outdoorAt: () => 1,
      thermostatOn: false,
    });
    expect(s!.demandW).toBe(1000); // 50 W/K × (21 − 1) K
    expect(creditFor(s!, 400)).toBeCloseTo(0.08, 12); // 0.4 kWh × 0.2
    expect(creditFor(s!, 2500)).toBeCloseTo(0.2, 12); // capped at 1 kWh
  });
});

describe('heat demand', () => {
  const inputs = {
    now: at(2, 12),
    indoor: null,
    outdoorAt: (ms: number) => (ms < at(2, 18) ? 5 : -5),
    thermostatOn: false,
  };

  it('schedule mode: UA × (setpoint − outdoor), zero when off or out of season', () => {
    const slots = heatDemand(settings({ mode: 'schedule' }), hourly(at(2, 4), 20), inputs);
    const by = (h: number) => slots.find((s) => s.start === at(2, h))!;
    expect(by(5).demandW).toBe(50 * (17 - 5));
    expect(by(12).demandW).toBe(50 * (21 - 5));
    expect(by(20).demandW).toBe(50 * (21 + 5));
    expect(by(12).note).toBeNull();
    expect(heatDemand(settings({ mode: 'off' }), hourly(at(2, 12), 1), inputs)[0]).toMatchObject({
      demandW: 0,
      note: 'heating is off',
    });
    const summer = settings({ season: { kind: 'dates', from: '10-01', to: '12-31' } });
    expect(heatDemand(summer, hourly(at(2, 12), 1), inputs)[0]).toMatchObject({ demandW: 0, note: 'out of season' });
    const noForecast = heatDemand(settings({ fallbackOutdoorC: 11 }), hourly(at(2, 12), 1), {
      ...inputs,
      outdoorAt: () => null,
    });
    expect(noForecast[0]).toMatchObject({ demandW: 50 * 10, outdoorC: 11 });
  });

  it('predictive mode adds the shortfall to the first slot and coasts on a surplus', () => {
    const cold = heatDemand(settings({ mode: 'predictive' }), hourly(at(2, 12), 3), {
      ...inputs,
      indoor: { c: 19, at: at(2, 12), source: 'manual' },
    });
    expect(cold.map((s) => s.demandW)).toEqual([800 + 2000, 800, 800]);
    const warm = heatDemand(settings({ mode: 'predictive' }), hourly(at(2, 12), 3), {
      ...inputs,
      indoor: { c: 22.2, at: at(2, 12), source: 'manual' },
    });
    // 1,200 Wh stored above 21 °C: covers the first 800 Wh slot and half the next.
    expect(warm[0]!.demandW).toBe(0);
    expect(warm[1]!.demandW).toBeCloseTo(400, 9);
    expect(warm[2]!.demandW).toBe(800);
    expect(warm[0]!.note).toBe('coasting on stored warmth');
    // A stale reading is ignored.
    const stale = heatDemand(settings({ mode: 'predictive' }), hourly(at(2, 12), 1), {
      ...inputs,
      indoor: { c: 15, at: at(2, 10), source: 'manual' },
    });
    expect(stale[0]!.demandW).toBe(800);
  });

  it('predictive mode heats the room mass up when the setpoint rises', () => {
    const slots = heatDemand(settings({ mode: 'predictive' }), hourly(at(2, 5), 3), {
      ...inputs,
      now: at(2, 5),
      outdoorAt: () => 5,
    });
    // 05:00 at 17 °C, 06:30 the setpoint becomes 21 °C (slot starting 07:00 sees it).
    expect(slots.map((s) => s.setpointC)).toEqual([17, 17, 21]);
    expect(slots[2]!.demandW).toBe(800 + 1000 * 4);
  });

  it('thermostat mode follows the call for heat in the current slot only', () => {
    const s = settings({ mode: 'thermostat' });
    const reading = { c: 20, at: at(2, 12), source: 'mqtt' as const };
    const on = heatDemand(s, hourly(at(2, 12), 2), { ...inputs, indoor: reading, thermostatOn: true });
    expect(on.map((x) => x.demandW)).toEqual([800, 800]);
    const off = heatDemand(s, hourly(at(2, 12), 2), { ...inputs, indoor: reading, thermostatOn: false });
    expect(off[0]).toMatchObject({ demandW: 0, note: 'thermostat satisfied', indoorC: 20 });
    expect(off[1]!.demandW).toBe(800);
  });
});

describe('thermostat', () => {
  const cfg = { hysteresisK: 1, minOnMin: 10, minOffMin: 5 };
  it('switches at the band edges and respects minimum on and off times', () => {
    const t = new Thermostat();
    const m = (n: number) => n * 60_000;
    expect(t.update(m(0), 20.6, 21, cfg)).toBe(false); // inside the band, starts off
    expect(t.update(m(1), 20.4, 21, cfg)).toBe(false); // off for 1 min < 5 min minimum
    expect(t.update(m(5), 20.4, 21, cfg)).toBe(true);
    expect(t.update(m(6), 21.6, 21, cfg)).toBe(true); // on for 1 min < 10 min minimum
    expect(t.update(m(15), 21.4, 21, cfg)).toBe(true); // inside the band: stays on
    expect(t.update(m(16), 21.6, 21, cfg)).toBe(false);
  });
});
