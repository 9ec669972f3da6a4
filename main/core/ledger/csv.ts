import { nanosText, toNanos } from '#core/economics/money';
import type { DayTotals, SlotRecord } from './accounting.ts';

/**
 * CSV of the ledger. Amounts are exact decimal text (energy in kWh to the mWh, money to the
 * nano-unit), so export → import gives back the same integers.
 */
export const SLOT_COLUMNS = [
  'start_utc',
  'end_utc',
  'device',
  'job',
  'energy_kwh',
  'energy_source',
  'heat_kwh',
  'heat_met_kwh',
  'currency',
  'price_per_kwh',
  'cost',
  'heat_credit',
  'revenue_expected',
  'revenue_credited',
  'training_work',
  'training_value',
] as const;

/** mWh as kWh text: 250000 → "0.25". */
export function kwhText(mwh: number): string {
  return nanosText(mwh * 1000);
}

function parseKwh(text: string, what: string): number {
  const n = toNanos(text);
  if (n % 1000 !== 0) throw new RangeError(`${what} "${text}" has more than 6 decimals (finer than 1 mWh)`);
  return n / 1000;
}

function field(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * A spreadsheet runs a cell that starts with = + - @ (or a tab or CR before one) as a formula:
 * a device named `=HYPERLINK(...)` would become a link in the exported file. As OWASP advises, such
 * a text cell gets a leading single quote and is quoted. A cell that already starts with a quote
 * gets one more, so `unescapedText` gives back exactly the name stored. Only text cells (names) go
 * through here: a money cell of -0.12 stays a number.
 */
export function textCell(s: string): string {
  return /^[=+\-@\t\r']/.test(s) ? `"'${s.replace(/"/g, '""')}"` : field(s);
}

/** The name `textCell` wrote (files exported before it escaped are read as they are). */
export function unescapedText(s: string): string {
  return /^'[=+\-@\t\r']/.test(s) ? s.slice(1) : s;
}

export function slotsCsv(rows: SlotRecord[]): string {
  const lines = [SLOT_COLUMNS.join(',')];
  for (const r of rows) {
    lines.push(
      [
        new Date(r.start).toISOString(),
        new Date(r.end).toISOString(),
        textCell(r.deviceId),
        textCell(r.jobId),
        kwhText(r.energy),
        r.energySource,
        kwhText(r.heat),
        kwhText(r.heatMet),
        r.currency,
        nanosText(r.price),
        nanosText(r.cost),
        nanosText(r.heatCredit),
        nanosText(r.revenueExpected),
        nanosText(r.revenueCredited),
        String(r.trainingWork),
        nanosText(r.trainingValue),
      ].join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

export function daysCsv(days: DayTotals[], currency: string): string {
  const lines = [
    'day,hours,energy_kwh,estimated_kwh,heat_kwh,heat_met_kwh,currency,cost,standing_charge,monthly_fee,heat_credit,revenue_expected,revenue_credited,training_value,net,slots',
  ];
  for (const d of days) {
    lines.push(
      [
        d.day,
        String(d.hours),
        kwhText(d.energy),
        kwhText(d.estimatedEnergy),
        kwhText(d.heat),
        kwhText(d.heatMet),
        currency,
        nanosText(d.cost),
        nanosText(d.standing),
        nanosText(d.monthlyFee),
        nanosText(d.heatCredit),
        nanosText(d.revenueExpected),
        nanosText(d.revenueCredited),
        nanosText(d.trainingValue),
        nanosText(d.net),
        String(d.slots),
      ].join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Splits one CSV line, honouring quotes. */
function splitLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

export class CsvError extends Error {}

/** Parses a slots CSV; any bad row fails the whole import with its line number. */
export function parseSlotsCsv(text: string): SlotRecord[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = splitLine(lines[0] ?? '').map((h) => h.trim());
  const missing = SLOT_COLUMNS.filter((c) => !header.includes(c));
  if (missing.length > 0)
    throw new CsvError(
      `Line 1: the header lacks ${missing.join(', ')}: export the slots CSV from Hearth (hearth history --csv slots) and import that`,
    );
  const col = (name: (typeof SLOT_COLUMNS)[number]) => header.indexOf(name);
  const out: SlotRecord[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const f = splitLine(line);
    const get = (name: (typeof SLOT_COLUMNS)[number]) => (f[col(name)] ?? '').trim();
    try {
      const start = Date.parse(get('start_utc'));
      const end = Date.parse(get('end_utc'));
      if (Number.isNaN(start) || Number.isNaN(end))
        throw new RangeError('start_utc/end_utc are not ISO times such as 2024-03-01T00:00:00.000Z');
      const source = get('energy_source');
      if (source !== 'measured' && source !== 'estimated')
        throw new RangeError(`energy_source "${source}" is neither measured nor estimated`);
      const work = Number(get('training_work'));
      if (!Number.isSafeInteger(work))
        throw new RangeError(`training_work "${get('training_work')}" is not a whole number`);
      out.push({
        start,
        end,
        deviceId: unescapedText(get('device')),
        jobId: unescapedText(get('job')),
        energy: parseKwh(get('energy_kwh'), 'energy_kwh'),
        energySource: source,
        heat: parseKwh(get('heat_kwh'), 'heat_kwh'),
        heatMet: parseKwh(get('heat_met_kwh'), 'heat_met_kwh'),
        currency: get('currency'),
        price: toNanos(get('price_per_kwh')),
        cost: toNanos(get('cost')),
        heatCredit: toNanos(get('heat_credit')),
        revenueExpected: toNanos(get('revenue_expected')),
        revenueCredited: toNanos(get('revenue_credited')),
        trainingWork: work,
        trainingValue: toNanos(get('training_value')),
      });
      if (out[out.length - 1]!.deviceId === '') throw new RangeError('device is empty');
    } catch (err) {
      throw new CsvError(`Line ${i + 1}: ${(err as Error).message}; nothing was imported`);
    }
  }
  return out;
}
