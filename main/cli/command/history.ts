import fs from 'node:fs';
import type { LedgerTotals } from '#contract/index';
import { ledgerSettingsSchema } from '#contract/ledger';
import { nanosText } from '#core/economics/money';
import { rejectedText } from './mine.ts';
import { backupTo, restoreFrom } from '../backup-file.ts';
import { dataDirOf, withClient } from '../client.ts';
import { progressBar, DATA_DIR_DOC, numberOption, UsageError, type Command, textOptions } from '../command.ts';

const kwh = (mwh: number) => (mwh / 1_000_000).toFixed(3);

/** One table row; money as exact decimal text (never rounded to look better). */
function row(label: string, t: LedgerTotals, hours: string): string[] {
  return [
    label,
    hours,
    kwh(t.energyMilliWh),
    kwh(t.heatMilliWh),
    kwh(t.heatMetMilliWh),
    nanosText(t.costNanos + t.standingNanos + t.monthlyFeeNanos),
    nanosText(t.revenueExpectedNanos),
    nanosText(t.revenueCreditedNanos),
    nanosText(t.heatCreditNanos),
    nanosText(t.trainingValueNanos),
    nanosText(t.netNanos),
  ];
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '))
    .join('\n');
}

export const historyCommand: Command = {
  name: 'history',
  summary: 'Energy, heat, cost, revenue, heat credit and net per day (or per device/job); CSV export and import',
  usage:
    '[--days N] [--until YYYY-MM-DD] [--by device|job] [--csv days|slots [--out FILE]] [--import FILE] [--backup FILE] [--restore FILE] [--currency EUR] [--tz ZONE] [--standing 0.41] [--monthly 5] [--data-dir DIR]',
  options: {
    ...textOptions(
      'days',
      'until',
      'by',
      'csv',
      'out',
      'import',
      'backup',
      'restore',
      'currency',
      'tz',
      'standing',
      'monthly',
      'data-dir',
    ),
  },
  docs: {
    days: { value: 'N', text: 'how many days to show', default: '7', unit: 'days' },
    until: { value: 'YYYY-MM-DD', text: 'the last day shown', default: 'today', example: '2024-03-01' },
    by: { value: 'device|job', text: 'split each day per device or per job', default: 'one row per day' },
    csv: { value: 'days|slots', text: 'export as CSV: one row per day or per 15-minute slot' },
    out: { value: 'FILE', text: 'where --csv writes', default: 'standard output' },
    import: { value: 'FILE', text: 'add the slot rows of a CSV that --csv slots wrote' },
    backup: {
      value: 'FILE',
      text: "copy the whole ledger to FILE (safe while Hearth runs); a copy is also kept in the data folder's backups/",
    },
    restore: {
      value: 'FILE',
      text: "replace the ledger with a backup: a name in the data folder's backups/ or a path (copied there first); the replaced ledger is kept in backups/",
    },
    currency: { value: 'CODE', text: "saves the ledger's currency", default: 'the saved one' },
    tz: { value: 'ZONE', text: 'saves the zone the ledger counts days in', default: 'the saved one' },
    standing: { value: 'X', text: 'saves a standing charge per day', default: 'the saved one', example: '0.41' },
    monthly: { value: 'X', text: 'saves a monthly fee', default: 'the saved one', example: '5' },
    'data-dir': DATA_DIR_DOC,
  },
  examples: [
    'hearth history --days 30',
    'hearth history --csv days --out days.csv',
    'hearth history --restore hearth-20261201-030000.db',
  ],
  async run({ values }) {
    const days = numberOption(values['days'], 'days', { min: 1, max: 3660 }) ?? 7;
    const until = values['until'];
    if (until !== undefined && (typeof until !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(until)))
      throw new UsageError(`--until expects a day such as 2024-03-01, got "${String(until)}"`);
    const by = values['by'];
    if (by !== undefined && by !== 'device' && by !== 'job')
      throw new UsageError(`--by expects device or job, got "${String(by)}"`);
    const csv = values['csv'];
    if (csv !== undefined && csv !== 'days' && csv !== 'slots')
      throw new UsageError(`--csv expects days or slots, got "${String(csv)}"`);
    const importFile = values['import'];
    let text: string | null = null;
    if (typeof importFile === 'string') {
      try {
        text = fs.readFileSync(importFile, 'utf8');
      } catch (err) {
        throw new UsageError(`Cannot read ${importFile} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
      }
    }
    // Before a client is opened: when no Hearth runs it restores without opening the ledger, which
    // may be too damaged to open.
    if (typeof values['restore'] === 'string') return restoreFrom(values, values['restore']);
    return withClient(values, async ({ send }) => {
      const span = { days, ...(typeof until === 'string' ? { until } : {}) };
      const change = {
        currency: values['currency'],
        timeZone: values['tz'],
        standingPerDay: values['standing'],
        monthlyFee: values['monthly'],
      };
      if (Object.values(change).some((v) => v !== undefined)) {
        const next = { ...(await send('ledger-settings', {})) };
        for (const [k, v] of Object.entries(change)) if (typeof v === 'string') Object.assign(next, { [k]: v });
        const parsed = ledgerSettingsSchema.safeParse(next);
        if (!parsed.success)
          throw new UsageError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
        const saved = await send('ledger-configure', parsed.data);
        console.error(
          `Ledger: ${saved.currency}, days in ${saved.timeZone}, standing charge ${saved.standingPerDay}/day, monthly fee ${saved.monthlyFee}`,
        );
      }
      if (typeof values['backup'] === 'string') return backupTo(dataDirOf(values), send, values['backup']);
      if (text !== null) {
        const progress = progressBar(process.stderr, { plain: false });
        progress('import', 0, 1, 'file');
        const r = await send('ledger-import-csv', { csv: text });
        progress('import', 1, 1, 'file');
        console.log(`Imported ${r.slots} slot rows from ${String(importFile)}`);
        return 0;
      }
      if (csv === 'days' || csv === 'slots') {
        const r = await send('ledger-export-csv', { kind: csv, ...span });
        const out = values['out'];
        if (typeof out === 'string') {
          fs.writeFileSync(out, r.csv);
          console.error(`Wrote ${r.rows} rows to ${out}`);
        } else process.stdout.write(r.csv);
        return 0;
      }
      const header = [
        '',
        'hours',
        'energy kWh',
        'heat kWh',
        'heat met kWh',
        'cost',
        'revenue exp.',
        'revenue cred.',
        'heat credit',
        'training',
        'net',
      ];
      if (by === 'device' || by === 'job') {
        const r = await send('ledger-breakdown', { by, ...span });
        console.log(`Per ${by}, last ${days} days, amounts in ${r.currency}`);
        console.log(table([header, ...r.rows.map((x) => row(x.id || '(no job)', x, ''))]));
        return 0;
      }
      const r = await send('ledger-days', span);
      console.log(`Per day in ${r.timeZone}, amounts in ${r.currency} (cost includes standing charge and monthly fee)`);
      console.log(table([header, ...r.days.map((d) => row(d.day, d, String(d.hours))), row('total', r.total, '')]));
      const mined = r.days.filter((d) => d.shares && d.shares.accepted + d.shares.rejected + d.shares.stale > 0);
      if (mined.length > 0) {
        console.log("\nMining shares per day (rejections by the pool's reason)");
        for (const d of mined)
          console.log(
            `${d.day}  ${d.shares!.accepted} accepted, ${rejectedText(d.shares!.rejected, d.shares!.rejectReasons)}, ${d.shares!.stale} stale`,
          );
      }
      return 0;
    });
  },
};
