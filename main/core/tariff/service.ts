import { schedule, type ScheduledTask } from 'node-cron';
import type {
  Charges,
  CsvImportResult,
  PriceSlot,
  TariffConfig,
  TariffSettings,
  TariffStatus,
  TariffTestResult,
} from '#contract/index';
import type { Clock } from '#core/clock';
import type { EventBus } from '#core/event';
import type { Logger } from '#core/log';
import { opened, sealed, type SecretStore } from '#core/secret';
import type { Settings } from '#core/setting';
import { csvAdapter, CsvParser, type CsvOptions, type ParsedCsv } from './adapter/csv.ts';
import { adapterFor } from './adapter/registry.ts';
import { ProviderError, resolutionOf, type DynamicAdapter, type ProviderIo, type SpotSlot } from './adapter/types.ts';
import { withCharges } from './charges.ts';
import { fetchDue, type FetchState } from './fetch-policy.ts';
import { defaultTariffSettings, tariffSetting, tariffToken } from './setting.ts';
import type { PriceStore } from './store.ts';
import { dayKey, localDay } from '#core/time';

/** What other domains (the planner) may ask of the tariff domain. */
export type TariffService = {
  /**
   * Known slots overlapping [from, to), in time order, at the tariff's resolution. Gaps mean
   * prices are not known there yet (tomorrow before publication); never invented.
   */
  slots(from: number, to: number): PriceSlot[];
  status(): TariffStatus;
  /** The grid charges and tax added to spot prices. */
  charges(): Charges;
  /**
   * Past prices for a backtest over [from, to): the imported price file's where it has them (what
   * a user imports to replay a period), else the live day-ahead provider's stored prices; charges
   * added. Never the fixed or time-of-use tariff's computed prices, which would replay the past at
   * today's tariff without saying so. `source` names where they came from.
   */
  history(from: number, to: number): { slots: PriceSlot[]; source: string };
  /** From the first to the last price `history` can give, and where they come from; null when none are stored. */
  historySpan(): { from: number; to: number; source: string } | null;
  /** Called after new prices are stored; returns an unsubscribe function. */
  onUpdate(listener: (range: { from: number; to: number }) => void): () => void;
};

export type TariffDeps = {
  store: PriceStore;
  settings: Settings;
  secrets: SecretStore;
  clock: Clock;
  log: Logger;
  events: Pick<EventBus, 'emit'>;
  /** Network access for the day-ahead adapters. */
  io: ProviderIo;
  /** Whether start() runs the node-cron fetch schedule (off where refreshes are driven by hand). */
  cron: boolean;
};

/** A new tariff's provider failed the check before saving; the previous tariff stays. */
export class TariffCheckFailed extends Error {
  constructor(readonly failure: Error) {
    super(failure.message);
  }
}

type Fetched = { key: string; slots: SpotSlot[] };

/** First start and last end, by a loop: a spread over every slot overflows the stack on a large import. */
function spanOf(slots: readonly SpotSlot[]): { from: number; to: number } {
  let from = Infinity;
  let to = -Infinity;
  for (const s of slots) {
    if (s.start < from) from = s.start;
    if (s.end > to) to = s.end;
  }
  return { from, to };
}

/** Text to import: one string (sent inline) or the pieces a chunked upload arrived in. */
export type ImportText = { pieces: readonly string[]; chars: number; upload: string | null };

/** Pieces parsed between yields to the event loop, so other calls and progress events go out meanwhile. */
const PARSE_PIECE = 256 * 1024;

/** The imported price file's series: one key whatever its currency (csvAdapter.sourceKey). */
const IMPORTED_KEY = csvAdapter.sourceKey({ kind: 'csv', currency: '' });

/** The tariff in use: its prices (computed, fetched or imported), the fetch schedule and its state. */
export class Tariff implements TariffService {
  private readonly listeners = new Set<(r: { from: number; to: number }) => void>();
  private inUse: TariffSettings;
  private fetchState: FetchState = { knownUntil: null, lastAttempt: null, failures: 0 };
  private reason: string | null = null;
  private inFlight: Promise<TariffStatus> | null = null;
  private task: ScheduledTask | null = null;
  /** The fingerprint (see there) when this process last knew the tariff's state. */
  private seen: string;

  constructor(private readonly deps: TariffDeps) {
    this.inUse = this.load();
    this.seen = this.fingerprint();
  }

  /** The stored settings with the token opened. */
  private load(): TariffSettings {
    const { settings, secrets, log } = this.deps;
    try {
      return opened(tariffToken, settings.get(tariffSetting), secrets);
    } catch (err) {
      // Sealed by the desktop app's keychain and read where that is not at hand (`hearth serve`).
      log.warn(
        `the tariff's token could not be read (${(err as Error).message}); using a fixed price until the tariff is saved again`,
      );
      return defaultTariffSettings();
    }
  }

  /** The settings in use, the token opened (the handlers mask it). */
  current(): TariffSettings {
    return this.inUse;
  }

  charges(): Charges {
    return this.inUse.charges;
  }

  onUpdate(listener: (range: { from: number; to: number }) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private sourceKey(): string | null {
    const a = adapterFor(this.inUse.tariff);
    return a.type === 'static' ? null : a.sourceKey(this.inUse.tariff as never);
  }

  history(from: number, to: number): { slots: PriceSlot[]; source: string } {
    const { charges, timeZone } = this.inUse;
    const priced = (key: string) => this.deps.store.range(key, from, to).map((s) => withCharges(s, charges, timeZone));
    const imported = priced(IMPORTED_KEY);
    if (imported.length > 0) return { slots: imported, source: 'the imported price file' };
    const key = this.sourceKey();
    const a = adapterFor(this.inUse.tariff);
    if (key !== null && a.type === 'dynamic')
      return { slots: priced(key), source: `${a.label}'s stored day-ahead prices` };
    return { slots: [], source: 'none' };
  }

  historySpan(): { from: number; to: number; source: string } | null {
    const imported = this.deps.store.span(IMPORTED_KEY);
    if (imported) return { ...imported, source: 'the imported price file' };
    const key = this.sourceKey();
    const a = adapterFor(this.inUse.tariff);
    if (key === null || a.type !== 'dynamic') return null;
    const fetched = this.deps.store.span(key);
    return fetched ? { ...fetched, source: `${a.label}'s stored day-ahead prices` } : null;
  }

  /**
   * What another process could change of this domain: the stored settings and the stored price
   * series (imported and in use). Compared on reload, so a `hearth train` writing its progress next
   * to a running app does not make it re-plan every tick.
   */
  private fingerprint(): string {
    const keys = [IMPORTED_KEY, this.sourceKey()];
    return JSON.stringify([this.deps.settings.get(tariffSetting), keys.map((k) => k && this.deps.store.summary(k))]);
  }

  /** Another process wrote to the ledger: when it changed the tariff or its prices, read them again and tell pages. */
  reload(): void {
    if (this.fingerprint() === this.seen) return;
    this.inUse = this.load();
    const now = this.deps.clock.now();
    this.notify(now, now + 2 * 86_400_000, 0);
  }

  status(): TariffStatus {
    const settings = this.inUse;
    const key = this.sourceKey();
    const a = adapterFor(settings.tariff);
    if (key === null)
      return {
        kind: settings.tariff.kind,
        state: 'ok',
        reason: null,
        fetchedAt: null,
        knownUntil: null,
        nextFetchAt: null,
      };
    const s = this.deps.store.summary(key);
    // Prices that all lie in the past (a 2023 file) are no prices for the live plan: saying "ok,
    // known until 2023-12-31" beside an empty price chart would contradict the chart.
    const now = this.deps.clock.now();
    const past =
      s.count > 0 && s.knownUntil !== null && s.knownUntil <= now
        ? `${a.type === 'stored' ? 'The imported prices end' : 'The stored prices end'} ${new Date(s.knownUntil).toISOString().slice(0, 10)}, before now: the live plan has no prices. ${a.type === 'stored' ? 'Import a file that reaches today, or choose another tariff.' : 'They are fetched again when the provider answers.'}`
        : null;
    const reason = this.reason;
    // An import that ends in the past will never be fetched again: no prices, not old prices.
    const state: TariffStatus['state'] =
      past && a.type === 'stored'
        ? 'error'
        : reason || past
          ? s.count > 0
            ? 'stale'
            : 'error'
          : s.count > 0
            ? 'ok'
            : a.type === 'stored'
              ? 'error'
              : 'idle';
    const why =
      reason ??
      past ??
      (s.count === 0 && a.type === 'stored' ? 'No prices imported yet: run `hearth prices import FILE`' : null);
    const nextFetchAt =
      a.type === 'dynamic' && this.task ? Math.ceil((this.deps.clock.now() + 1) / 900_000) * 900_000 : null;
    return {
      kind: settings.tariff.kind,
      state,
      reason: why,
      fetchedAt: s.fetchedAt,
      knownUntil: s.knownUntil,
      nextFetchAt,
    };
  }

  private notify(from: number, to: number, count: number): void {
    this.seen = this.fingerprint();
    this.deps.events.emit('price-update', { from, to, slots: count, status: this.status() });
    for (const l of this.listeners) l({ from, to });
  }

  slots(from: number, to: number): PriceSlot[] {
    const settings = this.inUse;
    const a = adapterFor(settings.tariff);
    if (a.type === 'static') return a.slots(settings.tariff as never, from, to, settings.timeZone);
    const key = this.sourceKey() ?? '';
    return this.deps.store.range(key, from, to).map((s) => withCharges(s, settings.charges, settings.timeZone));
  }

  /** Checks what a provider sent before it replaces anything stored. */
  private checkSlots(adapter: DynamicAdapter<never>, got: SpotSlot[], from: number, to: number): SpotSlot[] {
    const inRange = got.filter((s) => s.end > from && s.start < to);
    if (inRange.length === 0)
      throw new ProviderError(
        `${adapter.label} sent no prices for ${new Date(from).toISOString()} … ${new Date(to).toISOString()}; the last known prices stay in use`,
      );
    for (const s of inRange) {
      if (!(s.end > s.start) || !Number.isFinite(s.spot) || Math.abs(s.spot) > 100) {
        throw new ProviderError(
          `${adapter.label} sent an implausible slot at ${new Date(s.start).toISOString()} (${s.spot} per kWh); the last known prices stay in use`,
        );
      }
    }
    resolutionOf(inRange, adapter.label);
    return inRange;
  }

  /** Today's and tomorrow's spot prices from a day-ahead provider, checked, stored nowhere. */
  private async fetchNow(config: TariffConfig, tz: string): Promise<Fetched> {
    const a = adapterFor(config);
    if (a.type !== 'dynamic') throw new Error('not a day-ahead tariff');
    const today = localDay(this.deps.clock.now(), tz);
    const to = localDay(today.end, tz).end;
    const got = await a.fetch(config as never, today.start, to, this.deps.io);
    return {
      key: a.sourceKey(config as never),
      slots: this.checkSlots(a as DynamicAdapter<never>, got, today.start, to),
    };
  }

  /** Fetches now (day-ahead providers only); concurrent calls share one request. */
  refresh(): Promise<TariffStatus> {
    if (this.inFlight) return this.inFlight;
    const { store, clock, log, events } = this.deps;
    const config = this.inUse.tariff;
    const timeZone = this.inUse.timeZone;
    const a = adapterFor(config);
    if (a.type !== 'dynamic') return Promise.resolve(this.status());
    this.inFlight = (async () => {
      const now = clock.now();
      this.fetchState = { ...this.fetchState, lastAttempt: now };
      try {
        const { key, slots: got } = await this.fetchNow(config, timeZone);
        // Settings may have changed while the request ran; then this answer is for an old series.
        if (key === this.sourceKey()) {
          store.replace(key, got, clock.now());
          this.reason = null;
          this.fetchState = { ...this.fetchState, failures: 0, knownUntil: store.summary(key).knownUntil };
          const span = spanOf(got);
          this.notify(span.from, span.to, got.length);
        }
      } catch (err) {
        this.reason = err instanceof ProviderError ? err.message : `${a.label}: ${(err as Error).message}`;
        this.fetchState = { ...this.fetchState, failures: this.fetchState.failures + 1 };
        log.warn(`tariff fetch failed: ${this.reason}`);
        events.emit('tariff-status', this.status());
      }
      return this.status();
    })().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private tick(): void {
    const settings = this.inUse;
    const a = adapterFor(settings.tariff);
    if (a.type !== 'dynamic') return;
    const key = this.sourceKey() ?? '';
    this.fetchState = { ...this.fetchState, knownUntil: this.deps.store.summary(key).knownUntil };
    if (fetchDue(this.deps.clock.now(), this.fetchState, a.publishes, settings.timeZone)) {
      this.refresh().catch((err: unknown) => this.deps.log.error(`tariff refresh failed: ${(err as Error).message}`));
    }
  }

  /**
   * Saves new settings. A day-ahead provider is asked once first (unless `skipCheck`): when that
   * fails, TariffCheckFailed is thrown and the previous settings stay.
   */
  async configure(candidate: TariffSettings, skipCheck = false): Promise<TariffStatus> {
    const { settings, secrets, store, clock } = this.deps;
    const a = adapterFor(candidate.tariff);
    let fetched: Fetched | null = null;
    if (a.type === 'dynamic' && !skipCheck) {
      try {
        fetched = await this.fetchNow(candidate.tariff, candidate.timeZone);
      } catch (err) {
        throw new TariffCheckFailed(err as Error);
      }
    }
    this.inUse = candidate;
    settings.set(tariffSetting, sealed(tariffToken, candidate, secrets));
    this.reason = null;
    this.fetchState = { knownUntil: null, lastAttempt: null, failures: 0 };
    if (fetched) {
      store.replace(fetched.key, fetched.slots, clock.now());
      this.fetchState.lastAttempt = clock.now();
    }
    const now = clock.now();
    this.notify(now, now + 2 * 86_400_000, fetched?.slots.length ?? 0);
    return this.status();
  }

  /**
   * Adds a price file's slots to the "csv" series (replacing only the span the file covers); throws
   * CsvError (naming the lines) and stores nothing on a bad file. The live tariff stays as it is
   * unless `useAsTariff`: a year of past prices must not replace the prices the app plans with.
   * The text is parsed piece by piece, yielding between pieces and emitting `price-import-progress`;
   * the rows are then stored in one transaction (all or none), which does not yield.
   */
  async importCsv(input: string | ImportText, opts: CsvOptions, useAsTariff = false): Promise<CsvImportResult> {
    const text: ImportText = typeof input === 'string' ? { pieces: [input], chars: input.length, upload: null } : input;
    const timeZone = opts.timeZone ?? this.inUse.timeZone;
    const parser = new CsvParser({ timeZone: this.inUse.timeZone, ...opts });
    const { events } = this.deps;
    const progress = (phase: 'parse' | 'store' | 'done', percent: number, stored: number) =>
      events.emit('price-import-progress', { upload: text.upload, phase, rows: parser.rows, stored, percent });
    let read = 0;
    for (const piece of text.pieces) {
      for (let at = 0; at < piece.length; at += PARSE_PIECE) {
        parser.push(piece.length <= PARSE_PIECE ? piece : piece.slice(at, at + PARSE_PIECE));
        read += Math.min(PARSE_PIECE, piece.length - at);
        progress('parse', Math.floor((read / Math.max(1, text.chars)) * 100), 0);
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    const parsed = parser.finish();
    progress('store', 0, 0);
    const now = this.deps.clock.now();
    this.deps.store.replace(csvAdapter.sourceKey({ kind: 'csv', currency: parsed.currency }), parsed.slots, now);
    progress('done', 100, parsed.slots.length);
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (const s of parsed.slots) {
      sum += s.spot;
      min = Math.min(min, s.spot);
      max = Math.max(max, s.spot);
    }
    const from = parsed.slots[0]?.start ?? now;
    const to = parsed.slots[parsed.slots.length - 1]?.end ?? now;
    if (useAsTariff && this.inUse.tariff.kind !== 'csv')
      await this.configure({ ...this.inUse, tariff: { kind: 'csv', currency: parsed.currency } }, true);
    else if (this.inUse.tariff.kind === 'csv') this.notify(from, to, parsed.slots.length);
    // Prices beside the live tariff change no plan, but pages that list stored prices (the backtest's period) refresh.
    else {
      this.seen = this.fingerprint();
      this.deps.events.emit('price-update', { from, to, slots: parsed.slots.length, status: this.status() });
    }
    return this.describeImport(parsed, { from, to, now, timeZone, sum, min, max });
  }

  private describeImport(
    parsed: ParsedCsv,
    f: { from: number; to: number; now: number; timeZone: string; sum: number; min: number; max: number },
  ): CsvImportResult {
    const { from, to, now, timeZone, sum, min, max } = f;
    const inUse = this.inUse.tariff.kind === 'csv';
    const reachesNow = to > now;
    const covers = `covers ${dayKey(from, timeZone)} – ${dayKey(to - 1, timeZone)} (${timeZone})`;
    const use = inUse
      ? reachesNow
        ? 'the live plan uses these prices'
        : 'ends before today, so the live plan has no prices now: import a file that reaches today, or choose another tariff'
      : reachesNow
        ? `kept beside the live ${this.inUse.tariff.kind} tariff for backtests; choose "CSV import" as the tariff to plan with them`
        : 'ends before today, so the live plan does not use it; kept for backtests';
    return {
      slots: parsed.slots.length,
      from,
      to,
      resolution: parsed.resolution,
      currency: parsed.currency,
      mean: sum / parsed.slots.length,
      min,
      max,
      timeZone,
      inUse,
      reachesNow,
      message: `${covers}; ${use}`,
    };
  }

  /** Today's and tomorrow's prices under `candidate`, fetched or computed, stored nowhere. */
  async test(candidate: TariffSettings): Promise<TariffTestResult> {
    const a = adapterFor(candidate.tariff);
    const tz = candidate.timeZone;
    const today = localDay(this.deps.clock.now(), tz);
    const to = localDay(today.end, tz).end;
    const none = { slots: 0, from: null, to: null, min: null, max: null, currency: null };
    let got: PriceSlot[];
    try {
      if (a.type === 'static') got = a.slots(candidate.tariff as never, today.start, to, tz);
      else if (a.type === 'stored')
        got = this.deps.store
          .range(a.sourceKey(candidate.tariff as never), today.start, to)
          .map((s) => withCharges(s, candidate.charges, tz));
      else got = (await this.fetchNow(candidate.tariff, tz)).slots.map((s) => withCharges(s, candidate.charges, tz));
    } catch (err) {
      return { ok: false, message: (err as Error).message, ...none };
    }
    if (got.length === 0)
      return { ok: false, message: 'No prices imported for today or tomorrow: import a CSV first', ...none };
    let min = Infinity;
    let max = -Infinity;
    for (const s of got) {
      min = Math.min(min, s.price);
      max = Math.max(max, s.price);
    }
    const r = {
      slots: got.length,
      from: got[0]!.start,
      to: got[got.length - 1]!.end,
      min,
      max,
      currency: got[0]!.currency,
    };
    const label = a.type === 'dynamic' ? a.label : candidate.tariff.kind;
    return {
      ok: true,
      message: `${label}: ${r.slots} slots until ${new Date(r.to).toISOString()}, paying ${r.min.toFixed(5)} … ${r.max.toFixed(5)} ${r.currency}/kWh`,
      ...r,
    };
  }

  start(): void {
    if (!this.deps.cron) return;
    // Every quarter hour: fetch when today's prices are missing or tomorrow's are due.
    this.task = schedule('*/15 * * * *', () => this.tick(), { name: 'tariff-fetch', noOverlap: true });
    this.tick();
  }

  async stop(): Promise<void> {
    await this.task?.destroy();
    this.task = null;
    await this.inFlight?.catch(() => undefined);
  }
}
