import fs from 'node:fs';
import path from 'node:path';
import type { CsvImportResult, Handlers, PriceSlot, TariffStatus } from '#contract/index';
import { HandlerError } from '#contract/index';
import { localDay, localParts } from '#core/time';
import { sendTo, withClient, type Send } from '../client.ts';
import {
  DATA_DIR_DOC,
  FROM_HOUR_DOC,
  JSON_DOC,
  numberOption,
  progressBar,
  UsageError,
  type Command,
  flagOptions,
  textOptions,
} from '../command.ts';

const HOUR = 3_600_000;

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const two = (n: number) => String(n).padStart(2, '0');

/** "Sun 2022-03-27 19:00" in the tariff's zone. */
export function localTime(ms: number, timeZone: string): string {
  const p = localParts(ms, timeZone);
  return `${WEEKDAYS[p.isoWeekday - 1]} ${p.year}-${two(p.month)}-${two(p.day)} ${two(p.hour)}:${two(p.minute)}`;
}

/** --from as an instant, or undefined. */
export function fromOption(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const t = Date.parse(value);
  if (!Number.isFinite(t)) throw new UsageError(`--from expects a time such as 2023-01-01T00:00:00Z, got "${value}"`);
  return t;
}

/** Per-kWh prices keep five decimals, the precision exchanges publish in. */
export const perKWh = (v: number, currency: string) => `${v.toFixed(5)} ${currency}/kWh`;

function age(ms: number): string {
  const min = Math.round(ms / 60_000);
  if (min < 90) return `${min} min`;
  const h = min / 60;
  return h < 48 ? `${h.toFixed(1)} h` : `${(h / 24).toFixed(1)} days`;
}

export function describeStatus(st: TariffStatus, now: number): string {
  const parts = [`tariff ${st.kind}: ${st.state}`];
  if (st.fetchedAt !== null) parts.push(`prices from ${age(now - st.fetchedAt)} ago`);
  if (st.knownUntil !== null) parts.push(`known until ${new Date(st.knownUntil).toISOString()}`);
  if (st.reason) parts.push(st.reason);
  return parts.join(', ');
}

export function formatSlots(slots: PriceSlot[], timeZone: string): string[] {
  if (slots.length === 0) return [];
  const prices = slots.map((s) => s.price);
  // Loops, not Math.min(...prices): 400 days of quarter hours is 38 k arguments.
  let min = Infinity;
  let max = -Infinity;
  for (const p of prices) {
    min = Math.min(min, p);
    max = Math.max(max, p);
  }
  const cur = slots[0]!.currency;
  const lines = slots.map((s) => {
    const mark = s.price === min ? '  cheapest' : s.price === max ? '  dearest' : '';
    const spot = s.spot === null ? '' : `  (spot ${perKWh(s.spot, s.currency)})`;
    return `${localTime(s.start, timeZone)}  ${String((s.end - s.start) / 60_000).padStart(2)} min  ${perKWh(s.price, s.currency)}${spot}${mark}`;
  });
  const mean = prices.reduce((a, b) => a + b, 0) / prices.length;
  // The summary first: a long list scrolls the top away, not the answer.
  lines.unshift(`${slots.length} slots: mean ${perKWh(mean, cur)}, min ${perKWh(min, cur)}, max ${perKWh(max, cur)}`);
  return lines;
}

/**
 * Fetches a day-ahead tariff's prices when today's or tomorrow's are not known yet (offline, the
 * cache stands); the status after. Through a client's `send`, or an in-process core's handlers.
 */
export async function freshPrices(via: Send | Handlers, now: number): Promise<TariffStatus> {
  const send = typeof via === 'function' ? via : sendTo(via);
  const settings = await send('tariff-settings', {});
  const status = await send('tariff-status', {});
  const isDynamic = !['fixed', 'time-of-use', 'csv'].includes(settings.tariff.kind);
  if (
    isDynamic &&
    (status.knownUntil === null ||
      status.knownUntil < localDay(localDay(now, settings.timeZone).end, settings.timeZone).end)
  )
    return send('tariff-refresh', {});
  return status;
}

export const pricesCommand: Command = {
  name: 'prices',
  summary: 'List the next electricity price slots from the configured tariff',
  usage: '[--hours N] [--from ISO-TIME] [--json] [--data-dir DIR]',
  options: { ...flagOptions('json'), ...textOptions('hours', 'from', 'data-dir') },
  docs: {
    hours: { value: 'N', text: 'how many hours ahead to list', default: '48', unit: 'hours' },
    from: FROM_HOUR_DOC,
    json: JSON_DOC,
    'data-dir': DATA_DIR_DOC,
  },
  examples: ['hearth prices --hours 24'],
  async run({ values }) {
    const hours = numberOption(values['hours'], 'hours', { min: 1, max: 24 * 400 }) ?? 48;
    const from = fromOption(values['from']);
    return withClient(values, async ({ send }) => {
      const settings = await send('tariff-settings', {});
      const now = Date.now();
      const status = await freshPrices(send, now);
      const start = from ?? Math.floor(now / HOUR) * HOUR;
      const slots = await send('tariff-slots', { from: start, to: start + hours * HOUR });
      if (values['json']) {
        console.log(JSON.stringify({ status, timeZone: settings.timeZone, slots }, null, 2));
        return 0;
      }
      console.log(describeStatus(status, now));
      if (slots.length === 0) {
        console.log(
          `No prices known for ${new Date(start).toISOString()} … ${new Date(start + hours * HOUR).toISOString()}.`,
        );
        return status.state === 'error' ? 1 : 0;
      }
      for (const line of formatSlots(slots, settings.timeZone)) console.log(line);
      return 0;
    });
  },
};

export function formatImport(r: CsvImportResult, file: string): string[] {
  return [
    `Imported ${r.slots} slots of ${r.resolution} min from ${path.basename(file)}: ${r.message}`,
    `spot ${r.currency}/kWh: mean ${r.mean.toFixed(8)}, min ${r.min.toFixed(8)}, max ${r.max.toFixed(8)}; ${new Date(r.from).toISOString()} … ${new Date(r.to).toISOString()}`,
  ];
}

/** Characters per chunk: read as UTF-8 blocks of 192 KiB, so each stays under UPLOAD_CHUNK_CHARS. */
const READ_BLOCK = 192 * 1024;

/**
 * Sends a file through the chunked upload (the same calls the page makes), reading it block by block so the whole text is never held here. Reports bytes
 * read and rows seen (line breaks) after each chunk; returns the upload id for the import.
 */
export async function uploadFile(
  send: Send,
  file: string,
  onChunk: (bytes: number, total: number, rows: number) => void = () => undefined,
): Promise<string> {
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (size === 0) throw new UsageError(`${file} is empty`);
  const { upload } = await send('upload-begin', { bytes: size, name: path.basename(file) });
  let offset = 0;
  let rows = 0;
  try {
    for await (const data of fs.createReadStream(file, { encoding: 'utf8', highWaterMark: READ_BLOCK })) {
      const text = data as string;
      const r = await send('upload-chunk', { upload, offset, data: text });
      offset = r.received;
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) rows++;
      onChunk(r.bytes, size, rows);
    }
  } catch (err) {
    await send('upload-abort', { upload }).catch(() => undefined);
    if (err instanceof HandlerError || err instanceof UsageError) throw err;
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return upload;
}

export const pricesImportCommand: Command = {
  name: 'prices import',
  summary:
    'Add price slots from a CSV file (start,price columns) for backtests; the live tariff stays unless --use-as-tariff',
  usage:
    'FILE [--unit per-kwh|per-mwh|cents-per-kwh] [--currency EUR] [--tz Europe/Brussels] [--use-as-tariff] [--json] [--data-dir DIR]',
  options: {
    ...flagOptions('use-as-tariff', 'keep-tariff', 'json'),
    ...textOptions('unit', 'currency', 'tz', 'data-dir'),
  },
  docs: {
    unit: {
      value: 'per-kwh|per-mwh|cents-per-kwh',
      text: "the prices' unit",
      default: "the header's (eur_per_kwh, EUR/MWh, ct/kWh)",
    },
    currency: { value: 'CODE', text: "the prices' currency", default: "the header's, else EUR" },
    tz: { value: 'ZONE', text: 'the zone of timestamps without Z or an offset', default: "the tariff settings' zone" },
    'use-as-tariff': { text: 'also make the imported prices the live tariff (CSV import)' },
    'keep-tariff': { text: 'the default now: the live tariff stays (kept so older scripts run)' },
    json: JSON_DOC,
    'data-dir': DATA_DIR_DOC,
  },
  examples: [
    'hearth prices import test/fixtures/prices/be-day-ahead-2023.csv',
    'hearth prices import my-prices.csv --unit per-mwh --use-as-tariff',
  ],
  allowPositionals: true,
  async run({ values, positionals }) {
    if (positionals.length !== 1) throw new UsageError('give one CSV file: hearth prices import FILE');
    const file = positionals[0]!;
    const unit = values['unit'];
    if (unit !== undefined && unit !== 'per-kwh' && unit !== 'per-mwh' && unit !== 'cents-per-kwh') {
      throw new UsageError(`--unit expects per-kwh, per-mwh or cents-per-kwh, got "${String(unit)}"`);
    }
    const currency = typeof values['currency'] === 'string' ? values['currency'].toUpperCase() : undefined;
    if (currency !== undefined && !/^[A-Z]{3}$/.test(currency))
      throw new UsageError(`--currency expects a code such as EUR, got "${currency}"`);
    if (values['use-as-tariff'] && values['keep-tariff'])
      throw new UsageError('--use-as-tariff switches the live tariff and --keep-tariff keeps it: give one of them');
    // Drawn on a terminal only: a script reading stderr gets the result or the refusal, not a bar.
    const progress = progressBar(process.stderr, { plain: false });
    const kB = (n: number) => Math.ceil(n / 1024);
    return withClient(values, async ({ send }) => {
      let result: CsvImportResult;
      try {
        const upload = await uploadFile(send, file, (bytes, total, rows) =>
          progress('upload', kB(bytes), kB(total), `kB, ${rows} rows`),
        );
        progress('import', 0, 1, 'step: parse and store');
        result = await send('tariff-import-csv', {
          upload,
          ...(values['use-as-tariff'] ? { useAsTariff: true } : {}),
          ...(unit ? { unit } : {}),
          ...(currency ? { currency } : {}),
          ...(typeof values['tz'] === 'string' ? { timeZone: values['tz'] } : {}),
        });
      } catch (err) {
        if (err instanceof HandlerError) throw new UsageError(`${file}: ${err.message}`);
        throw err;
      }
      progress('import', 1, 1, `step: ${result.slots} slots stored`);
      if (values['json']) console.log(JSON.stringify(result, null, 2));
      else for (const line of formatImport(result, file)) console.log(line);
      return 0;
    });
  },
};
