import { z } from 'zod';
import { currencyCode, ianaZone } from './common.ts';
import { SETPOINT_MAX_C, SETPOINT_MIN_C } from './defaults.ts';
import type { HeatSource } from './heat-source.ts';
import type { ArgSchemas, Handler } from './rpc.ts';

/**
 * A setpoint change: from `at` ("HH:MM", the heating settings' time zone) the room should be `c` °C.
 * In thermal mode `c` is the comfort band's lower bound and `maxC` its upper bound (absent:
 * `c` + {@link DEFAULT_BAND_K} K): the planner may pre-heat the room up to `maxC` while power is cheap.
 */
export type Setpoint = { at: string; c: number; maxC?: number };

/**
 * The weekly schedule, like a thermostat's: index 0 is Monday … 6 Sunday. A day's first setpoint
 * applies from its time; before it, the previous day's last setpoint still holds.
 */
export type WeekSchedule = Setpoint[][];

/** When heating is wanted at all: between two dates each year, or whenever it is colder outside than X. */
export type HeatingSeason =
  { kind: 'always' } | { kind: 'dates'; from: string; to: string } | { kind: 'outdoor-below'; c: number };

/**
 * off: no heat demand. schedule: demand from the setpoint and outdoor temperature alone.
 * thermostat: the indoor sensor switches demand with hysteresis and minimum on/off times.
 * predictive: outdoor forecast per slot plus recovery of the current indoor shortfall.
 * thermal: plan the room: the planner keeps the forecast indoor temperature in each schedule
 * entry's comfort band (`c` to `maxC`), choosing the computers' and the heat source's output per
 * slot, and pre-heats while power is cheap (heating.md, "Thermal mode").
 */
export type HeatingMode = 'off' | 'schedule' | 'thermostat' | 'predictive' | 'thermal';

/** Where the indoor temperature comes from. Tokens are stored sealed and returned masked. */
export type IndoorSource =
  | { kind: 'manual' }
  | { kind: 'home-assistant'; url: string; token: string; entityId: string }
  /** `jsonPath` (e.g. "temperature" or "sensor.temp") reads a JSON payload; absent: a plain number. */
  | { kind: 'mqtt'; url: string; topic: string; jsonPath?: string; username?: string; password?: string }
  | { kind: 'http-json'; url: string; jsonPath: string };

/**
 * What heats the home otherwise: the heat Hearth makes displaces this. `capacityW`: the most heat
 * it can deliver (W; absent: {@link DEFAULT_SOURCE_CAPACITY_W}), which bounds what the thermal
 * mode may ask of it.
 */
export type HeatingSettings = {
  mode: HeatingMode;
  schedule: WeekSchedule;
  season: HeatingSeason;
  thermostat: { hysteresisK: number; minOnMin: number; minOffMin: number };
  /**
   * The heated zone as one thermal node. Without measurements, a typical 120 m² house is about
   * UA 200 W/K and C 10,000 Wh/K (see heating.md); the thermal mode needs UA above 0.
   */
  room: {
    /** Heat-loss coefficient (W/K): heat needed per kelvin between inside and outside. */
    heatLossWPerK: number;
    /** Thermal capacity (Wh/K): energy that warms the zone by one kelvin (predictive and thermal modes). */
    capacityWhPerK: number;
  };
  indoor: IndoorSource;
  /** Outdoor forecast from Open-Meteo; null: the manual outdoor temperature below is used. */
  location: { latitude: number; longitude: number } | null;
  /** Used when there is no forecast (°C). */
  fallbackOutdoorC: number;
  heatSource: HeatSource;
  /** Currency of the heat source prices (the tariff's currency for heat pump and resistive). */
  currency: string;
  timeZone: string;
};

export type TemperatureReading = { c: number; at: number; source: IndoorSource['kind'] | 'open-meteo' };

export type SensorStatus = {
  kind: IndoorSource['kind'];
  state: 'ok' | 'stale' | 'error' | 'idle';
  reason: string | null;
  last: TemperatureReading | null;
};

/** The outdoor temperature's source: the Open-Meteo forecast, or the fixed fallback without a location. */
export type OutdoorStatus = Omit<SensorStatus, 'kind'> & {
  kind: 'open-meteo' | 'fallback';
  forecastUntil: number | null;
};

/** The heat the home needs in one slot and what a kWh of it is worth. */
export type HeatSlot = {
  start: number;
  end: number;
  setpointC: number;
  /** The temperatures used: forecast or last reading; null where unknown. */
  indoorC: number | null;
  outdoorC: number | null;
  /** Mean heat the room needs in the slot (W); 0 when heating is off or out of season. */
  demandW: number;
  /**
   * Worth of one kWh of heat that meets demand (currency per kWh): the displaced cost. Heat beyond
   * `demandW` is worth nothing.
   */
  creditPerKWh: number;
  currency: string;
  /** Why demand is what it is, e.g. "out of season", "thermostat satisfied". */
  note: string | null;
  /**
   * Thermal mode: the band the indoor temperature must stay in at the slot's end (°C): the
   * setpoint in force to its `maxC`. Out of season, or with no setpoints, only frost protection
   * ({@link SETPOINT_MIN_C}) below. Absent in the other modes.
   */
  comfort?: { minC: number; maxC: number };
};

/**
 * The room's heat-loss coefficient and capacity fitted to logged data: indoor readings, the
 * outdoor temperature and the PC's heat output at each reading. Valid where the PC is the room's
 * only heater while the data were logged; null with a reason until there is enough data.
 */
export type HeatLossEstimate = {
  heatLossWPerK: number | null;
  capacityWhPerK: number | null;
  /** Hour-long spans of readings used. */
  samples: number;
  /** Root-mean-square error of the fit (W). */
  rmsW: number | null;
  /**
   * How well the fitted model follows the room (°C): the one-node model run over each logged
   * stretch from its first reading, driven by the logged heat and outdoor temperature, against
   * the readings (root-mean-square). Null without a fit.
   */
  rmseC: number | null;
  reason: string | null;
};

/**
 * One try of an indoor source without saving it: the reading it gave, or why it gave none.
 * `ok` with no reading: reachable, but nothing arrived in the time waited (an MQTT sensor that
 * publishes every few minutes).
 */
export type SourceTestResult = { ok: boolean; reading: { c: number; at: number } | null; message: string };

export type HeatingHandlers = {
  'heating-settings': Handler<Record<string, never>, HeatingSettings>;
  /** Validates and saves; a bad field (a setpoint of 80 °C) names the field and keeps the old settings. */
  'heating-configure': Handler<HeatingSettings, HeatingSettings>;
  /**
   * Reads the given source once (MQTT: connects, subscribes and waits up to `waitMs` for a message)
   * and saves nothing. A masked secret means the stored one.
   */
  'heating-test-source': Handler<{ indoor: IndoorSource; waitMs?: number }, SourceTestResult>;
  /** Demand and heat credit per tariff slot overlapping [from, to). */
  'heating-demand': Handler<{ from: number; to: number }, HeatSlot[]>;
  /** The indoor sensor's state, last reading and the outdoor forecast's age. */
  'heating-sensors': Handler<Record<string, never>, { indoor: SensorStatus; outdoor: OutdoorStatus }>;
  /** Fetches the outdoor forecast now (a failure keeps the last one and says why in `outdoor.reason`); the sensors after. */
  'heating-refresh': Handler<Record<string, never>, { indoor: SensorStatus; outdoor: OutdoorStatus }>;
  /** A reading entered by hand (manual source). */
  'heating-reading': Handler<{ c: number }, TemperatureReading>;
  /** Fits the room's heat-loss coefficient to the logged readings (see HeatLossEstimate). */
  'heating-estimate': Handler<{ days?: number }, HeatLossEstimate>;
  /** Indoor readings in [from, to), oldest first; at most `max` (default 2000), evenly thinned when there are more. */
  'heating-readings': Handler<{ from: number; to: number; max?: number }, TemperatureReading[]>;
};

export type HeatingEvents = {
  'indoor-reading': TemperatureReading;
  'heating-sensor': SensorStatus;
};

/** Room setpoints outside this range are mistakes (80 °C is a kettle, not a room). */

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'enter a time as HH:MM (00:00–23:59)');
const mmdd = z.string().regex(/^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'enter a date as MM-DD');
/** A URL with one of `schemes` and a host name; the message shows `example`. */
const urlWith = (schemes: string[], example: string) =>
  z.string().refine(
    (text) => {
      try {
        const u = new URL(text);
        return schemes.includes(u.protocol.slice(0, -1)) && u.hostname !== '' && !/\s/.test(text);
      } catch {
        return false;
      }
    },
    `enter a URL starting ${schemes.map((x) => `${x}://`).join(' or ')}, such as ${example}`,
  );
const haUrl = urlWith(['http', 'https'], 'http://homeassistant.local:8123');
const httpUrl = urlWith(['http', 'https'], 'http://sensor.local/temperature.json');
/** mqtt.js speaks MQTT over TCP or TLS, and over WebSockets. */
const brokerUrl = urlWith(['mqtt', 'mqtts', 'ws', 'wss'], 'mqtt://localhost:1883');
/**
 * The dotted paths the sources read (see json-path.ts): "temperature", "sensor.temp", "$.data[0].t".
 * Keys may hold any character but the separators; an empty key ("a..b") is a typo.
 */
const jsonPath = z
  .string()
  .regex(
    /^(\$\.?)?([^.[\]\s][^.[\]]*|\[\d+\])(\.[^.[\]\s][^.[\]]*|\[\d+\])*$/,
    'enter a JSON path such as temperature, sensor.temp or $.data[0].t',
  )
  .refine((p) => p.trim() === p, 'no spaces at the start or end of the JSON path');
/** MQTT topic names: UTF-8, at most 65,535 bytes, no NUL; a subscription to one reading takes no wildcards. */
const topic = z
  .string()
  .min(1, 'the topic is required, such as home/living/temperature')
  .refine((t) => !/[#+]/.test(t), 'a single topic, without the wildcards + and #')
  .refine((t) => t.trim() === t, 'no spaces at the start or end of the topic')
  .refine((t) => !t.includes('\u0000'), 'a topic cannot contain the NUL character')
  .refine((t) => new TextEncoder().encode(t).length <= 65_535, 'a topic is at most 65,535 bytes');
const price = z.number().finite().min(0).max(100);

const setpoint = z
  .object({
    at: hhmm,
    c: z
      .number()
      .min(SETPOINT_MIN_C, `the setpoint must be between ${SETPOINT_MIN_C} and ${SETPOINT_MAX_C} °C`)
      .max(SETPOINT_MAX_C, `the setpoint must be between ${SETPOINT_MIN_C} and ${SETPOINT_MAX_C} °C`),
    maxC: z
      .number()
      .max(SETPOINT_MAX_C + 5, `the comfort band's upper bound is at most ${SETPOINT_MAX_C + 5} °C`)
      .optional(),
  })
  .strict()
  .refine((s) => s.maxC === undefined || s.maxC >= s.c, {
    path: ['maxC'],
    message: 'the comfort band is upside down: its upper bound must be at or above the setpoint',
  });
/** Zero would be a heat source that makes no heat: choose "none" instead. */
const capacity = z
  .number()
  .gt(0, 'the heat source\'s capacity must be above 0 W (choose "none" for no heat source)')
  .max(1_000_000)
  .optional();

export const indoorSourceSchema: z.ZodType<IndoorSource> = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('manual') }).strict(),
  z
    .object({
      kind: z.literal('home-assistant'),
      url: haUrl,
      token: z.string().min(1, 'the long-lived access token is required'),
      entityId: z.string().regex(/^[a-z_]+\.[a-z0-9_]+$/, 'enter an entity id such as sensor.living_room_temperature'),
    })
    .strict(),
  z
    .object({
      kind: z.literal('mqtt'),
      url: brokerUrl,
      topic,
      jsonPath: jsonPath.optional(),
      username: z.string().min(1, 'leave the user name out rather than empty').optional(),
      password: z.string().optional(),
    })
    .strict()
    // MQTT 3.1.1 (3.1.2.9) sends a password only together with a user name.
    .refine((m) => m.password === undefined || m.username !== undefined, {
      path: ['username'],
      message: 'a password needs a user name',
    }),
  z.object({ kind: z.literal('http-json'), url: httpUrl, jsonPath }).strict(),
]);

/** A heat source as the heating settings take it; the backtest checks a given one with the same schema. */
export const heatSourceSchema: z.ZodType<HeatSource> = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }).strict(),
  z
    .object({
      kind: z.literal('gas'),
      pricePerKWh: price,
      efficiency: z.number().gt(0).max(1.1),
      capacityW: capacity,
    })
    .strict(),
  z
    .object({
      kind: z.literal('oil'),
      pricePerKWh: price,
      efficiency: z.number().gt(0).max(1.1),
      capacityW: capacity,
    })
    .strict(),
  z
    .object({
      kind: z.literal('heat-pump'),
      cop: z
        .array(z.object({ outdoorC: z.number().min(-40).max(40), cop: z.number().gt(0).max(10) }).strict())
        .min(1)
        .max(16),
      capacityW: capacity,
    })
    .strict(),
  z.object({ kind: z.literal('resistive'), capacityW: capacity }).strict(),
  z.object({ kind: z.literal('district'), pricePerKWh: price, capacityW: capacity }).strict(),
]);

export const heatingSettingsSchema: z.ZodType<HeatingSettings> = z
  .object({
    mode: z.enum(['off', 'schedule', 'thermostat', 'predictive', 'thermal']),
    schedule: z.array(z.array(setpoint).max(24)).length(7, 'the schedule has 7 days, Monday first'),
    season: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('always') }).strict(),
      z.object({ kind: z.literal('dates'), from: mmdd, to: mmdd }).strict(),
      z.object({ kind: z.literal('outdoor-below'), c: z.number().min(-30).max(30) }).strict(),
    ]),
    thermostat: z
      .object({
        hysteresisK: z.number().min(0).max(5),
        minOnMin: z.number().int().min(0).max(240),
        minOffMin: z.number().int().min(0).max(240),
      })
      .strict(),
    room: z
      .object({ heatLossWPerK: z.number().min(0).max(2000), capacityWhPerK: z.number().min(0).max(100_000) })
      .strict(),
    indoor: indoorSourceSchema,
    location: z
      .object({ latitude: z.number().min(-90).max(90), longitude: z.number().min(-180).max(180) })
      .strict()
      .nullable(),
    fallbackOutdoorC: z.number().min(-50).max(50),
    heatSource: heatSourceSchema,
    currency: currencyCode,
    timeZone: ianaZone,
  })
  .strict()
  .refine((h) => h.mode !== 'thermal' || h.room.heatLossWPerK > 0, {
    path: ['room', 'heatLossWPerK'],
    message: "the thermal mode needs the room's heat loss above 0 W/K (a typical 120 m² house: about 200 W/K)",
  })
  .refine((h) => h.mode !== 'thermal' || h.room.capacityWhPerK > 0, {
    path: ['room', 'capacityWhPerK'],
    message: "the thermal mode needs the room's heat capacity above 0 Wh/K (a typical 120 m² house: about 10,000 Wh/K)",
  });

export const heatingArgs: ArgSchemas<HeatingHandlers> = {
  'heating-settings': z.object({}).strict(),
  'heating-configure': heatingSettingsSchema,
  'heating-test-source': z
    .object({ indoor: indoorSourceSchema, waitMs: z.number().int().min(0).max(60_000).optional() })
    .strict(),
  'heating-demand': z
    .object({ from: z.number().int(), to: z.number().int() })
    .strict()
    .refine(
      (a) => a.to > a.from && a.to - a.from <= 14 * 86_400_000,
      'the end must be after the start, at most 14 days later',
    ),
  'heating-sensors': z.object({}).strict(),
  'heating-refresh': z.object({}).strict(),
  'heating-reading': z
    .object({
      c: z
        .number({ message: 'the reading must be a number (°C)' })
        .min(-20, 'a room reading must be between -20 and 45 °C')
        .max(45, 'a room reading must be between -20 and 45 °C'),
    })
    .strict(),
  'heating-estimate': z.object({ days: z.number().int().min(1).max(365).optional() }).strict(),
  'heating-readings': z
    .object({ from: z.number().int(), to: z.number().int(), max: z.number().int().min(2).max(10_000).optional() })
    .strict()
    .refine(
      (a) => a.to > a.from && a.to - a.from <= 366 * 86_400_000,
      'the end must be after the start, at most a year later',
    ),
};
