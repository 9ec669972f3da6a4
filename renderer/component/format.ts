/**
 * Number formatting for people: every figure carries its unit, a missing reading says so, and
 * money keeps enough digits that a tiny amount never shows as zero.
 */
import type { MarketFigure } from '#contract/index';
export const NOT_REPORTED = 'not reported';

/**
 * Building an Intl.NumberFormat costs far more than using one (toLocaleString builds one per call):
 * a 365-day History table formats thousands of amounts, so each (currency, digits) pair is built once.
 */
const numberFormats = new Map<string, Intl.NumberFormat>();
function numberFormat(digits: number, currency?: string): Intl.NumberFormat {
  const key = `${currency ?? ''}:${digits}`;
  let f = numberFormats.get(key);
  if (!f) {
    f = new Intl.NumberFormat(
      undefined,
      currency
        ? { style: 'currency', currency, minimumFractionDigits: digits, maximumFractionDigits: digits }
        : { minimumFractionDigits: digits, maximumFractionDigits: digits },
    );
    numberFormats.set(key, f);
  }
  return f;
}

export function fmtNumber(value: number, digits = 1): string {
  return numberFormat(digits).format(value);
}

/** The units a person chose on the Settings page; the app sets them once loaded and on every change. */
export type DisplayUnits = { temperature: 'C' | 'F'; energy: 'auto' | 'kWh' };
let units: DisplayUnits = { temperature: 'C', energy: 'auto' };
export function setDisplayUnits(next: DisplayUnits): void {
  units = next;
}
export const displayUnits = (): DisplayUnits => units;

export function fmtUnit(value: number | null | undefined, unit: string, digits = 1): string {
  if (value === null || value === undefined || Number.isNaN(value)) return NOT_REPORTED;
  return `${fmtNumber(value, digits)} ${unit}`;
}

export const fmtW = (w: number | null | undefined, digits = 0) => fmtUnit(w, 'W', digits);
/** Energy below 1 kWh is shown in Wh, so a small day never reads as "0.000 kWh". */
export const fmtKWh = (kwh: number | null | undefined, digits = 3) =>
  units.energy === 'auto' && kwh !== null && kwh !== undefined && Math.abs(kwh) < 1
    ? fmtUnit(kwh * 1000, 'Wh', Math.abs(kwh) < 0.01 ? 2 : 1)
    : fmtUnit(kwh, 'kWh', kwh !== null && kwh !== undefined && kwh !== 0 && Math.abs(kwh) < 0.001 ? 6 : digits);

/**
 * One energy unit for a whole view (a table, a chart, a period's figures), picked from the largest
 * magnitude in it, so "2.99 Wh" never sits beside "0.00299 kWh". Wh below 1 kWh unless kWh was
 * chosen in Settings.
 */
export type EnergyUnit = { unit: 'Wh' | 'kWh'; perKWh: number; digits: number };
export function energyUnitFor(kwhValues: Iterable<number | null | undefined>): EnergyUnit {
  let max = 0;
  for (const v of kwhValues) if (v !== null && v !== undefined && Number.isFinite(v)) max = Math.max(max, Math.abs(v));
  if (units.energy === 'auto' && max < 1) return { unit: 'Wh', perKWh: 1000, digits: max < 0.01 ? 2 : 1 };
  return { unit: 'kWh', perKWh: 1, digits: max > 0 && max < 0.001 ? 6 : 3 };
}
/** Energy in a view's unit (energyUnitFor). */
export const fmtEnergy = (kwh: number | null | undefined, u: EnergyUnit) =>
  fmtUnit(kwh === null || kwh === undefined ? kwh : kwh * u.perKWh, u.unit, u.digits);

/**
 * Axis tick labels: as many decimals as the step between ticks needs and no more, never an
 * exponent ("1.00e-9"). `ticks` are the values the axis shows.
 */
export function fmtTicks(ticks: number[]): string[] {
  let step = Infinity;
  for (let i = 1; i < ticks.length; i++) step = Math.min(step, Math.abs((ticks[i] ?? 0) - (ticks[i - 1] ?? 0)));
  if (!Number.isFinite(step) || step === 0) step = Math.abs(ticks[0] ?? 1) || 1;
  const digits = Math.min(6, Math.max(0, -Math.floor(Math.log10(step) + 1e-9)));
  return ticks.map((t) => fmtNumber(t, digits));
}

/**
 * A change against an earlier figure in whole per cent ("+12 %", "−3 %"), one decimal below 10 %;
 * null when there is nothing to compare with (the earlier figure is 0).
 */
export function fmtChange(now: number, before: number): string | null {
  if (before === 0 || !Number.isFinite(now) || !Number.isFinite(before)) return null;
  const pct = ((now - before) / Math.abs(before)) * 100;
  const text = fmtNumber(Math.abs(pct), Math.abs(pct) < 10 ? 1 : 0);
  if (/^0([.,]0)?$/.test(text)) return '±0 %';
  return `${pct > 0 ? '+' : '−'}${text} %`;
}

/** The temperature unit chosen in Settings: "°C" or "°F". */
export const tempUnit = (): string => (units.temperature === 'F' ? '°F' : '°C');
/** A Celsius value (as stored everywhere in the core) in the chosen unit, to 0.1. */
export const toDisplayTemp = (c: number): number =>
  units.temperature === 'F' ? Math.round(((c * 9) / 5) * 10 + 320) / 10 : c;
/** A value typed in the chosen unit back to Celsius; Fahrenheit input is kept to 0.01 °C. */
export const fromDisplayTemp = (t: number): number =>
  units.temperature === 'F' ? Math.round((((t - 32) * 5) / 9) * 100) / 100 : t;
/** A number in a message ("-7", "−7", "30.5") as JavaScript reads it. */
const msgNumber = (text: string) => Number(text.replace('−', '-'));
const NUM = String.raw`[-−]?\d+(?:\.\d+)?`;
/** "between 5 and 30 °C", "5–30 °C": a range whose unit stands only after its upper bound. */
const C_RANGE = new RegExp(String.raw`(${NUM})(\s*(?:and|to|–|-)\s*)(${NUM})\s?°C`, 'g');
const C_VALUE = new RegExp(String.raw`(${NUM})\s?°C`, 'g');

/**
 * A message from the core or a schema, which speaks °C, with its temperatures in the chosen unit:
 * a page showing °F refuses "between 41 and 86 °F", the range its boxes take, not "between 5 and
 * 30 °C". Differences in K are left alone: they are not temperatures on either scale.
 */
export function toDisplayTempText(message: string): string {
  if (units.temperature !== 'F') return message;
  const f = (text: string) => String(toDisplayTemp(msgNumber(text)));
  return message
    .replace(C_RANGE, (_m, a: string, between: string, b: string) => `${f(a)}${between}${f(b)} °F`)
    .replace(C_VALUE, (_m, a: string) => `${f(a)} °F`);
}
/** A temperature (°C from the core) in the chosen unit; a missing sensor says so. */
export const fmtTemp = (c: number | null | undefined) =>
  c === null || c === undefined || Number.isNaN(c) ? NOT_REPORTED : fmtUnit(toDisplayTemp(c), tempUnit(), 1);
export const fmtPct = (p: number | null | undefined) => fmtUnit(p, '%', 0);

/**
 * Money with at least two decimals, and as many significant digits as needed to stay honest:
 * 0.000042 € stays 0.000042 €, it never rounds to 0.00 €.
 */
export function fmtMoney(amount: number | null | undefined, currency = 'EUR'): string {
  if (amount === null || amount === undefined || Number.isNaN(amount)) return NOT_REPORTED;
  const abs = Math.abs(amount);
  let digits = 2;
  if (abs > 0 && abs < 0.01) digits = Math.min(10, 1 - Math.floor(Math.log10(abs)) + 1);
  return numberFormat(digits, currency).format(amount);
}

/** A price per kWh: four decimals, since 0.2834 and 0.28 differ by a cent every 35 kWh. */
export function fmtPricePerKWh(price: number | null | undefined, currency = 'EUR'): string {
  if (price === null || price === undefined || Number.isNaN(price)) return NOT_REPORTED;
  return `${numberFormat(4, currency).format(price)}/kWh`;
}

export function fmtHashRate(hps: number | null | undefined): string {
  if (hps === null || hps === undefined) return NOT_REPORTED;
  const units = ['H/s', 'kH/s', 'MH/s', 'GH/s', 'TH/s'];
  let v = hps;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${fmtNumber(v, v < 10 ? 2 : 1)} ${units[i]}`;
}

export function fmtDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${m % 60} min`;
}

/**
 * The app's one clock style: the browser locale's ("09:00 PM" in en-US, "21:00" in de-DE), for
 * chart ticks, slot names and every time in a sentence alike, so one page never mixes 12- and
 * 24-hour times. Built once per (zone, seconds) pair, as with numbers above.
 */
const clockFormats = new Map<string, Intl.DateTimeFormat>();
function clockFormat(timeZone: string | undefined, seconds: boolean, weekday: boolean): Intl.DateTimeFormat {
  const key = `${timeZone ?? ''}:${seconds}:${weekday}`;
  let f = clockFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(undefined, {
      ...(timeZone ? { timeZone } : {}),
      ...(weekday ? { weekday: 'short' } : {}),
      hour: '2-digit',
      minute: '2-digit',
      ...(seconds ? { second: '2-digit' } : {}),
    });
    clockFormats.set(key, f);
  }
  return f;
}

/** A time of day in the app's clock style; in the browser's zone unless one is given. */
export function fmtClock(at: string | number, opts: { timeZone?: string; seconds?: boolean } = {}): string {
  return clockFormat(opts.timeZone, opts.seconds ?? false, false).format(new Date(at));
}

export function fmtTime(iso: string | number): string {
  return fmtClock(iso);
}

/** A slot's name, its weekday and start in the app's clock style: "Tue 02:00 PM" (en-US), "Di., 14:00" (de-DE). */
export function fmtSlot(ms: number, timeZone?: string): string {
  const parts = clockFormat(timeZone, false, true).formatToParts(ms);
  const day = parts.find((p) => p.type === 'weekday')?.value ?? '';
  return `${day} ${fmtClock(ms, timeZone ? { timeZone } : {})}`;
}

/** A pool's rejection reasons with their counts, commonest first: "Above target ×3, Stale ×1". */
export function fmtReasons(reasons: Record<string, number>): string {
  return Object.entries(reasons)
    .sort((a, b) => b[1] - a[1])
    .map(([why, n]) => `${why} ×${n}`)
    .join(', ');
}

/** Where a market figure comes from: "mempool.space, 12:03" / "offline, using value from …" / "manual value from …". */
export function fmtFigureSource(f: MarketFigure): string {
  const when = f.fetchedAt === null ? '' : new Date(f.fetchedAt).toLocaleString();
  if (f.state === 'override') return `manual value from ${when}`;
  if (f.state === 'offline') return `offline, using value from ${when} (${f.reason ?? 'fetch failed'})`;
  if (f.state === 'none') return f.reason ?? 'not fetched yet';
  return `${f.source ?? ''}, ${when}`;
}
