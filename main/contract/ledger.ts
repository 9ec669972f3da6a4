import { z } from 'zod';
import { currencyCode, ianaZone } from './common.ts';
import type { ShareCounts } from './mining.ts';
import type { ArgSchemas, Handler } from './rpc.ts';

/**
 * Totals over a span. Exact integers: energy in milliwatt-hours, money in nano-units of the
 * currency (1e-9; a CPU miner's revenue per slot is far below a cent and must not round to zero).
 * Divide only for display.
 */
export type LedgerTotals = {
  energyMilliWh: number;
  /** The part of the energy that was estimated rather than measured. */
  estimatedMilliWh: number;
  heatMilliWh: number;
  /** The part of the heat the home needed. */
  heatMetMilliWh: number;
  costNanos: number;
  heatCreditNanos: number;
  /** From hash rate and network difficulty. */
  revenueExpectedNanos: number;
  /** From accepted shares at the pool's difficulty. */
  revenueCreditedNanos: number;
  trainingWork: number;
  trainingValueNanos: number;
  /** Fixed daily standing charge; the monthly fee shows on the 1st of each month. */
  standingNanos: number;
  monthlyFeeNanos: number;
  /** revenueExpected + heatCredit + trainingValue − cost − standing − monthlyFee. */
  netNanos: number;
  slots: number;
};

/** One local day in the ledger's time zone: 23 or 25 hours on clock-change days. */
export type LedgerDay = LedgerTotals & {
  day: string;
  hours: number;
  /** Mining shares found that day, by outcome and the pool's rejection reason; null without the mining domain. */
  shares: ShareCounts | null;
};

export type LedgerDays = { currency: string; timeZone: string; days: LedgerDay[]; total: LedgerTotals };

/** One device's local days; no standing charge or monthly fee (those belong to the home, not a device). */
export type LedgerDeviceDays = {
  device: string;
  currency: string;
  timeZone: string;
  days: (LedgerTotals & {
    day: string;
    /** Shares the device reported accepted that day (LAN devices); null where it reports none. */
    sharesAccepted: number | null;
  })[];
  total: LedgerTotals;
};

/** A calendar period the History page shows: a day, an ISO week (Monday first), a month or a year. */
export type LedgerPeriodKind = 'day' | 'week' | 'month' | 'year';

/** One bar of a period: an hour of a day, a day of a week or month, a month of a year. */
export type LedgerBucket = LedgerTotals & {
  /** "YYYY-MM-DD" for days, "YYYY-MM-DDTHH" (local hour) for hours, "YYYY-MM" for months. */
  key: string;
  start: number;
  end: number;
  shares: ShareCounts | null;
};

export type LedgerPeriod = LedgerPeriodOf<LedgerTotals, LedgerBucket>;

/**
 * A period's shape over its totals `T` and buckets `B`: the contract's in `LedgerPeriod`; the core
 * fills the same shape in its own units first, so the two cannot drift apart field by field.
 */
export type LedgerPeriodOf<T, B> = {
  currency: string;
  timeZone: string;
  kind: LedgerPeriodKind;
  /** First and last local day of the period, and its instants [start, end). */
  from: string;
  to: string;
  start: number;
  end: number;
  /** The period holds now: its totals run until now, later buckets are left out. */
  running: boolean;
  /** Buckets up to now, oldest first (hours carry no fixed charges; the totals do). */
  buckets: B[];
  /** The whole period so far, the standing charge and monthly fee included. */
  total: T;
  /**
   * The period before, of the same kind; while this one runs only as far into it as this one has
   * run (`until`), so "this week so far" is compared with last week to the same hour, not in full.
   */
  previous: { from: string; to: string; start: number; until: number; total: T };
  /** Energy and money per device over the period so far, most energy first. */
  devices: (T & { id: string })[];
  /** Anchors for navigation: the period before, the one after (null when it has not begun), the current one. */
  previousAnchor: string;
  nextAnchor: string | null;
  today: string;
};

export type LedgerSettings = {
  currency: string;
  /** IANA zone days are counted in. */
  timeZone: string;
  /** Decimal text so it is kept exactly, e.g. "0.41". */
  standingPerDay: string;
  monthlyFee: string;
};

export type LedgerHandlers = {
  /** Per-day totals for the `days` local days ending with `until` (default today), oldest first. */
  'ledger-days': Handler<{ days: number; until?: string }, LedgerDays>;
  /** The period of `kind` holding `anchor` (default today) with its buckets, devices and the period before. */
  'ledger-period': Handler<{ kind: LedgerPeriodKind; anchor?: string }, LedgerPeriod>;
  /** Totals per device or per job over the same span. */
  'ledger-breakdown': Handler<
    { by: 'device' | 'job'; days: number; until?: string },
    { currency: string; rows: (LedgerTotals & { id: string })[] }
  >;
  /**
   * One device's days (energy, heat, money; shares where the device reports them): `device` as the
   * plan names it ("cpu", "gpu:0", "lan:<id>").
   */
  'ledger-device-days': Handler<{ device: string; days: number; until?: string }, LedgerDeviceDays>;
  /** CSV of the days or of the raw slot rows; amounts as exact decimal text. */
  'ledger-export-csv': Handler<
    { kind: 'days' | 'slots'; days: number; until?: string },
    { csv: string; filename: string; rows: number }
  >;
  /** Imports a slots CSV written by the export: all rows or none; rows for the same slot are replaced. */
  'ledger-import-csv': Handler<{ csv: string }, { slots: number }>;
  /**
   * A consistent copy of the whole ledger file taken while everything runs (SQLite VACUUM INTO),
   * checked with PRAGMA integrity_check, written to the data folder's backups/ folder. `file` is a
   * file name there (default hearth-<time>.db); a path is refused (the CLI on the machine copies a
   * backup elsewhere itself).
   */
  'ledger-backup': Handler<{ file?: string }, { file: string; bytes: number; integrity: string }>;
  'ledger-settings': Handler<Record<string, never>, LedgerSettings>;
  'ledger-configure': Handler<LedgerSettings, LedgerSettings>;
  /** Backup files in the data folder's backups/ folder, newest first. */
  'ledger-backups': Handler<Record<string, never>, LedgerBackupFile[]>;
  /**
   * Replaces the ledger with a backup file, named as it is in backups/ (`LedgerBackupFile.name`; a
   * path is refused): refused unless the file is a Hearth ledger that passes
   * PRAGMA integrity_check. The current ledger is kept aside (`keptAs`); the core restarts on the
   * restored file at once where the host can restart it, else on the next start.
   */
  'ledger-restore': Handler<{ file: string }, LedgerRestoreResult>;
};

/** `name`: what `ledger-restore` takes; `file`: the whole path, to show. */
export type LedgerBackupFile = { name: string; file: string; bytes: number; modifiedAt: number };

export type LedgerRestoreResult = {
  restoredFrom: string;
  /** The ledger that was replaced, kept as this file. */
  keptAs: string;
  /** True when the core already runs on the restored ledger; false: it takes effect on the next start. */
  restarted: boolean;
  /** Slot rows in the restored ledger. */
  slots: number;
};

export type LedgerEvents = {
  /** A slot was booked: the History page refreshes. */
  'ledger-slot': { start: number; end: number; currency: string };
};

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'enter a day as YYYY-MM-DD');
const days = z.number().int().min(1).max(3660);
const decimal = z.string().regex(/^\d{1,7}(\.\d{1,9})?$/, 'enter an amount such as 0.41 (at most 9 decimals)');

export const ledgerSettingsSchema: z.ZodType<LedgerSettings> = z
  .object({
    currency: currencyCode,
    timeZone: ianaZone,
    standingPerDay: decimal,
    monthlyFee: decimal,
  })
  .strict();

export const ledgerArgs: ArgSchemas<LedgerHandlers> = {
  'ledger-days': z.object({ days, until: day.optional() }).strict(),
  'ledger-period': z
    .object({
      kind: z.enum(['day', 'week', 'month', 'year'], { message: 'choose day, week, month or year' }),
      anchor: day.optional(),
    })
    .strict(),
  'ledger-breakdown': z.object({ by: z.enum(['device', 'job']), days, until: day.optional() }).strict(),
  'ledger-device-days': z.object({ device: z.string().min(1).max(200), days, until: day.optional() }).strict(),
  'ledger-export-csv': z.object({ kind: z.enum(['days', 'slots']), days, until: day.optional() }).strict(),
  'ledger-import-csv': z
    .object({
      csv: z
        .string()
        .min(1, 'the CSV is empty')
        .max(256 * 1024 * 1024),
    })
    .strict(),
  'ledger-backup': z.object({ file: z.string().min(1).max(4096).optional() }).strict(),
  'ledger-settings': z.object({}).strict(),
  'ledger-configure': ledgerSettingsSchema,
  'ledger-backups': z.object({}).strict(),
  'ledger-restore': z.object({ file: z.string().trim().min(1, 'choose a backup file').max(4096) }).strict(),
};
