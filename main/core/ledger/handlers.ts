import { HandlerError, type LedgerDay, type LedgerHandlers, type LedgerTotals } from '#contract/index';
import { assertSafe, InexactAmount, toNanos } from '#core/economics/money';
import { addDays } from '#core/time';
import { sumTotals, type Totals } from './accounting.ts';
import { BackupError } from './backup.ts';
import { CsvError } from './csv.ts';
import { RestoreError } from './restore.ts';
import type { Ledger } from './service.ts';

export function totalsOut(t: Totals): LedgerTotals {
  return {
    energyMilliWh: t.energy,
    estimatedMilliWh: t.estimatedEnergy,
    heatMilliWh: t.heat,
    heatMetMilliWh: t.heatMet,
    costNanos: t.cost,
    heatCreditNanos: t.heatCredit,
    revenueExpectedNanos: t.revenueExpected,
    revenueCreditedNanos: t.revenueCredited,
    trainingWork: t.trainingWork,
    trainingValueNanos: t.trainingValue,
    standingNanos: t.standing,
    monthlyFeeNanos: t.monthlyFee,
    netNanos: t.net,
    slots: t.slots,
  };
}

/** Refuses a day that is not on the calendar ("2023-02-30"). */
function calendarDay(day: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  const t = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : Number.NaN;
  if (Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== day) {
    throw new HandlerError('bad-request', `${day} is not a calendar day`, 'give a day that exists, as YYYY-MM-DD');
  }
  return day;
}

/** The `days` local days ending with `until` (default today), as first and last day. */
function span(l: Ledger, days: number, until?: string): { from: string; to: string } {
  if (until !== undefined) calendarDay(until);
  const to = until ?? l.todayKey();
  return { from: addDays(to, -(days - 1)), to };
}

/**
 * Totals are exact integers of nano-units, which hold about ±9 million currency units (see
 * economics/money.ts). Charges or imported slots that add up past that over the span asked for
 * cannot be shown exactly: that is the stored data's limit, said as such, not an internal error.
 */
function exactly<T>(l: Ledger, f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof InexactAmount)
      throw new HandlerError(
        'conflict',
        `The totals add up to more than Hearth can count exactly (about ±9 million ${l.settings().currency})`,
        'Lower the standing charge or monthly fee in the ledger settings, or ask for fewer days.',
      );
    throw err;
  }
}

export function ledgerHandlers(l: Ledger): LedgerHandlers {
  return {
    'ledger-days': async ({ days, until }) =>
      exactly(l, () => {
        const { from, to } = span(l, days, until);
        const s = l.settings();
        const list = l.days(from, to);
        const out: LedgerDay[] = list.map((d) => ({
          ...totalsOut(d),
          day: d.day,
          hours: d.hours,
          shares: l.shareCounts(d.start, d.end),
        }));
        return { currency: s.currency, timeZone: s.timeZone, days: out, total: totalsOut(sumTotals(list)) };
      }),
    'ledger-period': async ({ kind, anchor }) => {
      const p = exactly(l, () => l.period(kind, anchor === undefined ? l.todayKey() : calendarDay(anchor)));
      return {
        ...p,
        buckets: p.buckets.map((b) => ({
          ...totalsOut(b),
          key: b.key,
          start: b.start,
          end: b.end,
          shares: l.shareCounts(b.start, b.end),
        })),
        total: totalsOut(p.total),
        previous: { ...p.previous, total: totalsOut(p.previous.total) },
        devices: p.devices.map((d) => ({ ...totalsOut(d), id: d.id })),
      };
    },
    'ledger-device-days': async ({ device, days, until }) =>
      exactly(l, () => {
        const { from, to } = span(l, days, until);
        const s = l.settings();
        const list = l.deviceDays(device, from, to);
        return {
          device,
          currency: s.currency,
          timeZone: s.timeZone,
          days: list.map((d) => ({ ...totalsOut(d), day: d.day, sharesAccepted: d.sharesAccepted })),
          total: totalsOut(sumTotals(list)),
        };
      }),
    'ledger-breakdown': async ({ by, days, until }) => {
      const { from, to } = span(l, days, until);
      return {
        currency: l.settings().currency,
        rows: exactly(l, () => l.breakdown(by, from, to)).map((r) => ({ ...totalsOut(r), id: r.id })),
      };
    },
    'ledger-export-csv': async ({ kind, days, until }) => {
      const { from, to } = span(l, days, until);
      return exactly(l, () => l.exportCsv(kind, from, to));
    },
    'ledger-import-csv': async ({ csv }) => {
      try {
        return { slots: l.importCsv(csv) };
      } catch (err) {
        if (err instanceof CsvError || err instanceof RangeError)
          throw new HandlerError('bad-request', err.message, 'fix the file and import again; the ledger is unchanged');
        throw err;
      }
    },
    'ledger-backup': async ({ file }) => {
      try {
        return l.backup(file);
      } catch (err) {
        if (err instanceof BackupError)
          throw new HandlerError('bad-request', err.message, 'the ledger is unchanged; nothing was written');
        throw err;
      }
    },
    'ledger-backups': async () => l.backups(),
    'ledger-restore': async ({ file }) => {
      try {
        return await l.restore(file);
      } catch (err) {
        if (err instanceof RestoreError)
          throw new HandlerError('bad-request', err.message, 'the ledger in use is unchanged');
        throw err;
      }
    },
    'ledger-settings': async () => l.settings(),
    'ledger-configure': async (next) => {
      // A day can carry both charges (the fee on the 1st): past the exact range no day could be shown.
      try {
        assertSafe(toNanos(next.standingPerDay) + toNanos(next.monthlyFee), 'the fixed charges of one day');
      } catch (err) {
        if (!(err instanceof InexactAmount)) throw err;
        throw new HandlerError(
          'bad-request',
          'The standing charge and the monthly fee together must stay below 9,007,199, the most Hearth counts exactly',
          undefined,
          'standingPerDay',
        );
      }
      return l.configure(next);
    },
  };
}
