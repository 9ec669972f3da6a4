import {
  SETPOINT_MAX_C,
  SETPOINT_MIN_C,
  type HeatingSettings,
  type HeatSlot,
  type PriceSlot,
  type TemperatureReading,
} from '#contract/index';
import { localDay } from '#core/time';
import { creditPerKWh } from './credit.ts';
import { bandOf, entryAt, inSeason } from './schedule.ts';

/** Outdoor temperature at an instant (forecast), or null where none is known. */
export type OutdoorAt = (ms: number) => number | null;

export type DemandInputs = {
  now: number;
  indoor: TemperatureReading | null;
  outdoorAt: OutdoorAt;
  /** Whether the thermostat currently calls for heat (thermostat mode). */
  thermostatOn: boolean;
};

/** A reading older than this is not used to steer (the sensor went quiet). */
export const INDOOR_MAX_AGE_MS = 30 * 60_000;

/**
 * Heat demand and credit per slot. The steady-state loss of a room is UA × (T_set − T_out) watts
 * (UA: heat-loss coefficient, W/K). Modes add to that (see heating.md):
 * - schedule: that loss alone, from the setpoint in force and the outdoor temperature;
 * - thermostat: the slot containing `now` follows the thermostat's call for heat; later slots as schedule;
 * - predictive: the loss per slot from the forecast, plus the heat to lift the room from its
 *   current temperature to the setpoint (capacity × shortfall) in the first slot; a room warmer
 *   than the setpoint coasts, its surplus subtracted from the next slots until used up;
 * - thermal: the schedule's loss for display only; what the planner uses is each slot's comfort
 *   band (and the outdoor temperature), the credit being what a kWh of the heat source costs.
 */
export function heatDemand(settings: HeatingSettings, slots: PriceSlot[], inputs: DemandInputs): HeatSlot[] {
  const tz = settings.timeZone;
  const ua = settings.room.heatLossWPerK;
  const fresh = inputs.indoor && inputs.now - inputs.indoor.at <= INDOOR_MAX_AGE_MS ? inputs.indoor : null;
  const dayMeans = new Map<number, number | null>();
  const dayMean = (ms: number): number | null => {
    const d = localDay(ms, tz);
    if (!dayMeans.has(d.start)) {
      const samples: number[] = [];
      for (let t = d.start + 1_800_000; t < d.end; t += 3_600_000) {
        const v = inputs.outdoorAt(t);
        if (v !== null) samples.push(v);
      }
      dayMeans.set(d.start, samples.length > 0 ? samples.reduce((a, b) => a + b, 0) / samples.length : null);
    }
    return dayMeans.get(d.start) ?? null;
  };
  // Energy (Wh) the room holds above its setpoint, or needs to reach it (negative), predictive mode.
  let bankWh: number | null = null;
  let lastSetpoint: number | null = null;

  return slots.map((slot) => {
    const mid = (slot.start + slot.end) / 2;
    const hours = (slot.end - slot.start) / 3_600_000;
    const forecast = inputs.outdoorAt(mid);
    const outdoorC = forecast ?? settings.fallbackOutdoorC;
    const entry = entryAt(settings.schedule, slot.start, tz);
    const setpoint = entry?.c ?? null;
    const thermal = settings.mode === 'thermal';
    const credit = creditPerKWh(settings.heatSource, slot, outdoorC, settings.currency);
    const isCurrent = slot.start <= inputs.now && inputs.now < slot.end;
    const base = {
      start: slot.start,
      end: slot.end,
      setpointC: setpoint ?? 0,
      indoorC: isCurrent && fresh ? fresh.c : null,
      outdoorC,
      creditPerKWh: credit.value,
      currency: credit.currency,
    };
    if (settings.mode === 'off') return { ...base, demandW: 0, note: 'heating is off' };
    // Without a wanted temperature the thermal plan still keeps frost out, and does not heat a
    // room that is warm already (compute heat in summer is a nuisance, not a credit).
    if (setpoint === null)
      return {
        ...base,
        demandW: 0,
        note: 'the schedule has no setpoints',
        ...(thermal ? { comfort: { minC: SETPOINT_MIN_C, maxC: SETPOINT_MAX_C } } : {}),
      };
    if (
      !inSeason(
        settings.season,
        slot.start,
        tz,
        dayMean(slot.start) ?? (forecast === null ? settings.fallbackOutdoorC : null),
      )
    ) {
      return {
        ...base,
        demandW: 0,
        note: 'out of season',
        ...(thermal && entry ? { comfort: { minC: SETPOINT_MIN_C, maxC: bandOf(entry).maxC } } : {}),
      };
    }
    const loss = Math.max(0, ua * (setpoint - outdoorC));
    if (settings.mode === 'thermostat' && isCurrent) {
      if (!fresh) return { ...base, demandW: loss, note: 'no recent indoor reading: following the schedule' };
      return inputs.thermostatOn
        ? { ...base, demandW: loss, note: 'thermostat calls for heat' }
        : { ...base, demandW: 0, note: 'thermostat satisfied' };
    }
    if (settings.mode === 'predictive' && slot.end > inputs.now) {
      if (bankWh === null) bankWh = fresh ? settings.room.capacityWhPerK * (fresh.c - setpoint) : 0;
      // A raised setpoint must heat the room's mass up; a lowered one lets it coast down.
      else if (lastSetpoint !== null) bankWh -= settings.room.capacityWhPerK * (setpoint - lastSetpoint);
      lastSetpoint = setpoint;
      const needWh = loss * hours - bankWh;
      bankWh = Math.max(0, -needWh);
      const demandW = Math.max(0, needWh) / hours;
      return { ...base, demandW, note: demandW === 0 ? 'coasting on stored warmth' : null };
    }
    if (thermal && entry) return { ...base, demandW: loss, note: null, comfort: bandOf(entry) };
    return { ...base, demandW: loss, note: null };
  });
}

export type ThermostatState = { on: boolean; since: number | null };

/**
 * A thermostat with a symmetric band and minimum run and pause times: it calls for heat below
 * setpoint − hysteresis/2 and stops above setpoint + hysteresis/2, but never switches before the
 * current state has lasted its minimum.
 */
export class Thermostat {
  on = false;
  private since: number | null = null;

  /** `saved`: the state a previous run left (see `state`), so a restart keeps the minimum times. */
  constructor(saved?: ThermostatState | null) {
    if (saved && typeof saved.on === 'boolean' && (saved.since === null || Number.isFinite(saved.since))) {
      this.on = saved.on;
      this.since = saved.since;
    }
  }

  /** Whether it calls for heat and since when (ms; null before the first reading). */
  get state(): ThermostatState {
    return { on: this.on, since: this.since };
  }

  update(now: number, indoorC: number, setpointC: number, cfg: HeatingSettings['thermostat']): boolean {
    const half = cfg.hysteresisK / 2;
    const want = this.on ? indoorC < setpointC + half : indoorC < setpointC - half;
    if (want !== this.on) {
      const held = this.since === null ? Infinity : now - this.since;
      const minimum = (this.on ? cfg.minOnMin : cfg.minOffMin) * 60_000;
      if (held >= minimum) {
        this.on = want;
        this.since = now;
      }
    } else if (this.since === null) this.since = now;
    return this.on;
  }
}
