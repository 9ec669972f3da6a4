import { z } from 'zod';
import { currencyCode, ianaZone } from './common.ts';
import type { ArgSchemas, Handler } from './rpc.ts';
import { uploadArgs, uploadId, type UploadHandlers } from './upload.ts';

export type * from './upload.ts';

/** Slot lengths tariffs publish in: quarter-hourly, half-hourly (Octopus Agile) or hourly. */
export type Resolution = 15 | 30 | 60;

/**
 * One price slot. Times are ms since the epoch, UTC; `end` is exclusive. `price` is what the user
 * pays per kWh drawn in that slot: `(spot + charges) × (1 + tax)` for spot-based tariffs, the
 * configured price for fixed and time-of-use tariffs.
 */
export type PriceSlot = {
  start: number;
  end: number;
  price: number;
  /** The provider's price before charges and tax, per kWh; null where the tariff has none. */
  spot: number | null;
  /** ISO 4217 code: EUR, DKK, GBP, SEK, NOK. */
  currency: string;
};

/** A time range in the tariff's time zone, e.g. off-peak 22:00–06:00 (wraps past midnight). */
export type TimeZone = {
  /** ISO weekdays 1 (Monday) … 7 (Sunday); empty or absent means every day. */
  days?: number[];
  /** "HH:MM", inclusive. */
  from: string;
  /** "HH:MM", exclusive; "00:00" or a time before `from` wraps to the next day. */
  to: string;
  /** Price per kWh in this zone. */
  price: number;
};

/**
 * What is added to spot prices, the way evcc's `charges` and `tax` work:
 * price = (spot + charges(t)) × (1 + tax). Grid charges may vary by time of day.
 */
export type Charges = {
  /** Per kWh, where no zone matches. */
  perKWh: number;
  /** Time-zoned grid charges; the first matching zone wins. */
  zones?: TimeZone[];
  /** VAT and similar, as a fraction: 0.19 for 19 %. */
  tax: number;
};

export type DayAheadProvider =
  'awattar' | 'energi-data-service' | 'octopus-agile' | 'entsoe' | 'tibber' | 'home-assistant';

/** The configured tariff; `kind` names the adapter (one per file in main/core/tariff/). */
export type TariffConfig =
  | { kind: 'fixed'; price: number; currency: string }
  | { kind: 'time-of-use'; currency: string; defaultPrice: number; zones: TimeZone[]; resolution?: Resolution }
  /** Slots imported from a CSV file (`hearth prices import`), stored in the ledger. */
  | { kind: 'csv'; currency: string }
  | { kind: 'awattar'; country: 'de' | 'at' }
  | { kind: 'energi-data-service'; area: 'DK1' | 'DK2'; currency: 'DKK' | 'EUR' }
  | { kind: 'octopus-agile'; product: string; region: string }
  /** `token` is the ENTSO-E security token; stored sealed, returned masked. */
  | { kind: 'entsoe'; zone: string; token: string }
  | { kind: 'tibber'; token: string; homeId?: string }
  /**
   * A Home Assistant price sensor whose attributes carry today's and tomorrow's prices (the Nord
   * Pool custom integration's `raw_today`/`raw_tomorrow`, Tibber-style `today`/`tomorrow`, or the
   * list `attribute` names), read over HA's REST API (`GET /api/states/<entityId>`) with a
   * long-lived access token: stored sealed, returned masked.
   */
  | { kind: 'home-assistant'; url: string; entityId: string; token: string; attribute?: string };

export type TariffSettings = {
  tariff: TariffConfig;
  charges: Charges;
  /** IANA zone the time-of-use ranges, charges and "today" are read in, e.g. Europe/Brussels. */
  timeZone: string;
};

/** How current the prices are. A failed fetch keeps the last known slots in use. */
export type TariffStatus = {
  kind: TariffConfig['kind'];
  /** ok: the last fetch worked; stale: it failed, older prices in use; error: no prices at all. */
  state: 'ok' | 'stale' | 'error' | 'idle';
  /** Why the last fetch failed, in words a person can act on. */
  reason: string | null;
  /** When the prices in use were fetched or imported (ms), null if never. */
  fetchedAt: number | null;
  /** End of the last known slot (ms): how far ahead prices are known. */
  knownUntil: number | null;
  /** When the next scheduled fetch runs (ms), null for tariffs that need none. */
  nextFetchAt: number | null;
};

export type CsvImportResult = {
  slots: number;
  from: number;
  to: number;
  resolution: Resolution;
  currency: string;
  /** Of `spot` (per kWh), before charges. */
  mean: number;
  min: number;
  max: number;
  /** The zone the file's days are named in. */
  timeZone: string;
  /** Whether the live tariff is the imported one (it plans with these prices where they reach). */
  inUse: boolean;
  /** Whether the file's prices reach past now. */
  reachesNow: boolean;
  /** For people: "covers 2023-01-01 – 2023-12-31 (Europe/Brussels); ends before today, so the live plan does not use it; kept for backtests". */
  message: string;
};

/**
 * One try of tariff settings without saving them: the prices they give for today and tomorrow
 * (what the user would pay, charges and tax included), or the provider's reason for giving none.
 */
export type TariffTestResult = {
  ok: boolean;
  message: string;
  slots: number;
  from: number | null;
  to: number | null;
  min: number | null;
  max: number | null;
  currency: string | null;
};

/**
 * How far a price import is: `parse` while rows are read (`percent` of the text), `store` when
 * they are written (one transaction, all rows or none), `done` after. `upload` names the upload
 * the import reads, null for text sent inline.
 */
export type PriceImportProgress = {
  upload: string | null;
  phase: 'parse' | 'store' | 'done';
  /** Rows read so far. */
  rows: number;
  /** Rows written to the ledger (0 until the store commits). */
  stored: number;
  /** Of the current phase, 0–100. */
  percent: number;
};

/** The price import's methods, with the chunked upload it may read from (`upload.ts`). */
export type TariffHandlers = UploadHandlers & {
  /** The tariff, charges and time zone in use; tokens are masked ("••••1234"). */
  'tariff-settings': Handler<Record<string, never>, TariffSettings>;
  /**
   * Validates and saves new settings. Dynamic providers are asked once first: a rejected token
   * or an unknown zone fails here and the previous settings stay. A masked token keeps the old one.
   */
  'tariff-configure': Handler<TariffSettings & { skipCheck?: boolean }, TariffStatus>;
  /** Asks the provider once with these settings (a masked token means the stored one); saves nothing. */
  'tariff-test': Handler<TariffSettings, TariffTestResult>;
  /** Slots overlapping [from, to), in time order. */
  'tariff-slots': Handler<{ from: number; to: number }, PriceSlot[]>;
  'tariff-status': Handler<Record<string, never>, TariffStatus>;
  /** Fetches now (dynamic providers); the result is also pushed as `price-update`. */
  'tariff-refresh': Handler<Record<string, never>, TariffStatus>;
  /**
   * Imports CSV text (`start,price` columns; see README), given inline (`csv`) or as a finished
   * chunked upload (`upload`, from `upload-begin`/`upload-chunk`, which the page and the CLI use
   * for files: progress while sending, and no call that parses a whole file as one JSON body). All rows or none: a bad row fails the import with its line number and the stored prices
   * stay as they were. The prices are added beside the live tariff (backtests use them) unless
   * `useAsTariff` makes the import the tariff. Progress is pushed as `price-import-progress`.
   */
  'tariff-import-csv': Handler<
    {
      csv?: string;
      upload?: string;
      unit?: 'per-kwh' | 'per-mwh' | 'cents-per-kwh';
      currency?: string;
      timeZone?: string;
      useAsTariff?: boolean;
    },
    CsvImportResult
  >;
};

export type TariffEvents = {
  /** New prices are known (fetch, import or settings change). */
  'price-update': { from: number; to: number; slots: number; status: TariffStatus };
  /** The fetch state changed (e.g. a provider error). */
  'tariff-status': TariffStatus;
  'price-import-progress': PriceImportProgress;
};

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'enter a time as HH:MM (00:00–23:59)');
const currency = currencyCode;
/**
 * A stored price per kWh; anything beyond ±100 per kWh is a unit mistake (per MWh entered as per
 * kWh). Settings stored before the tighter entry check below still load.
 */
const pricePerKWh = z
  .number({ message: 'the price must be a number' })
  .finite()
  .min(-100, 'the price must be at least -100 per kWh: is it per MWh? divide by 1,000')
  .max(100, 'the price must be at most 100 per kWh: is it per MWh? divide by 1,000');
/**
 * A price a person enters. Negative prices are real (the day-ahead market clears down to
 * -0.50 EUR/kWh, -500 EUR/MWh), so a small negative price is kept (the page asks to confirm it);
 * below -1 per kWh no tariff pays, and it is a sign or unit mistake that would make the planner run
 * every job in that zone.
 */
const enteredPrice = z
  .number({ message: 'the price must be a number' })
  .finite()
  .min(
    -1,
    'the price must be at least -1 per kWh: a tariff that pays more than that for power is a sign or unit mistake',
  )
  .max(100, 'the price must be at most 100 per kWh: is it per MWh? divide by 1,000');
/** Pasted tokens often carry a line break or a space that the provider then refuses. */
const token = (what: string) =>
  z
    .string()
    .min(1, `the ${what} is required`)
    .refine((t) => !/\s/.test(t), `the ${what} contains a space or line break: paste it again without them`);

/** Home Assistant's address: http(s) with a host, such as http://homeassistant.local:8123. */
const haUrl = z.string().refine((text) => {
  try {
    const u = new URL(text);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '' && !/\s/.test(text);
  } catch {
    return false;
  }
}, 'enter a URL starting http:// or https://, such as http://homeassistant.local:8123');

const weekday = z
  .number({ message: 'the days are numbers: 1 (Monday) … 7 (Sunday)' })
  .int('the days are whole numbers: 1 (Monday) … 7 (Sunday)')
  .min(1, 'the days are 1 (Monday) … 7 (Sunday)')
  .max(7, 'the days are 1 (Monday) … 7 (Sunday)');

/** A zone as stored: no days (or an empty list) means every day. */
export const timeZoneSchema = z
  .object({ days: z.array(weekday).optional(), from: hhmm, to: hhmm, price: pricePerKWh })
  .strict();

/**
 * A zone as a person enters it: the days given means at least one (an emptied days box is a zone
 * forgotten, not "every day"; leaving `days` out still means every day), and it ends at another
 * time than it starts.
 */
const enteredZone = z
  .object({
    days: z.array(weekday).min(1, 'choose at least one day: 1 (Monday) … 7 (Sunday), such as 1-5').optional(),
    from: hhmm,
    to: hhmm,
    price: enteredPrice,
  })
  .strict()
  .refine((zone) => zone.from !== zone.to, {
    path: ['to'],
    message: 'the zone must end at another time than it starts',
  });

/** The tariff kinds, with the prices and zones of `price` and `zone`: stored, or as entered. */
const tariffConfigOf = (price: z.ZodType<number>, zone: z.ZodType<TimeZone>): z.ZodType<TariffConfig> =>
  z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('fixed'), price, currency }).strict(),
    z
      .object({
        kind: z.literal('time-of-use'),
        currency,
        defaultPrice: price,
        zones: z.array(zone).max(48),
        resolution: z.union([z.literal(15), z.literal(30), z.literal(60)]).optional(),
      })
      .strict(),
    z.object({ kind: z.literal('csv'), currency }).strict(),
    z.object({ kind: z.literal('awattar'), country: z.enum(['de', 'at']) }).strict(),
    z
      .object({
        kind: z.literal('energi-data-service'),
        area: z.enum(['DK1', 'DK2']),
        currency: z.enum(['DKK', 'EUR']),
      })
      .strict(),
    z
      .object({
        kind: z.literal('octopus-agile'),
        product: z.string().regex(/^[A-Z0-9-]{3,64}$/, 'enter a product code such as AGILE-24-10-01'),
        region: z.string().regex(/^[A-P]$/, 'enter a region letter A–P (the last letter of the tariff code)'),
      })
      .strict(),
    z
      .object({
        kind: z.literal('entsoe'),
        zone: z.string().regex(/^10Y[0-9A-Z-]{13}$/, 'enter an EIC bidding-zone code such as 10YBE----------2'),
        token: token('ENTSO-E security token'),
      })
      .strict(),
    z
      .object({
        kind: z.literal('tibber'),
        token: token('Tibber API token'),
        homeId: z
          .string()
          .regex(
            /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
            'enter the home id as Tibber shows it, such as 96a14971-525a-4420-aae9-e5aedaa129ff, or leave it empty',
          )
          .optional(),
      })
      .strict(),
    z
      .object({
        kind: z.literal('home-assistant'),
        url: haUrl,
        entityId: z
          .string()
          .regex(/^[a-z_]+\.[a-z0-9_]+$/, 'enter an entity id such as sensor.nordpool_kwh_se3_sek_3_10_025'),
        token: token('long-lived access token'),
        attribute: z
          .string()
          .regex(
            /^[A-Za-z0-9_][A-Za-z0-9_ .-]{0,63}$/,
            'enter the attribute name as Home Assistant shows it, such as raw_today, or leave it empty',
          )
          .optional(),
      })
      .strict(),
  ]);

export const tariffConfigSchema: z.ZodType<TariffConfig> = tariffConfigOf(pricePerKWh, timeZoneSchema);
/** The tariff as `tariff-configure` and `tariff-test` take it, and the page checks it before sending. */
export const tariffInputSchema: z.ZodType<TariffConfig> = tariffConfigOf(enteredPrice, enteredZone);

const chargesOf = (price: z.ZodType<number>, zone: z.ZodType<TimeZone>): z.ZodType<Charges> =>
  z
    .object({
      perKWh: price,
      zones: z.array(zone).max(48).optional(),
      tax: z
        .number({ message: 'the tax must be a number' })
        .min(0, 'the tax must be between 0 and 100 %')
        .max(1, 'the tax must be between 0 and 100 %'),
    })
    .strict();
export const chargesSchema: z.ZodType<Charges> = chargesOf(pricePerKWh, timeZoneSchema);
export const chargesInputSchema: z.ZodType<Charges> = chargesOf(enteredPrice, enteredZone);

/** The tariff settings as a person saves them; the page runs this before sending. */
export const tariffSettingsInputSchema = z
  .object({
    tariff: tariffInputSchema,
    charges: chargesInputSchema,
    timeZone: ianaZone,
    skipCheck: z.boolean().optional(),
  })
  .strict();

export const tariffArgs: ArgSchemas<TariffHandlers> = {
  ...uploadArgs,
  'tariff-settings': z.object({}).strict(),
  'tariff-configure': tariffSettingsInputSchema,
  'tariff-test': z.object({ tariff: tariffInputSchema, charges: chargesInputSchema, timeZone: ianaZone }).strict(),
  'tariff-slots': z
    .object({ from: z.number().int(), to: z.number().int() })
    .strict()
    .refine(
      (a) => a.to > a.from && a.to - a.from <= 400 * 86_400_000,
      'the end must be after the start, at most 400 days later',
    ),
  'tariff-status': z.object({}).strict(),
  'tariff-refresh': z.object({}).strict(),
  'tariff-import-csv': z
    .object({
      csv: z
        .string()
        .min(1, 'the CSV is empty')
        .max(64 * 1024 * 1024)
        .optional(),
      upload: uploadId.optional(),
      unit: z.enum(['per-kwh', 'per-mwh', 'cents-per-kwh']).optional(),
      currency: currency.optional(),
      timeZone: ianaZone.optional(),
      useAsTariff: z.boolean().optional(),
    })
    .strict()
    .refine(
      (a) => (a.csv === undefined) !== (a.upload === undefined),
      'give the CSV text or an upload id, one of them',
    ),
};
