import { offsetAt } from '#core/time';
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

/** Where a row's local time falls: one instant, a spring gap, or two instants in the autumn overlap. */
type Local =
  | { kind: 'one'; t: number }
  | { kind: 'gap'; from: string; to: string }
  | { kind: 'two'; first: number; second: number; firstOffset: string; secondOffset: string };

const two = (n: number) => String(n).padStart(2, '0');
const hhmm = (wall: number) => {
  const d = new Date(wall);
  return `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`;
};
const offsetText = (ms: number) => {
  const m = Math.round(Math.abs(ms) / 60_000);
  return `${ms < 0 ? '-' : '+'}${two(Math.floor(m / 60))}:${two(m % 60)}`;
};

/**
 * Reads local wall-clock times in one zone. Most days have one offset, so a day's offset is looked
 * up once (two Intl calls) and reused for its rows: a 10-year quarter-hour file is 350 k rows but
 * only 3,650 days. Only the days with a clock change are solved row by row.
 */
function localReader(timeZone: string): (wall: number) => Local {
  const dayOffset = new Map<number, number | null>();
  return (wall) => {
    const day = Math.floor(wall / 86_400_000) * 86_400_000;
    let off = dayOffset.get(day);
    if (off === undefined) {
      const before = offsetAt(day - 86_400_000, timeZone);
      const after = offsetAt(day + 2 * 86_400_000, timeZone);
      off = before === after ? before : null;
      dayOffset.set(day, off);
    }
    if (off !== null) return { kind: 'one', t: wall - off };
    const before = offsetAt(wall - 86_400_000, timeZone);
    const after = offsetAt(wall + 86_400_000, timeZone);
    const valid = [...new Set([wall - before, wall - after])]
      .filter((t) => wall - offsetAt(t, timeZone) === t)
      .sort((a, b) => a - b);
    if (valid.length === 1) return { kind: 'one', t: valid[0]! };
    if (valid.length === 2)
      return {
        kind: 'two',
        first: valid[0]!,
        second: valid[1]!,
        firstOffset: offsetText(wall - valid[0]!),
        secondOffset: offsetText(wall - valid[1]!),
      };
    // In the gap: find the instant the clocks jumped, to say from what time to what time.
    let lo = wall - Math.max(before, after);
    let hi = wall - Math.min(before, after);
    while (hi - lo > 60_000) {
      const mid = Math.floor((lo + hi) / 2 / 60_000) * 60_000;
      if (offsetAt(mid, timeZone) === before) lo = mid;
      else hi = mid;
    }
    return { kind: 'gap', from: hhmm(hi + before), to: hhmm(hi + after) };
  };
}

/**
 * A streaming parser of `start,price` CSV: a header names the columns (a start column such as
 * start_utc or time, a price column, optionally a unit column), comma, semicolon or tab
 * separated. Text is pushed in pieces of any size (a chunked upload, a file read in blocks); lines
 * may span pieces. Only the rows themselves are kept, never the text or an array of its lines.
 *
 * Timestamps carry Z or an offset, or are local times read in `options.timeZone`. A local time the
 * zone skips (the spring clock change) is refused; one it repeats (autumn) is taken in the order
 * the rows come: its first occurrence is the earlier instant (summer time), its second the later.
 * A repeated time that appears once, or whose rows are not in time order, is refused unless it
 * carries its offset. Every problem names its line; nothing is stored when there is one.
 */
export class CsvParser {
  private readonly options: CsvOptions;
  private carry = '';
  private lineNo = 0;
  private header: {
    sep: string;
    startCol: number;
    priceCol: number;
    unitCol: number;
    unit: CsvUnit | undefined;
    currency: string;
  } | null = null;
  private readonly starts: number[] = [];
  private readonly spots: number[] = [];
  private readonly lines: number[] = [];
  private ordered = true;
  private previous = -Infinity;
  private readonly problems: string[] = [];
  private readonly local: ((wall: number) => Local) | null;
  /** Autumn times seen so far, by wall time: the line of their first occurrence and how often they came. */
  private readonly repeated = new Map<number, { line: number; text: string; count: number; example: string }>();
  private bom = true;

  constructor(options: CsvOptions = {}) {
    this.options = options;
    this.local = options.timeZone ? localReader(options.timeZone) : null;
  }

  /** Rows read so far. */
  get rows(): number {
    return this.starts.length;
  }

  /** Lines read so far (header and blank lines included). */
  get linesRead(): number {
    return this.lineNo;
  }

  push(piece: string): void {
    let text = this.carry + piece;
    if (this.bom) {
      text = text.replace(/^\uFEFF/, '');
      if (text.length > 0) this.bom = false;
    }
    let from = 0;
    for (;;) {
      const nl = text.indexOf('\n', from);
      if (nl < 0) break;
      this.line(text.slice(from, nl));
      from = nl + 1;
    }
    this.carry = text.slice(from);
  }

  private line(raw0: string): void {
    this.lineNo++;
    const raw = raw0.endsWith('\r') ? raw0.slice(0, -1) : raw0;
    if (raw.trim() === '' || raw.startsWith('#')) return;
    if (!this.header) {
      this.readHeader(raw);
      return;
    }
    const { sep, startCol, priceCol, unitCol } = this.header;
    const line = this.lineNo;
    const cells = raw.split(sep).map((c) => c.trim().replace(/^"|"$/g, ''));
    const startText = cells[startCol] ?? '';
    const priceText = cells[priceCol] ?? '';
    const start = this.parseStart(startText, line);
    if (typeof start === 'string') {
      this.problems.push(`line ${line}: ${start}`);
      return;
    }
    // A decimal comma only makes sense when the separator is not a comma.
    const price = Number(sep === ';' ? priceText.replace(',', '.') : priceText);
    if (priceText === '' || !Number.isFinite(price)) {
      this.problems.push(`line ${line}: price "${priceText}" is not a number`);
      return;
    }
    let unit = this.options.unit ?? this.header.unit;
    if (!this.options.unit && unitCol >= 0) {
      const cellUnit = unitFrom(cells[unitCol] ?? '');
      if (!cellUnit) {
        this.problems.push(`line ${line}: unit "${cells[unitCol] ?? ''}" is not one of EUR/kWh, EUR/MWh, ct/kWh`);
        return;
      }
      unit = cellUnit;
    }
    const spot = price / DIVISOR[unit ?? 'per-kwh'];
    if (Math.abs(spot) > 100) {
      this.problems.push(
        `line ${line}: ${priceText} per kWh is not a plausible price; if the file is in per MWh, give --unit per-mwh`,
      );
      return;
    }
    if (start <= this.previous) this.ordered = false;
    this.starts.push(start);
    this.spots.push(spot);
    this.lines.push(line);
    this.previous = start;
  }

  private readHeader(header: string): void {
    const sep = header.includes(';') ? ';' : header.includes('\t') ? '\t' : ',';
    const cols = header.split(sep).map((c) => c.trim().replace(/^"|"$/g, ''));
    const startCol = cols.findIndex((c) => START_COLUMNS.test(c));
    const unitCol = cols.findIndex((c) => UNIT_COLUMN.test(c));
    const priceCol = cols.findIndex(
      (c, i) => i !== startCol && i !== unitCol && /price|eur|dkk|gbp|sek|nok|kwh|mwh|value|cost|amount/i.test(c),
    );
    if (startCol < 0 || priceCol < 0) {
      throw new CsvError([
        `line ${this.lineNo}: the header "${header.trim()}" needs a start column (start, start_utc, time, timestamp) and a price column (price, eur_per_kwh, ...)`,
      ]);
    }
    const unit = unitFrom(cols[priceCol] ?? '');
    if (!this.options.unit && unitCol < 0 && !unit) {
      throw new CsvError([
        `line ${this.lineNo}: the price column "${cols[priceCol]}" does not say its unit; name it like eur_per_kwh or eur_per_mwh, add a unit column, or give the unit (--unit per-kwh|per-mwh|cents-per-kwh)`,
      ]);
    }
    const currency = this.options.currency ?? currencyFrom(cols[priceCol] ?? '') ?? 'EUR';
    this.header = { sep, startCol, priceCol, unitCol, unit, currency };
  }

  /** A start instant, or a message saying what is wrong with the text. */
  private parseStart(text: string, line: number): number | string {
    if (text === '') return 'the start is empty';
    if (/^\d{9,13}$/.test(text)) return text.length <= 10 ? Number(text) * 1000 : Number(text);
    const m = LOCAL.exec(text);
    if (m) {
      const zone = this.options.timeZone;
      if (!this.local || !zone)
        return `"${text}" has no time zone; write it with Z or an offset (2023-01-01T00:00:00Z), or give the zone (--tz Europe/Brussels)`;
      const [y, mo, d, h, mi] = m.slice(1, 6).map(Number) as [number, number, number, number, number];
      const wall = Date.UTC(y, mo - 1, d, h, mi);
      const named = `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}`;
      const at = this.local(wall);
      if (at.kind === 'one') return at.t;
      if (at.kind === 'gap')
        return `${named} does not exist in ${zone} (clocks jump from ${at.from} to ${at.to}); give the time with its offset or drop the row`;
      const withOffsets = `give the time with its offset (${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}${at.firstOffset} or ${at.secondOffset})`;
      const seen = this.repeated.get(wall);
      if (!seen) {
        if (this.previous >= at.first)
          return `${named} occurs twice in ${zone} (at ${at.firstOffset} and ${at.secondOffset}) and the rows before it are not in time order, so which one is meant cannot be told; ${withOffsets}`;
        this.repeated.set(wall, { line, text: named, count: 1, example: withOffsets });
        return at.first;
      }
      if (seen.count === 1 && this.previous >= at.first && this.previous < at.second) {
        seen.count = 2;
        return at.second;
      }
      return `${named} occurs twice in ${zone} and this row (after line ${seen.line}) is out of time order or a third one, so which one is meant cannot be told; ${withOffsets}`;
    }
    if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(text)) {
      const t = Date.parse(text.replace(' ', 'T'));
      if (Number.isFinite(t)) return t;
    }
    return `"${text}" is not a date and time such as 2023-01-01T00:00:00Z`;
  }

  /** Checks the rows as a whole (spacing, grid, repeats) and gives the slots; throws CsvError naming every bad line. */
  finish(): ParsedCsv {
    if (this.carry !== '') {
      const rest = this.carry;
      this.carry = '';
      this.line(rest);
    }
    if (!this.header)
      throw new CsvError(['the file has no header and no rows; expected a header such as "start_utc,eur_per_kwh"']);
    const zone = this.options.timeZone ?? '';
    for (const r of this.repeated.values()) {
      if (r.count === 1)
        this.problems.push(
          `line ${r.line}: ${r.text} occurs twice in ${zone} but only once in the file, so which one is meant cannot be told; ${r.example}`,
        );
    }
    const problems = this.problems;
    const n = this.starts.length;
    if (n === 0 && problems.length === 0) problems.push('the file has a header but no rows');
    if (problems.length > 0) throw new CsvError(problems);
    const { starts, spots, lines } = this;
    // Most files come in time order; only others pay for an index sort.
    let order: Uint32Array | null = null;
    if (!this.ordered) {
      order = new Uint32Array(n);
      for (let i = 0; i < n; i++) order[i] = i;
      order.sort((a, b) => starts[a]! - starts[b]!);
    }
    const at = (i: number) => (order ? order[i]! : i);
    let step = Infinity;
    for (let i = 1; i < n; i++) {
      const a = at(i - 1);
      const b = at(i);
      if (starts[a] === starts[b])
        problems.push(`line ${lines[b]}: the start ${new Date(starts[b]!).toISOString()} repeats line ${lines[a]}`);
      else step = Math.min(step, starts[b]! - starts[a]!);
    }
    if (problems.length > 0) throw new CsvError(problems);
    const minutes = n === 1 ? 60 : step / 60_000;
    if (minutes !== 15 && minutes !== 30 && minutes !== 60) {
      throw new CsvError([`rows are ${minutes} minutes apart; Hearth imports 15, 30 or 60 minute slots`]);
    }
    const ms = minutes * 60_000;
    for (let i = 0; i < n; i++) {
      if (starts[i]! % ms !== 0)
        problems.push(
          `line ${lines[i]}: ${new Date(starts[i]!).toISOString()} is not on the ${minutes}-minute grid of the other rows`,
        );
    }
    if (problems.length > 0) throw new CsvError(problems);
    const currency = this.header.currency;
    const slots: SpotSlot[] = new Array<SpotSlot>(n);
    for (let i = 0; i < n; i++) {
      const j = at(i);
      slots[i] = { start: starts[j]!, end: starts[j]! + ms, spot: spots[j]!, currency };
    }
    return { slots, resolution: minutes, currency };
  }
}

/** Parses a whole CSV text at once (see CsvParser). */
export function parseCsv(text: string, options: CsvOptions = {}): ParsedCsv {
  const parser = new CsvParser(options);
  parser.push(text);
  return parser.finish();
}

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/;
