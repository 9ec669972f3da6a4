import { HandlerError, type LedgerDay, type LedgerSettings, type LedgerTotals, type PriceSlot } from '#contract/index';
import { addDays, dayKey, dayRange } from '#core/economics/day';
import { toNanos } from '#core/economics/money';
import { hashesOfShares, moneyPerHash } from '#core/market/revenue';
import type { HandlerPart } from '#core/handler';
import { defineModule, type CoreModule, type ModuleInstance } from '#core/module';
import { accountingMigrations, createAccounting, rollupBy, rollupDays, sumTotals, type FixedCharges, type SlotInput, type Totals } from './accounting.ts';
import { backupLedger, BackupError, defaultBackupFile } from './backup.ts';
import { listBackups, RestoreError, stageRestore } from './restore.ts';
import { CsvError, daysCsv, parseSlotsCsv, slotsCsv } from './csv.ts';
import { SlotMeter, type MeterSample, type MeterSlot } from './meter.ts';
import type { LedgerService } from './service.ts';
import { ledgerSetting } from './setting.ts';

export type LedgerOptions = {
  /** Slot length the ledger books in (ms); 15 minutes divides every tariff's slots. */
  slotMs?: number;
  /** How often telemetry is read (ms). */
  sampleMs?: number;
};

const SLOT_MS = 15 * 60_000;

/** A decimal from a float API value (price per kWh, credit) to nano-units. */
function nanosOf(x: number): number {
  return toNanos(x.toFixed(9));
}

/** Splits `total` over `weights` in integers (largest remainder), so the parts add up exactly. */
export function split(total: number, weights: number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum <= 0 || total === 0) return weights.map((_, i) => (i === 0 ? total : 0));
  const raw = weights.map((w) => (total * w) / sum);
  const parts = raw.map((r) => Math.trunc(r));
  let rest = total - parts.reduce((a, b) => a + b, 0);
  const order = raw.map((r, i) => [Math.abs(r - Math.trunc(r)), i] as const).sort((a, b) => b[0] - a[0]);
  for (const [, i] of order) {
    if (rest === 0) break;
    const step = rest > 0 ? 1 : -1;
    parts[i]! += step;
    rest -= step;
  }
  return parts;
}

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

export function ledgerModule(options: LedgerOptions = {}): CoreModule {
  return defineModule({
    name: 'ledger',
    migrations: accountingMigrations,
    settings: [ledgerSetting],
    optional: ['hardware', 'tariff', 'heating', 'market', 'mining', 'job'],
    create(ctx, { hardware, tariff, heating, market, mining: miner, job }): ModuleInstance<'ledger'> {
      const slotMs = options.slotMs ?? SLOT_MS;
      const sampleMs = options.sampleMs ?? 5_000;
      const acct = createAccounting(ctx.db);
      const meter = new SlotMeter(slotMs, Math.max(30_000, sampleMs * 6));
      let timer: { cancel(): void } | null = null;
      const unsubscribe: (() => void)[] = [];
      let warnedCurrency = false;
      let warnedPrice = false;

      const settings = (): LedgerSettings => ctx.settings.get(ledgerSetting);
      const charges = (s: LedgerSettings): FixedCharges => ({ currency: s.currency, standingPerDay: toNanos(s.standingPerDay), monthlyFee: toNanos(s.monthlyFee) });

      /** Turns a metered slot into ledger rows at that slot's price, heat credit and market figures. */
      const book = (m: MeterSlot): void => {
        if (m.cells.length === 0) return;
        const s = settings();
        const priceSlot: PriceSlot | undefined = tariff?.slots(m.start, m.end).find((p) => p.start <= m.start && p.end > m.start);
        const currency = priceSlot?.currency ?? s.currency;
        if (!priceSlot && !warnedPrice) {
          // Once per run: without a tariff every slot would repeat it.
          warnedPrice = true;
          ctx.log.info(`ledger: no electricity price known for ${new Date(m.start).toISOString()}; energy is booked at 0 ${currency}/kWh until a tariff is set`);
        }
        const price = priceSlot ? nanosOf(priceSlot.price) : 0;
        const energies = m.cells.map((c) => Math.round(c.wattMs / 3600));
        const totalMwh = energies.reduce((a, b) => a + b, 0);
        const hours = (m.end - m.start) / 3_600_000;
        let heatMet = 0;
        let credit = 0;
        if (heating && totalMwh > 0) {
          const base: PriceSlot = priceSlot ?? { start: m.start, end: m.end, price: 0, spot: null, currency };
          const [hs] = heating.demand([{ ...base, start: m.start, end: m.end }]);
          if (hs) {
            heatMet = Math.min(totalMwh, Math.round(hs.demandW * hours * 1000));
            credit = nanosOf(heating.credit(hs, totalMwh / 1000 / hours));
          }
        }
        let revenueExpected = 0;
        let revenueCredited = 0;
        const b = market?.basis();
        // Each rejected share at difficulty D stands for D × 2^32 hashes the pool did not pay for.
        const paidHashes = Math.max(0, m.hashes - hashesOfShares(m.rejectedDifficulty));
        if (b && (paidHashes > 0 || m.shareDifficulty > 0)) {
          if (b.currency !== currency) {
            if (!warnedCurrency) ctx.log.warn(`ledger: the BTC price is in ${b.currency} but electricity in ${currency}; set the market currency to ${currency} to book mining revenue`);
            warnedCurrency = true;
          } else {
            revenueExpected = nanosOf(paidHashes * moneyPerHash(b));
            revenueCredited = nanosOf(hashesOfShares(m.shareDifficulty) * moneyPerHash(b));
          }
        }
        const heatMetParts = split(heatMet, energies);
        const creditParts = split(credit, energies);
        const miningWeights = m.cells.map((c, i) => (c.jobId === 'mining' ? energies[i]! + 1 : 0));
        const anyMining = miningWeights.some((w) => w > 0);
        const revParts = split(revenueExpected, anyMining ? miningWeights : energies);
        const credParts = split(revenueCredited, anyMining ? miningWeights : energies);
        m.cells.forEach((c, i) => {
          const row: SlotInput = {
            start: m.start,
            end: m.end,
            deviceId: c.deviceId,
            jobId: c.jobId,
            energy: energies[i]!,
            energySource: c.estimated ? 'estimated' : 'measured',
            heat: energies[i]!,
            heatMet: heatMetParts[i]!,
            currency,
            price,
            heatCredit: creditParts[i]!,
            revenueExpected: revParts[i]!,
            revenueCredited: credParts[i]!,
            trainingWork: c.trainingWork,
            trainingValue: nanosOf(c.trainingValue),
          };
          acct.book(row);
        });
        ctx.events.emit('ledger-slot', { start: m.start, end: m.end, currency });
      };

      const bookAll = (slots: MeterSlot[]) => {
        for (const m of slots) {
          try {
            book(m);
          } catch (err) {
            ctx.log.error(`ledger: booking the slot at ${new Date(m.start).toISOString()} failed: ${(err as Error).message}`);
          }
        }
      };

      const sampleNow = (): MeterSample | null => {
        const t = hardware?.latest();
        if (!t) return null;
        const jobs: Record<string, string> = {};
        const valuePerHour: Record<string, number> = {};
        const work: Record<string, number> = {};
        const mining = miner?.status();
        if (mining?.running) jobs['cpu'] = 'mining';
        for (const j of job?.list() ?? []) {
          if (j.state !== 'running' || j.kind === 'mining') continue;
          const id = `job:${j.id}`;
          for (const d of j.devices.length > 0 ? j.devices : ['cpu']) jobs[d] = id;
          if (j.valuePerHour) valuePerHour[id] = j.valuePerHour;
          work[id] = j.progress.done;
        }
        return {
          at: ctx.clock.now(),
          devices: t.devices.map((d) => ({ deviceId: d.deviceId, powerW: d.powerW, source: d.powerSource })),
          jobs,
          // Work a pool is rejecting (or not confirming for far too long) is booked as heat, not as revenue.
          hashRate: mining?.running && mining.health.state === 'ok' ? mining.hashRate : 0,
          valuePerHour,
          work,
        };
      };

      const span = (days: number, until?: string) => {
        const s = settings();
        if (until !== undefined) {
          const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(until);
          const t = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : Number.NaN;
          if (Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== until) {
            throw new HandlerError('bad-request', `${until} is not a calendar day`, 'give a day that exists, as YYYY-MM-DD');
          }
        }
        const to = until ?? dayKey(ctx.clock.now(), s.timeZone);
        return { s, from: addDays(to, -(days - 1)), to };
      };

      const service: LedgerService = {
        settings,
        today() {
          return service.day(dayKey(ctx.clock.now(), settings().timeZone));
        },
        day(d) {
          const s = settings();
          return rollupDays(ctx.db, { from: d, to: d, timeZone: s.timeZone, currency: s.currency, charges: charges(s) })[0]!;
        },
      };

      const handlers: HandlerPart = {
        'ledger-days': async ({ days, until }) => {
          const { s, from, to } = span(days, until);
          const list = rollupDays(ctx.db, { from, to, timeZone: s.timeZone, currency: s.currency, charges: charges(s) });
          const out: LedgerDay[] = list.map((d) => ({ ...totalsOut(d), day: d.day, hours: d.hours, shares: miner?.shareCounts(d.start, d.end) ?? null }));
          return { currency: s.currency, timeZone: s.timeZone, days: out, total: totalsOut(sumTotals(list)) };
        },
        'ledger-breakdown': async ({ by, days, until }) => {
          const { s, from, to } = span(days, until);
          const range = dayRange(from, to, s.timeZone);
          const rows = rollupBy(ctx.db, by, { from: range[0]!.start, to: range[range.length - 1]!.end, currency: s.currency });
          return { currency: s.currency, rows: rows.map((r) => ({ ...totalsOut(r), id: r.id })) };
        },
        'ledger-export-csv': async ({ kind, days, until }) => {
          const { s, from, to } = span(days, until);
          if (kind === 'days') {
            const list = rollupDays(ctx.db, { from, to, timeZone: s.timeZone, currency: s.currency, charges: charges(s) });
            return { csv: daysCsv(list, s.currency), filename: `hearth-days-${from}-${to}.csv`, rows: list.length };
          }
          const range = dayRange(from, to, s.timeZone);
          const rows = acct.slots(range[0]!.start, range[range.length - 1]!.end);
          return { csv: slotsCsv(rows), filename: `hearth-slots-${from}-${to}.csv`, rows: rows.length };
        },
        'ledger-import-csv': async ({ csv }) => {
          try {
            return { slots: acct.replaceAll(parseSlotsCsv(csv)) };
          } catch (err) {
            if (err instanceof CsvError || err instanceof RangeError) throw new HandlerError('bad-request', err.message, 'fix the file and import again; the ledger is unchanged');
            throw err;
          }
        },
        'ledger-backup': async ({ file }) => {
          try {
            return backupLedger(ctx.db, file ?? defaultBackupFile(ctx.dataDir, ctx.clock.now()));
          } catch (err) {
            if (err instanceof BackupError) throw new HandlerError('bad-request', err.message);
            throw err;
          }
        },
        'ledger-backups': async () => listBackups(ctx.dataDir),
        'ledger-restore': async ({ file }) => {
          let staged: ReturnType<typeof stageRestore>;
          try {
            staged = stageRestore(ctx.dataDir, file, ctx.clock.now());
          } catch (err) {
            if (err instanceof RestoreError) throw new HandlerError('bad-request', err.message, 'the ledger in use is unchanged');
            throw err;
          }
          // The swap happens while no connection is open: at once where the host can restart the core.
          if (ctx.restart) await ctx.restart();
          return { restoredFrom: staged.from, keptAs: staged.keepAs, restarted: ctx.restart !== null, slots: staged.slots };
        },
        'ledger-settings': async () => settings(),
        'ledger-configure': async (next) => {
          return ctx.settings.set(ledgerSetting, next);
        },
      };

      return {
        handlers,
        service,
        start() {
          unsubscribe.push(
            ctx.events.on('mining-share', (sh) => {
              if (sh.outcome !== 'stale') meter.share(sh.at, sh.difficulty, sh.outcome === 'accepted');
            }),
          );
          timer = ctx.clock.setInterval(() => {
            const s = sampleNow();
            if (s) bookAll(meter.sample(s));
          }, sampleMs);
        },
        stop() {
          timer?.cancel();
          for (const u of unsubscribe.splice(0)) u();
          // The slot in progress is booked with what ran so far; a restart inside it adds to the same row.
          const last = sampleNow();
          if (last) bookAll(meter.sample(last));
          const part = meter.flush();
          if (part) bookAll([part]);
        },
      };
    },
  });
}
