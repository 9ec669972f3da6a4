import { DEFAULT_BAND_K } from '#contract/defaults';
import type { HeatingSeason, Setpoint, WeekSchedule } from '#contract/heating';
import { localParts, minutesOf } from '#core/time';

/**
 * The setpoint in force at `ms`: the day's last change at or before that local time, or, before
 * the day's first change, the last change of the nearest earlier day that has one (a thermostat
 * holds its setting overnight). Null when the week has no setpoints at all.
 */
export function setpointAt(schedule: WeekSchedule, ms: number, timeZone: string): number | null {
  return entryAt(schedule, ms, timeZone)?.c ?? null;
}

/** The schedule entry in force at `ms` (see setpointAt). */
export function entryAt(schedule: WeekSchedule, ms: number, timeZone: string): Setpoint | null {
  const p = localParts(ms, timeZone);
  const minute = p.hour * 60 + p.minute;
  const day = p.isoWeekday - 1;
  const today = [...(schedule[day] ?? [])].sort((a, b) => minutesOf(a.at) - minutesOf(b.at));
  const current = today.filter((s) => minutesOf(s.at) <= minute).at(-1);
  if (current) return current;
  for (let back = 1; back <= 7; back++) {
    const earlier = [...(schedule[(day - back + 7) % 7] ?? [])]
      .sort((a, b) => minutesOf(a.at) - minutesOf(b.at))
      .at(-1);
    if (earlier) return earlier;
  }
  return null;
}

/** An entry's comfort band (thermal mode): from its setpoint to its `maxC`, or DEFAULT_BAND_K above. */
export function bandOf(entry: Setpoint): { minC: number; maxC: number } {
  return { minC: entry.c, maxC: entry.maxC ?? entry.c + DEFAULT_BAND_K };
}

/**
 * Whether heating is wanted at `ms`. Dates are local month-day ranges and may wrap the new year
 * (10-01 to 04-30). "Outdoor below X" compares the day's mean outdoor temperature.
 */
export function inSeason(season: HeatingSeason, ms: number, timeZone: string, dayMeanOutdoorC: number | null): boolean {
  if (season.kind === 'always') return true;
  if (season.kind === 'outdoor-below') return dayMeanOutdoorC === null || dayMeanOutdoorC < season.c;
  const p = localParts(ms, timeZone);
  const md = p.month * 100 + p.day;
  const num = (s: string) => Number(s.slice(0, 2)) * 100 + Number(s.slice(3));
  const from = num(season.from);
  const to = num(season.to);
  return from <= to ? md >= from && md <= to : md >= from || md <= to;
}
