import { localToUtc } from '#core/time';
import type { ConfigOf, SpotSlot, StoredAdapter } from './types.ts';

/** Imported prices live in the ledger under one series; a new import replaces the range it covers. */
export const csvAdapter: StoredAdapter<ConfigOf<'csv'>> = {
  type: 'stored',
  sourceKey: () => 'csv',
};

export type CsvUnit = 'per-kwh' | 'per-mwh' | 'cents-per-kwh';

export type CsvOptions = {
  /** Overrides the unit named by the header or a unit column. */
  unit?: CsvUnit;
  currency?: string;
  /** Zone for timestamps written without an offset ("2023-01-01 00:00"); without it they are refused. */
  timeZone?: string;
};

export type ParsedCsv = { slots: SpotSlot[]; resolution: 15 | 30 | 60; currency: string };

/** Every problem found, each naming its line; the import stores nothing when there is one. */
export class CsvError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    const shown = problems.slice(0, 5);
    const more = problems.length > shown.length ? ` (and ${problems.length - shown.length} more)` : '';
    super(`The CSV was not imported, nothing stored changed: ${shown.join('; ')}${more}`);
    this.name = 'CsvError';
    this.problems = problems;
  }
}

const START_COLUMNS =
  /^(start|start_?utc|start_?time|starts_?at|time|time_?utc|timestamp|datetime|date_?time|from|valid_?from|hour_?utc)$/i;
const UNIT_COLUMN = /^unit$/i;
const CURRENCIES = ['EUR', 'DKK', 'GBP', 'SEK', 'NOK', 'CHF', 'PLN', 'CZK', 'HUF', 'USD'];

/** The unit a header or a unit cell names: eur_per_kwh, EUR/MWh, ct/kWh, p/kWh. */
function unitFrom(text: string): CsvUnit | undefined {
  const t = text.toLowerCase();
  if (/mwh/.test(t)) return 'per-mwh';
  if (/(^|[^a-z])(ct|cent|cents|pence|p|öre|ore)([^a-z]|$)|cent/.test(t) && /kwh/.test(t)) return 'cents-per-kwh';
  if (/kwh/.test(t)) return 'per-kwh';
  return undefined;
}

function currencyFrom(text: string): string | undefined {
  const t = text.toUpperCase();
  return CURRENCIES.find((c) => new RegExp(`(^|[^A-Z])${c}([^A-Z]|$)`).test(t.replace(/_/g, ' ')));
}

const DIVISOR: Record<CsvUnit, number> = { 'per-kwh': 1, 'per-mwh': 1000, 'cents-per-kwh': 100 };

/**
 * Parses `start,price` CSV: a header names the columns (a start column such as start_utc or
 * time, a price column, optionally a unit column), comma or semicolon separated. Timestamps carry
 * Z or an offset, or are local times read in `options.timeZone`, where the repeated autumn hour is
 * told apart by order. Slots are 15, 30 or 60 minutes, found from the spacing of the rows.
 */
export function parseCsv(text: string, options: CsvOptions = {}): ParsedCsv {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const headerIndex = lines.findIndex((l) => l.trim() !== '' && !l.startsWith('#'));
  if (headerIndex < 0)
    throw new CsvError(['the file has no header and no rows; expected a header such as "start_utc,eur_per_kwh"']);
  const header = lines[headerIndex] ?? '';
  const sep = header.includes(';') ? ';' : header.includes('\t') ? '\t' : ',';
  const cols = header.split(sep).map((c) => c.trim().replace(/^"|"$/g, ''));
  const startCol = cols.findIndex((c) => START_COLUMNS.test(c));
  const unitCol = cols.findIndex((c) => UNIT_COLUMN.test(c));
  const priceCol = cols.findIndex(
    (c, i) => i !== startCol && i !== unitCol && /price|eur|dkk|gbp|sek|nok|kwh|mwh|value|cost|amount/i.test(c),
  );
  const headerLine = headerIndex + 1;
  if (startCol < 0 || priceCol < 0) {
    throw new CsvError([
      `line ${headerLine}: the header "${header.trim()}" needs a start column (start, start_utc, time, timestamp) and a price column (price, eur_per_kwh, ...)`,
    ]);
  }
  const headerUnit = unitFrom(cols[priceCol] ?? '');
  const currency = options.currency ?? currencyFrom(cols[priceCol] ?? '') ?? 'EUR';
  if (!options.unit && unitCol < 0 && !headerUnit) {
    throw new CsvError([
      `line ${headerLine}: the price column "${cols[priceCol]}" does not say its unit; name it like eur_per_kwh or eur_per_mwh, add a unit column, or give the unit (--unit per-kwh|per-mwh|cents-per-kwh)`,
    ]);
  }

  const problems: string[] = [];
  const rows: { line: number; start: number; spot: number }[] = [];
  let lastStart = -Infinity;
  for (let i = headerIndex + 1; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    if (raw.trim() === '' || raw.startsWith('#')) continue;
    const line = i + 1;
    const cells = raw.split(sep).map((c) => c.trim().replace(/^"|"$/g, ''));
    const startText = cells[startCol] ?? '';
    const priceText = cells[priceCol] ?? '';
    const start = parseStart(startText, options.timeZone, lastStart);
    if (typeof start === 'string') {
      problems.push(`line ${line}: ${start}`);
      continue;
    }
    // A decimal comma only makes sense when the separator is not a comma.
    const price = Number(sep === ';' ? priceText.replace(',', '.') : priceText);
    if (priceText === '' || !Number.isFinite(price)) {
      problems.push(`line ${line}: price "${priceText}" is not a number`);
      continue;
    }
    let unit = options.unit ?? headerUnit;
    if (!options.unit && unitCol >= 0) {
      const cellUnit = unitFrom(cells[unitCol] ?? '');
      if (!cellUnit) {
        problems.push(`line ${line}: unit "${cells[unitCol] ?? ''}" is not one of EUR/kWh, EUR/MWh, ct/kWh`);
        continue;
      }
      unit = cellUnit;
    }
    const spot = price / DIVISOR[unit ?? 'per-kwh'];
    if (Math.abs(spot) > 100) {
      problems.push(
        `line ${line}: ${priceText} per kWh is not a plausible price; if the file is in per MWh, give --unit per-mwh`,
      );
      continue;
    }
    rows.push({ line, start, spot });
    lastStart = start;
  }
  if (rows.length === 0 && problems.length === 0) problems.push('the file has a header but no rows');
  if (problems.length > 0) throw new CsvError(problems);

  const sorted = [...rows].sort((a, b) => a.start - b.start);
  let step = Infinity;
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1];
    const b = sorted[i];
    if (!a || !b) continue;
    if (a.start === b.start)
      problems.push(`line ${b.line}: the start ${new Date(b.start).toISOString()} repeats line ${a.line}`);
    else step = Math.min(step, b.start - a.start);
  }
  if (problems.length > 0) throw new CsvError(problems);
  const minutes = sorted.length === 1 ? 60 : step / 60_000;
  if (minutes !== 15 && minutes !== 30 && minutes !== 60) {
    throw new CsvError([`rows are ${minutes} minutes apart; Hearth imports 15, 30 or 60 minute slots`]);
  }
  const ms = minutes * 60_000;
  for (const r of sorted) {
    if (r.start % ms !== 0)
      problems.push(
        `line ${r.line}: ${new Date(r.start).toISOString()} is not on the ${minutes}-minute grid of the other rows`,
      );
  }
  if (problems.length > 0) throw new CsvError(problems);
  return {
    slots: sorted.map((r) => ({ start: r.start, end: r.start + ms, spot: r.spot, currency })),
    resolution: minutes,
    currency,
  };
}

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/;

/** A start instant, or a message saying what is wrong with the text. */
function parseStart(text: string, timeZone: string | undefined, previous: number): number | string {
  if (text === '') return 'the start is empty';
  if (/^\d{9,13}$/.test(text)) return text.length <= 10 ? Number(text) * 1000 : Number(text);
  const local = LOCAL.exec(text);
  if (local) {
    if (!timeZone)
      return `"${text}" has no time zone; write it with Z or an offset (2023-01-01T00:00:00Z), or give the zone (--tz Europe/Brussels)`;
    const [y, mo, d, h, mi] = local.slice(1, 6).map(Number) as [number, number, number, number, number];
    let t = localToUtc(y, mo, d, h, mi, timeZone);
    // The repeated autumn hour appears twice in local time: the second time means one hour later.
    if (t <= previous && t + 3_600_000 > previous) t += 3_600_000;
    return t;
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(text)) {
    const t = Date.parse(text);
    if (Number.isFinite(t)) return t;
  }
  return `"${text}" is not a date and time such as 2023-01-01T00:00:00Z`;
}
