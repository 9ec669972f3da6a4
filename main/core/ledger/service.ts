import type {
  LedgerPeriodKind,
  LedgerPeriodOf,
  LedgerRestoreResult,
  LedgerSettings,
  PriceSlot,
  ShareCounts,
} from '#contract/index';
import type { Clock } from '#core/clock';
import { dayKey, dayRange, dayStart, localParts } from '#core/time';
import { toNanos } from '#core/economics/money';
import type { EventBus } from '#core/event';
import type { HardwareService } from '#core/hardware/service';
import type { HeatingService } from '#core/heating/service';
import type { JobService } from '#core/job/service';
import type { Logger } from '#core/log';
import { hashesOfShares, moneyPerHash } from '#core/market/revenue';
import type { MarketService } from '#core/market/service';
import type { MiningService } from '#core/mining/service';
import type { DeviceService } from '#core/device/service';
import type { Settings } from '#core/setting';
import type { TariffService } from '#core/tariff/service';
import {
  createAccounting,
  emptyTotals,
  rollupBy,
  rollupDays,
  rollupSpans,
  sumTotals,
  type Accounting,
  type DayTotals,
  type FixedCharges,
  type SlotInput,
  type Totals,
} from './accounting.ts';
import { BackupError, backupFileIn, backupLedger, defaultBackupFile, notABackupName } from './backup.ts';
import { daysCsv, parseSlotsCsv, slotsCsv } from './csv.ts';
import type { Db } from './db.ts';
import { SlotMeter, slotOf, type MeterSample, type MeterSlot } from './meter.ts';
import { BUCKET, periodOf, shiftPeriod } from './period.ts';
import { listBackups, RestoreError, stageRestore, type BackupFile } from './restore.ts';
import { ledgerSetting } from './setting.ts';

/** What other domains (dashboard, notifications) may ask of the ledger. */
export type LedgerService = {
  settings(): LedgerSettings;
  /** Totals of the local day `now` falls on, so far. */
  today(): DayTotals;
  /** Totals of one local day (YYYY-MM-DD). */
  day(day: string): DayTotals;
  /** Totals of each local day from `from` to `to` (inclusive). */
  days(from: string, to: string): DayTotals[];
  /**
   * All the energy the ledger has booked (kWh): grows as slots are booked, so a meter that only
   * counts up (Home Assistant's total_increasing); a restore or an import can change it.
   */
  energyTotalKWh(): number;
};

/**
 * What the ledger is built from: the core hands in its parts, a test its own. Of the other
 * domains' services only what the ledger calls, each optional (absent in a core started with part
 * of the modules): without telemetry nothing is metered, without a tariff energy is booked at 0.
 */
export type LedgerDeps = {
  db: Db;
  settings: Settings;
  clock: Clock;
  log: Logger;
  /** `mining-share` comes in, `ledger-slot` goes out. */
  events: EventBus;
  dataDir: string;
  /** Closes and starts the core again (a restore swaps the file in meanwhile); null where the host cannot. */
  restart: (() => Promise<void>) | null;
  hardware?: Pick<HardwareService, 'latest'> | null;
  tariff?: Pick<TariffService, 'slots'> | null;
  heating?: Pick<HeatingService, 'demand' | 'credit'> | null;
  market?: Pick<MarketService, 'basis'> | null;
  mining?: Pick<MiningService, 'status' | 'shareCounts'> | null;
  job?: Pick<JobService, 'list'> | null;
  /** LAN heater-miners: their own power and hash rate readings are booked as devices "lan:<id>". */
  device?: Pick<DeviceService, 'list'> | null;
  /** Slot length the ledger books in (ms); 15 minutes divides every tariff's slots. */
  slotMs?: number;
  /** How often telemetry is read (ms). */
  sampleMs?: number;
};

const SLOT_MS = 15 * 60_000;
/** A LAN miner's reading older than this is not booked (it is being retried, or gone). */
const LAN_STALE_MS = 5 * 60_000;
/** The ledger's job id for a LAN miner hashing for its own pool. */
export const LAN_MINING_JOB = 'lan-mining';

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

/**
 * The ledger: samples telemetry into slots, books each slot at its price, heat credit and market
 * figures, and answers for days, devices and jobs. Days are local days (YYYY-MM-DD) in the
 * ledger's time zone.
 */
export class Ledger implements LedgerService {
  private readonly acct: Accounting;
  private readonly meter: SlotMeter;
  private readonly sampleMs: number;
  private timer: { cancel(): void } | null = null;
  private unsubscribe: (() => void) | null = null;
  private warnedCurrency = false;
  private warnedPrice = false;
  /** Each LAN device's accepted-share counter when last sampled: the increase is its shares. */
  private readonly lanAccepted = new Map<string, number>();
  /** The slot each LAN device's share row was last written in. */
  private readonly lanShareSlot = new Map<string, number>();
  private readonly slotMs: number;
  private shareInsert: ReturnType<Db['prepare']> | null = null;

  constructor(private readonly d: LedgerDeps) {
    const slotMs = d.slotMs ?? SLOT_MS;
    this.slotMs = slotMs;
    this.sampleMs = d.sampleMs ?? 5_000;
    this.acct = createAccounting(d.db);
    this.meter = new SlotMeter(slotMs, Math.max(30_000, this.sampleMs * 6));
  }

  settings(): LedgerSettings {
    return this.d.settings.get(ledgerSetting);
  }

  configure(next: LedgerSettings): LedgerSettings {
    return this.d.settings.set(ledgerSetting, next);
  }

  /** The local day it is now. */
  todayKey(): string {
    return dayKey(this.d.clock.now(), this.settings().timeZone);
  }

  today(): DayTotals {
    return this.day(this.todayKey());
  }

  day(day: string): DayTotals {
    return this.days(day, day)[0]!;
  }

  energyTotalKWh(): number {
    const row = this.d.db.prepare('SELECT COALESCE(SUM(energy_mwh), 0) AS mwh FROM ledger_slot').get() as {
      mwh: number;
    };
    return Number(row.mwh) / 1e6;
  }

  /** Totals of each local day from `from` to `to` (inclusive), fixed charges included. */
  days(from: string, to: string): DayTotals[] {
    const s = this.settings();
    return rollupDays(this.d.db, { from, to, timeZone: s.timeZone, currency: s.currency, charges: charges(s) });
  }

  /** One device's days from `from` to `to` (no fixed charges: those are the home's), with its shares. */
  deviceDays(device: string, from: string, to: string): (DayTotals & { sharesAccepted: number | null })[] {
    const s = this.settings();
    const days = rollupDays(this.d.db, { from, to, timeZone: s.timeZone, currency: s.currency, device });
    const lan = this.d.db.prepare(
      'SELECT COUNT(*) AS n, COALESCE(SUM(accepted), 0) AS a FROM device_share WHERE device_id = ? AND start >= ? AND start < ?',
    );
    const sharesOn = (d: DayTotals): number | null => {
      // Hearth's own miner runs on the CPU; a LAN miner's counter increases are in device_share.
      if (device === 'cpu') return this.shareCounts(d.start, d.end)?.accepted ?? null;
      const r = lan.get(device, d.start, d.end) as { n: number; a: number };
      return Number(r.n) > 0 ? Number(r.a) : null;
    };
    return days.map((d) => ({ ...d, sharesAccepted: sharesOn(d) }));
  }

  /** Totals per device or per job over the local days from `from` to `to`. */
  breakdown(by: 'device' | 'job', from: string, to: string): (Totals & { id: string })[] {
    const s = this.settings();
    const range = dayRange(from, to, s.timeZone);
    return rollupBy(this.d.db, by, { from: range[0]!.start, to: range[range.length - 1]!.end, currency: s.currency });
  }

  /**
   * The period of `kind` holding local day `anchor`: its buckets and totals up to now, its devices,
   * and the period before measured over the same stretch (see LedgerPeriod in the contract).
   */
  period(kind: LedgerPeriodKind, anchor: string): PeriodTotals {
    const s = this.settings();
    const tz = s.timeZone;
    const now = this.d.clock.now();
    const today = dayKey(now, tz);
    const { from, to } = periodOf(kind, anchor);
    const range = dayRange(from, to, tz);
    const start = range[0]!.start;
    const end = range[range.length - 1]!.end;
    const running = start <= now && now < end;
    // Days after today hold no slots; their standing charge is not owed yet.
    const lastDay = to < today ? to : today;
    const days = from <= lastDay ? this.days(from, lastDay) : [];
    const bucket = BUCKET[kind];
    let buckets: PeriodTotals['buckets'];
    if (bucket === 'hour') {
      const hours: { start: number; end: number }[] = [];
      for (let t = start; t < end && t <= now; t += 3_600_000)
        hours.push({ start: t, end: Math.min(end, t + 3_600_000) });
      buckets = rollupSpans(this.d.db, hours, s.currency).map((t, i) => {
        const h = hours[i]!;
        return { ...t, key: `${from}T${String(localParts(h.start, tz).hour).padStart(2, '0')}`, ...h };
      });
    } else if (bucket === 'day') {
      buckets = days.map((d) => ({ ...d, key: d.day }));
    } else {
      const months = new Map<string, typeof days>();
      for (const d of days) months.set(d.day.slice(0, 7), [...(months.get(d.day.slice(0, 7)) ?? []), d]);
      buckets = [...months].map(([key, list]) => {
        const next = shiftPeriod('month', `${key}-01`, 1);
        return { ...sumTotals(list), key, start: list[0]!.start, end: dayStart(next, tz) };
      });
    }

    const prevAnchor = shiftPeriod(kind, anchor, -1);
    const prev = periodOf(kind, prevAnchor);
    const prevRange = dayRange(prev.from, prev.to, tz);
    const prevStart = prevRange[0]!.start;
    const prevEnd = prevRange[prevRange.length - 1]!.end;
    let until = prevEnd;
    let prevTotal: Totals;
    if (running) {
      until = Math.min(prevEnd, prevStart + (now - start));
      const c = charges(s);
      const fixed = emptyTotals();
      for (const d of prevRange) {
        if (d.start >= until) break;
        fixed.standing += c.standingPerDay;
        if (d.day.endsWith('-01')) fixed.monthlyFee += c.monthlyFee;
      }
      prevTotal = sumTotals([...rollupSpans(this.d.db, [{ start: prevStart, end: until }], s.currency), fixed]);
    } else {
      prevTotal = sumTotals(this.days(prev.from, prev.to));
    }
    const next = shiftPeriod(kind, anchor, 1);
    return {
      currency: s.currency,
      timeZone: tz,
      kind,
      from,
      to,
      start,
      end,
      running,
      buckets,
      total: sumTotals(days),
      previous: { from: prev.from, to: prev.to, start: prevStart, until, total: prevTotal },
      devices: rollupBy(this.d.db, 'device', { from: start, to: end, currency: s.currency }),
      previousAnchor: prevAnchor,
      nextAnchor: next <= today ? next : null,
      today,
    };
  }

  /** Shares the miner found in [from, to); null without a miner. */
  shareCounts(from: number, to: number): ShareCounts | null {
    return this.d.mining?.shareCounts(from, to) ?? null;
  }

  /** The days, or the raw slot rows, of the local days from `from` to `to` as CSV. */
  exportCsv(kind: 'days' | 'slots', from: string, to: string): { csv: string; filename: string; rows: number } {
    if (kind === 'days') {
      const list = this.days(from, to);
      return {
        csv: daysCsv(list, this.settings().currency),
        filename: `hearth-days-${from}-${to}.csv`,
        rows: list.length,
      };
    }
    const range = dayRange(from, to, this.settings().timeZone);
    const rows = this.acct.slots(range[0]!.start, range[range.length - 1]!.end);
    return { csv: slotsCsv(rows), filename: `hearth-slots-${from}-${to}.csv`, rows: rows.length };
  }

  /** Imports a slots CSV (all rows or none; throws CsvError or RangeError and changes nothing). */
  importCsv(csv: string): number {
    return this.acct.replaceAll(parseSlotsCsv(csv));
  }

  /**
   * A consistent copy of the ledger (throws BackupError) in the data folder's backups/: `name` is a
   * file name there (a path is refused), default hearth-<time>.db.
   */
  backup(name?: string): { file: string; bytes: number; integrity: string } {
    const file =
      name === undefined ? defaultBackupFile(this.d.dataDir, this.d.clock.now()) : backupFileIn(this.d.dataDir, name);
    if (file === null) throw new BackupError(notABackupName(name!, 'back up to'));
    return backupLedger(this.d.db, file);
  }

  backups(): BackupFile[] {
    return listBackups(this.d.dataDir);
  }

  /**
   * Stages the backup `name` from backups/ (throws RestoreError, the ledger in use unchanged; a path
   * is refused), then restarts the core where the host can.
   */
  async restore(name: string): Promise<LedgerRestoreResult> {
    const file = backupFileIn(this.d.dataDir, name);
    if (file === null) throw new RestoreError(notABackupName(name, 'restore from'));
    const staged = stageRestore(this.d.dataDir, file, this.d.clock.now());
    // The swap happens while no connection is open: at once where the host can restart the core.
    if (this.d.restart) await this.d.restart();
    return {
      restoredFrom: staged.from,
      keptAs: staged.keepAs,
      restarted: this.d.restart !== null,
      slots: staged.slots,
    };
  }

  start(): void {
    this.unsubscribe = this.d.events.on('mining-share', (sh) => {
      if (sh.outcome !== 'stale') this.meter.share(sh.at, sh.difficulty, sh.outcome === 'accepted');
    });
    this.timer = this.d.clock.setInterval(() => {
      const s = this.sampleNow();
      if (s) this.bookAll(this.meter.sample(s));
    }, this.sampleMs);
  }

  stop(): void {
    this.timer?.cancel();
    this.unsubscribe?.();
    this.unsubscribe = null;
    // The slot in progress is booked with what ran so far; a restart inside it adds to the same row.
    const last = this.sampleNow();
    if (last) this.bookAll(this.meter.sample(last));
    const part = this.meter.flush();
    if (part) this.bookAll([part]);
  }

  /** Turns a metered slot into ledger rows at that slot's price, heat credit and market figures. */
  private book(m: MeterSlot): void {
    if (m.cells.length === 0) return;
    const { tariff, market, log } = this.d;
    const s = this.settings();
    const priceSlot: PriceSlot | undefined = tariff
      ?.slots(m.start, m.end)
      .find((p) => p.start <= m.start && p.end > m.start);
    const currency = priceSlot?.currency ?? s.currency;
    if (!priceSlot && !this.warnedPrice) {
      // Once per run: without a tariff every slot would repeat it.
      this.warnedPrice = true;
      log.info(
        `ledger: no electricity price known for ${new Date(m.start).toISOString()}; energy is booked at 0 ${currency}/kWh until a tariff is set`,
      );
    }
    const price = priceSlot ? nanosOf(priceSlot.price) : 0;
    const energies = m.cells.map((c) => Math.round(c.wattMs / 3600));
    // Heat from a device outside the heated space meets no demand and earns no credit.
    const heating = m.cells.map((c, i) => (c.heats ? energies[i]! : 0));
    const totalMwh = heating.reduce((a, b) => a + b, 0);
    const hours = (m.end - m.start) / 3_600_000;
    let heatMet = 0;
    let credit = 0;
    if (this.d.heating && totalMwh > 0) {
      const base: PriceSlot = priceSlot ?? { start: m.start, end: m.end, price: 0, spot: null, currency };
      const [hs] = this.d.heating.demand([{ ...base, start: m.start, end: m.end }]);
      if (hs) {
        heatMet = Math.min(totalMwh, Math.round(hs.demandW * hours * 1000));
        credit = nanosOf(this.d.heating.credit(hs, totalMwh / 1000 / hours));
      }
    }
    let revenueExpected = 0;
    let revenueCredited = 0;
    const b = market?.basis();
    const paysIn = (): boolean => {
      if (!b) return false;
      if (b.currency === currency) return true;
      if (!this.warnedCurrency)
        log.warn(
          `ledger: the BTC price is in ${b.currency} but electricity in ${currency}; set the market currency to ${currency} to book mining revenue`,
        );
      this.warnedCurrency = true;
      return false;
    };
    // Each rejected share at difficulty D stands for D × 2^32 hashes the pool did not pay for.
    const paidHashes = Math.max(0, m.hashes - hashesOfShares(m.rejectedDifficulty));
    if (b && (paidHashes > 0 || m.shareDifficulty > 0) && paysIn()) {
      revenueExpected = nanosOf(paidHashes * moneyPerHash(b));
      revenueCredited = nanosOf(hashesOfShares(m.shareDifficulty) * moneyPerHash(b));
    }
    const heatMetParts = split(heatMet, heating);
    const creditParts = split(credit, heating);
    // Hearth's own miner's revenue goes to its cells; a LAN miner's (its own hashes) to its own.
    const own = m.cells.map((c, i) => (c.hashes > 0 ? 0 : energies[i]!));
    const miningWeights = m.cells.map((c, i) => (c.jobId === 'mining' ? energies[i]! + 1 : 0));
    const anyMining = miningWeights.some((w) => w > 0);
    const revParts = split(revenueExpected, anyMining ? miningWeights : own);
    const credParts = split(revenueCredited, anyMining ? miningWeights : own);
    const lanRevenue = m.cells.map((c) => (c.hashes > 0 && b && paysIn() ? nanosOf(c.hashes * moneyPerHash(b)) : 0));
    m.cells.forEach((c, i) => {
      const row: SlotInput = {
        start: m.start,
        end: m.end,
        deviceId: c.deviceId,
        jobId: c.jobId,
        energy: energies[i]!,
        energySource: c.estimated ? 'estimated' : 'measured',
        heat: heating[i]!,
        heatMet: heatMetParts[i]!,
        currency,
        price,
        heatCredit: creditParts[i]!,
        revenueExpected: revParts[i]! + lanRevenue[i]!,
        revenueCredited: credParts[i]!,
        trainingWork: c.trainingWork,
        trainingValue: nanosOf(c.trainingValue),
      };
      this.acct.book(row);
    });
    this.d.events.emit('ledger-slot', { start: m.start, end: m.end, currency });
  }

  private bookAll(slots: MeterSlot[]): void {
    for (const m of slots) {
      try {
        this.book(m);
      } catch (err) {
        this.d.log.error(
          `ledger: booking the slot at ${new Date(m.start).toISOString()} failed: ${(err as Error).message}`,
        );
      }
    }
  }

  /**
   * The LAN miners that answer now, as meter devices: their own power and hash rate; the increase
   * of their accepted-share counters is stored per slot (device_share).
   */
  private lanSample(now: number): { devices: MeterSample['devices']; jobs: Record<string, string> } {
    const devices: MeterSample['devices'] = [];
    const jobs: Record<string, string> = {};
    const shares = (this.shareInsert ??= this.d.db.prepare(
      'INSERT INTO device_share (start, device_id, accepted) VALUES (?, ?, ?) ON CONFLICT (start, device_id) DO UPDATE SET accepted = accepted + excluded.accepted',
    ));
    for (const dev of this.d.device?.list() ?? []) {
      const t = dev.telemetry;
      // A reading older than a few minutes says nothing about now (the device is being retried).
      if (dev.status !== 'online' || !t || now - t.at > LAN_STALE_MS) continue;
      const id = `lan:${dev.id}`;
      const mining = t.state === 'running' && (t.hashRate ?? 0) > 0;
      devices.push({
        deviceId: id,
        powerW: t.powerW,
        source: t.powerSource === 'measured' ? 'measured-device' : t.powerSource === null ? null : 'estimate',
        hashRate: mining ? (t.hashRate ?? 0) : 0,
        heats: dev.zone === 'home',
      });
      if (mining) jobs[id] = LAN_MINING_JOB;
      if (t.accepted !== null) {
        const before = this.lanAccepted.get(id);
        this.lanAccepted.set(id, t.accepted);
        // A counter that went down: the device restarted and counts from zero again.
        const delta = before === undefined ? 0 : t.accepted >= before ? t.accepted - before : t.accepted;
        // A row even for none (once a slot): a device that counts shares shows 0, one that does not
        // shows "not reported"; after that a write only when the counter moved, not every sample.
        const slot = slotOf(now, this.slotMs).start;
        if (delta > 0 || this.lanShareSlot.get(id) !== slot) {
          shares.run(slot, id, delta);
          this.lanShareSlot.set(id, slot);
        }
      }
    }
    return { devices, jobs };
  }

  private sampleNow(): MeterSample | null {
    const now = this.d.clock.now();
    const lan = this.lanSample(now);
    const t = this.d.hardware?.latest() ?? (lan.devices.length > 0 ? { devices: [] } : null);
    if (!t) return null;
    const jobs: Record<string, string> = {};
    const valuePerHour: Record<string, number> = {};
    const work: Record<string, number> = {};
    const mining = this.d.mining?.status();
    if (mining?.running) jobs['cpu'] = 'mining';
    for (const j of this.d.job?.list() ?? []) {
      if (j.state !== 'running' || j.kind === 'mining') continue;
      const id = `job:${j.id}`;
      for (const dev of j.devices.length > 0 ? j.devices : ['cpu']) jobs[dev] = id;
      if (j.valuePerHour) valuePerHour[id] = j.valuePerHour;
      work[id] = j.progress.done;
    }
    return {
      at: now,
      devices: [
        ...t.devices.map((dev) => ({ deviceId: dev.deviceId, powerW: dev.powerW, source: dev.powerSource })),
        ...lan.devices,
      ],
      jobs: { ...jobs, ...lan.jobs },
      // Work a pool is rejecting (or not confirming for far too long) is booked as heat, not as revenue.
      hashRate: mining?.running && mining.health.state === 'ok' ? mining.hashRate : 0,
      valuePerHour,
      work,
    };
  }
}

/** A period's figures in the ledger's units (the handler turns them into the contract's). */
export type PeriodTotals = LedgerPeriodOf<Totals, Totals & { key: string; start: number; end: number }>;

function charges(s: LedgerSettings): FixedCharges {
  return { currency: s.currency, standingPerDay: toNanos(s.standingPerDay), monthlyFee: toNanos(s.monthlyFee) };
}
