/**
 * Number formatting for people: every figure carries its unit, a missing reading says so, and
 * money keeps enough digits that a tiny amount never shows as zero.
 */
export const NOT_REPORTED = 'not reported';

export function fmtNumber(value: number, digits = 1): string {
  return value.toLocaleString(undefined, { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function fmtUnit(value: number | null | undefined, unit: string, digits = 1): string {
  if (value === null || value === undefined || Number.isNaN(value)) return NOT_REPORTED;
  return `${fmtNumber(value, digits)} ${unit}`;
}

export const fmtW = (w: number | null | undefined, digits = 0) => fmtUnit(w, 'W', digits);
/** Energy below 1 kWh is shown in Wh, so a small day never reads as "0.000 kWh". */
export const fmtKWh = (kwh: number | null | undefined, digits = 3) =>
  kwh !== null && kwh !== undefined && Math.abs(kwh) < 1 ? fmtUnit(kwh * 1000, 'Wh', Math.abs(kwh) < 0.01 ? 2 : 1) : fmtUnit(kwh, 'kWh', digits);
export const fmtC = (c: number | null | undefined) => fmtUnit(c, '°C', 1);
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
  return amount.toLocaleString(undefined, { style: 'currency', currency, minimumFractionDigits: digits, maximumFractionDigits: digits });
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

export function fmtTime(iso: string | number): string {
  return new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}
