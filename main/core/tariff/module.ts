import { schedule, type ScheduledTask } from 'node-cron';
import { HandlerError, type PriceSlot, type TariffConfig, type TariffHandlers, type TariffSettings, type TariffStatus, type TariffTestResult } from '#contract/index';
import { defineModule, type CoreContext, type CoreModule, type ModuleInstance } from '#core/module';
import { masked, opened, sealed, unmasked as keepStored } from '#core/secret';
import { csvAdapter, CsvError, parseCsv, type CsvOptions } from './adapter/csv.ts';
import { adapterFor } from './adapter/registry.ts';
import { ProviderError, resolutionOf, type DynamicAdapter, type ProviderIo, type SpotSlot } from './adapter/types.ts';
import { withCharges } from './charges.ts';
import { fetchDue, type FetchState } from './fetch-policy.ts';
import type { TariffService } from './service.ts';
import { createPriceStore, tariffMigrations } from './store.ts';
import { defaultTariffSettings, tariffSetting, tariffToken } from './setting.ts';
import { localDay } from './time.ts';

export type TariffModuleOptions = {
  /** Network access for the day-ahead adapters; tests inject a local server's origin. */
  io?: ProviderIo;
  /** Starts the node-cron fetch schedule (off in tests that drive refreshes themselves). */
  cron?: boolean;
};

export function tariffModule(options: TariffModuleOptions = {}): CoreModule {
  return defineModule({
    name: 'tariff',
    migrations: tariffMigrations,
    settings: [tariffSetting],
    create(ctx) {
      return createTariff(ctx, options);
    },
  });
}

function createTariff(ctx: CoreContext, options: TariffModuleOptions) {
  const io: ProviderIo = options.io ?? { fetch: globalThis.fetch };
  const store = createPriceStore(ctx.db);
  const listeners = new Set<(r: { from: number; to: number }) => void>();
  let settings = load();
  let fetchState: FetchState = { knownUntil: null, lastAttempt: null, failures: 0 };
  let reason: string | null = null;
  let inFlight: Promise<TariffStatus> | null = null;
  let task: ScheduledTask | null = null;

  /** The stored settings with the token opened. */
  function load(): TariffSettings {
    try {
      return opened(tariffToken, ctx.settings.get(tariffSetting), ctx.secrets);
    } catch (err) {
      // Sealed by the desktop app's keychain and read where that is not at hand (`hearth serve`).
      ctx.log.warn(`the tariff's token could not be read (${(err as Error).message}); using a fixed price until the tariff is saved again`);
      return defaultTariffSettings();
    }
  }

  function save(next: TariffSettings): void {
    ctx.settings.set(tariffSetting, sealed(tariffToken, next, ctx.secrets));
  }

  function sourceKey(): string | null {
    const a = adapterFor(settings.tariff);
    return a.type === 'static' ? null : a.sourceKey(settings.tariff as never);
  }

  function status(): TariffStatus {
    const key = sourceKey();
    const a = adapterFor(settings.tariff);
    if (key === null) return { kind: settings.tariff.kind, state: 'ok', reason: null, fetchedAt: null, knownUntil: null, nextFetchAt: null };
    const s = store.summary(key);
    const state: TariffStatus['state'] = reason ? (s.count > 0 ? 'stale' : 'error') : s.count > 0 ? 'ok' : a.type === 'stored' ? 'error' : 'idle';
    const why = reason ?? (s.count === 0 && a.type === 'stored' ? 'No prices imported yet: run `hearth prices import FILE`' : null);
    const nextFetchAt =
      a.type === 'dynamic' && task ? Math.ceil((ctx.clock.now() + 1) / 900_000) * 900_000 : null;
    return { kind: settings.tariff.kind, state, reason: why, fetchedAt: s.fetchedAt, knownUntil: s.knownUntil, nextFetchAt };
  }

  function notify(from: number, to: number, count: number): void {
    const st = status();
    ctx.events.emit('price-update', { from, to, slots: count, status: st });
    for (const l of listeners) l({ from, to });
  }

  function slots(from: number, to: number): PriceSlot[] {
    const a = adapterFor(settings.tariff);
    if (a.type === 'static') return a.slots(settings.tariff as never, from, to, settings.timeZone);
    const key = sourceKey() ?? '';
    return store.range(key, from, to).map((s) => withCharges(s, settings.charges, settings.timeZone));
  }

  /** Checks what a provider sent before it replaces anything stored. */
  function checkSlots(adapter: DynamicAdapter<never>, got: SpotSlot[], from: number, to: number): SpotSlot[] {
    const inRange = got.filter((s) => s.end > from && s.start < to);
    if (inRange.length === 0) throw new ProviderError(`${adapter.label} sent no prices for ${new Date(from).toISOString()} … ${new Date(to).toISOString()}; the last known prices stay in use`);
    for (const s of inRange) {
      if (!(s.end > s.start) || !Number.isFinite(s.spot) || Math.abs(s.spot) > 100) {
        throw new ProviderError(`${adapter.label} sent an implausible slot at ${new Date(s.start).toISOString()} (${s.spot} per kWh); the last known prices stay in use`);
      }
    }
    resolutionOf(inRange, adapter.label);
    return inRange;
  }

  async function fetchNow(config: TariffConfig, tz: string): Promise<{ key: string; slots: SpotSlot[] }> {
    const a = adapterFor(config);
    if (a.type !== 'dynamic') throw new Error('not a day-ahead tariff');
    const today = localDay(ctx.clock.now(), tz);
    const to = localDay(today.end, tz).end;
    const got = await a.fetch(config as never, today.start, to, io);
    return { key: a.sourceKey(config as never), slots: checkSlots(a as DynamicAdapter<never>, got, today.start, to) };
  }

  function refresh(): Promise<TariffStatus> {
    if (inFlight) return inFlight;
    const config = settings.tariff;
    const a = adapterFor(config);
    if (a.type !== 'dynamic') return Promise.resolve(status());
    inFlight = (async () => {
      const now = ctx.clock.now();
      fetchState = { ...fetchState, lastAttempt: now };
      try {
        const { key, slots: got } = await fetchNow(config, settings.timeZone);
        // Settings may have changed while the request ran; then this answer is for an old series.
        if (key === sourceKey()) {
          store.replace(key, got, ctx.clock.now());
          reason = null;
          fetchState = { ...fetchState, failures: 0, knownUntil: store.summary(key).knownUntil };
          notify(Math.min(...got.map((s) => s.start)), Math.max(...got.map((s) => s.end)), got.length);
        }
      } catch (err) {
        reason = err instanceof ProviderError ? err.message : `${a.label}: ${(err as Error).message}`;
        fetchState = { ...fetchState, failures: fetchState.failures + 1 };
        ctx.log.warn(`tariff fetch failed: ${reason}`);
        ctx.events.emit('tariff-status', status());
      }
      return status();
    })().finally(() => {
      inFlight = null;
    });
    return inFlight;
  }

  function tick(): void {
    const a = adapterFor(settings.tariff);
    if (a.type !== 'dynamic') return;
    const key = sourceKey() ?? '';
    fetchState = { ...fetchState, knownUntil: store.summary(key).knownUntil };
    if (fetchDue(ctx.clock.now(), fetchState, a.publishes, settings.timeZone)) {
      refresh().catch((err: unknown) => ctx.log.error(`tariff refresh failed: ${(err as Error).message}`));
    }
  }

  function importCsv(text: string, opts: CsvOptions) {
    let parsed;
    try {
      parsed = parseCsv(text, { timeZone: settings.timeZone, ...opts });
    } catch (err) {
      if (err instanceof CsvError) throw new HandlerError('bad-request', err.message, 'Fix the rows named and import again.');
      throw err;
    }
    const now = ctx.clock.now();
    store.replace(csvAdapter.sourceKey({ kind: 'csv', currency: parsed.currency }), parsed.slots, now);
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
    if (settings.tariff.kind === 'csv') notify(from, to, parsed.slots.length);
    return { slots: parsed.slots.length, from, to, resolution: parsed.resolution, currency: parsed.currency, mean: sum / parsed.slots.length, min, max };
  }

  /** A masked token from the settings page means "keep the one stored". */
  function unmasked(next: TariffSettings): TariffSettings {
    return keepStored(tariffToken, next, settings, next.tariff.kind === settings.tariff.kind, () => new HandlerError('bad-request', 'tariff.token: enter the token', 'The stored token belongs to another provider.'));
  }

  /** Today's and tomorrow's prices under `candidate`, fetched or computed, stored nowhere. */
  async function tryTariff(candidate: TariffSettings): Promise<TariffTestResult> {
    const a = adapterFor(candidate.tariff);
    const tz = candidate.timeZone;
    const today = localDay(ctx.clock.now(), tz);
    const to = localDay(today.end, tz).end;
    const none = { slots: 0, from: null, to: null, min: null, max: null, currency: null };
    let got: PriceSlot[];
    try {
      if (a.type === 'static') got = a.slots(candidate.tariff as never, today.start, to, tz);
      else if (a.type === 'stored') got = store.range(a.sourceKey(candidate.tariff as never), today.start, to).map((s) => withCharges(s, candidate.charges, tz));
      else got = (await fetchNow(candidate.tariff, tz)).slots.map((s) => withCharges(s, candidate.charges, tz));
    } catch (err) {
      return { ok: false, message: (err as Error).message, ...none };
    }
    if (got.length === 0) return { ok: false, message: 'No prices imported for today or tomorrow: import a CSV first', ...none };
    const prices = got.map((s) => s.price);
    const r = {
      slots: got.length,
      from: got[0]!.start,
      to: got[got.length - 1]!.end,
      min: Math.min(...prices),
      max: Math.max(...prices),
      currency: got[0]!.currency,
    };
    const label = a.type === 'dynamic' ? a.label : candidate.tariff.kind;
    return { ok: true, message: `${label}: ${r.slots} slots until ${new Date(r.to).toISOString()}, paying ${r.min.toFixed(5)} … ${r.max.toFixed(5)} ${r.currency}/kWh`, ...r };
  }

  const service: TariffService = {
    slots,
    status,
    charges: () => settings.charges,
    onUpdate(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };

  const handlers: TariffHandlers = {
      'tariff-settings': async () => {
        return masked(tariffToken, settings);
      },
      'tariff-configure': async ({ skipCheck, ...next }) => {
        const candidate = unmasked(next);
        const a = adapterFor(candidate.tariff);
        let fetched: { key: string; slots: SpotSlot[] } | null = null;
        if (a.type === 'dynamic' && !skipCheck) {
          try {
            fetched = await fetchNow(candidate.tariff, candidate.timeZone);
          } catch (err) {
            const msg = (err as Error).message;
            throw new HandlerError(err instanceof ProviderError && err.auth ? 'bad-request' : 'unavailable', `Not saved: ${msg}`, 'The previous tariff stays in use.');
          }
        }
        settings = candidate;
        save(candidate);
        reason = null;
        fetchState = { knownUntil: null, lastAttempt: null, failures: 0 };
        if (fetched) {
          store.replace(fetched.key, fetched.slots, ctx.clock.now());
          fetchState.lastAttempt = ctx.clock.now();
        }
        const now = ctx.clock.now();
        notify(now, now + 2 * 86_400_000, fetched?.slots.length ?? 0);
        return status();
      },
      'tariff-test': async (next) => tryTariff(unmasked(next)),
      'tariff-slots': async ({ from, to }) => slots(from, to),
      'tariff-status': async () => status(),
      'tariff-refresh': async () => refresh(),
      'tariff-import-csv': async ({ csv, unit, currency, timeZone }) =>
        importCsv(csv, { ...(unit ? { unit } : {}), ...(currency ? { currency } : {}), ...(timeZone ? { timeZone } : {}) }),
  };

  const instance: ModuleInstance<'tariff'> = {
    service,
    handlers,
    start() {
      if (options.cron === false) return;
      // Every quarter hour: fetch when today's prices are missing or tomorrow's are due.
      task = schedule('*/15 * * * *', tick, { name: 'tariff-fetch', noOverlap: true });
      tick();
    },
    async stop() {
      await task?.destroy();
      task = null;
      await inFlight?.catch(() => undefined);
    },
  };
  return instance;
}
