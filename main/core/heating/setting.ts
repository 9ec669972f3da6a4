import { z } from 'zod';
import { heatingSettingsSchema, type HeatingSettings, type IndoorSource } from '#contract/index';
import type { SecretField } from '#core/secret';
import { defineSetting } from '#core/setting';
import { systemTimeZone } from '#core/time';
import type { ThermostatState } from './demand.ts';

export function defaultHeatingSettings(): HeatingSettings {
  const weekday = [
    { at: '06:30', c: 21 },
    { at: '22:30', c: 17 },
  ];
  const weekend = [
    { at: '08:00', c: 21 },
    { at: '23:00', c: 17 },
  ];
  return {
    mode: 'schedule',
    schedule: [weekday, weekday, weekday, weekday, weekday, weekend, weekend],
    season: { kind: 'dates', from: '10-01', to: '04-30' },
    thermostat: { hysteresisK: 0.5, minOnMin: 10, minOffMin: 10 },
    // A well-insulated 20 m² room loses roughly 60 W per kelvin; the user should enter theirs.
    room: { heatLossWPerK: 60, capacityWhPerK: 1500 },
    indoor: { kind: 'manual' },
    location: null,
    fallbackOutdoorC: 5,
    heatSource: { kind: 'gas', pricePerKWh: 0.1, efficiency: 0.9 },
    currency: 'EUR',
    timeZone: systemTimeZone(),
  };
}

export const heatingSetting = defineSetting<HeatingSettings>({
  key: 'heating',
  schema: heatingSettingsSchema,
  default: defaultHeatingSettings,
  defaultDoc:
    "schedule mode, 21 °C from 06:30 (08:00 at weekends) to 22:30 (23:00), 17 °C at night, October to April; gas at 0.10 EUR/kWh; the system's time zone (see heating/setting.ts)",
  version: 1,
  since: '0.1.0',
  // An indoor source saved before its checks were tightened: the rest of the settings stay.
  salvage: (v) => (typeof v === 'object' && v !== null ? { ...v, indoor: { kind: 'manual' } } : v),
  doc: 'Heating: mode (schedule, thermostat, thermal), the weekly setpoints, season, thermostat, room model, indoor source (its token or password sealed), location, fallback outdoor temperature, the home heat source and its price.',
});

/** The indoor source's token (Home Assistant) or password (MQTT). */
export const indoorSecret: SecretField<IndoorSource> = {
  name: (src) => (src.kind === 'home-assistant' ? 'token' : 'password'),
  get: (src) => (src.kind === 'home-assistant' ? src.token : src.kind === 'mqtt' && src.password ? src.password : null),
  set: (src, value) =>
    src.kind === 'home-assistant' ? { ...src, token: value } : src.kind === 'mqtt' ? { ...src, password: value } : src,
};

/** The same field reached through the whole settings value. */
export const heatingSecret: SecretField<HeatingSettings> = {
  name: (s) => indoorSecret.name(s.indoor),
  get: (s) => indoorSecret.get(s.indoor),
  set: (s, value) => ({ ...s, indoor: indoorSecret.set(s.indoor, value) }),
};

export const thermostatSetting = defineSetting<ThermostatState>({
  key: 'heating.thermostat',
  schema: z.object({ on: z.boolean(), since: z.number().finite().nullable() }).strict(),
  default: () => ({ on: false, since: null }),
  version: 1,
  since: '0.1.0',
  internal: true,
  doc: "The thermostat's on/off state and when it last switched, kept across restarts so minimum on and off times hold.",
});
