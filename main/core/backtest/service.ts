import {
  heatingSettingsSchema,
  type BacktestArgs,
  type BacktestRun,
  type HeatingSettings,
  type PriceSlot,
} from '#contract/index';
import type { EventBus } from '#core/event';
import type { HeatingService } from '#core/heating/service';
import { defaultHeatingSettings } from '#core/heating/setting';
import { BacktestInputError, type PlannerFn } from '#core/planner/backtest';
import type { TariffService } from '#core/tariff/service';
import { parsePriceCsv, type PricePoint } from '#core/planner/price-csv';
import { DEFAULT_COMPUTER, householdPrices, houseFrom, readWeather, runBacktest, toPolicy } from './setup.ts';

export type BacktestDeps = {
  /** Where the stored prices (and the charges added to spot prices) come from. */
  tariff: Pick<TariffService, 'history' | 'historySpan' | 'charges'>;
  /** The schedule, heat source and room; the defaults where absent. */
  heating?: Pick<HeatingService, 'settings'> | null;
  /** Whether the user saved a setting (`heating`, `tariff`), so the assumptions can say "saved" or "default". */
  saved?: (key: 'heating' | 'tariff') => boolean;
  /** `plan-backtest-progress` as a run goes. */
  emit: EventBus['emit'];
  /** The planner; absent, plans are made on this thread. */
  planner?: PlannerFn;
};

/** Another run is in progress (one at a time). */
export class BacktestBusy extends Error {
  constructor(readonly runId: string) {
    super(`a backtest (${runId}) is already running`);
    this.name = 'BacktestBusy';
  }
}

/** The core is stopping: the run in progress is abandoned at its next yield. */
export class BacktestStopped extends Error {
  constructor() {
    super('the core is stopping; the backtest was abandoned');
    this.name = 'BacktestStopped';
  }
}

/** "2023-01-31" in the zone. */
const localDate = (ms: number, timeZone: string) => new Date(ms).toLocaleDateString('sv-SE', { timeZone });

const READ_CHUNK_MS = 31 * 86_400_000;

/** Yields to the event loop so requests and the progress events get through between planned days. */
const yieldNow = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Replays a past period over the prices the tariff domain holds (an imported price file, or
 * fetched day-ahead prices, charges included) with the heating settings' schedule and heat source
 * and the house as one thermal node (runBacktest, the same function `hearth backtest` runs). The
 * work runs in chunks with yields between, so the server keeps answering and progress is pushed as
 * it goes. A bad figure is a BacktestInputError naming its field.
 */
export class Backtest {
  private running: string | null = null;
  private stopped = false;
  private runs = 0;

  constructor(private readonly d: BacktestDeps) {}

  /** One run at a time: throws BacktestBusy while another runs. */
  async run(args: BacktestArgs): Promise<BacktestRun> {
    if (this.running !== null) throw new BacktestBusy(this.running);
    this.running = args.runId ?? 'another run';
    try {
      return await this.replay(args);
    } finally {
      this.running = null;
    }
  }

  /** The period stored prices cover, for a form's default dates. */
  pricesSpan(): { from: number; to: number; source: string } | null {
    return this.d.tariff.historySpan();
  }

  /** Abandons a run in progress and refuses further steps. */
  stop(): void {
    this.stopped = true;
  }

  /**
   * The heating settings with the run's overrides (heat source, comfort band, time zone), checked
   * the way the heating settings are, and whether the saved ones are in thermal mode (then their
   * room is the house).
   */
  private heating(args: BacktestArgs): { settings: HeatingSettings; thermal: boolean } {
    const saved = this.d.heating?.settings() ?? defaultHeatingSettings();
    let settings: HeatingSettings = { ...saved, ...(args.timeZone ? { timeZone: args.timeZone } : {}) };
    if (args.heatSource) {
      const checked = heatingSettingsSchema.safeParse({ ...settings, heatSource: args.heatSource });
      if (!checked.success)
        throw new BacktestInputError(
          'heatSource',
          `the heat source given: ${checked.error.issues.map((i) => i.message).join('; ')}`,
        );
      settings = checked.data;
    }
    const c = args.comfort;
    if (c && 'minC' in c) {
      if (c.minC > c.maxC)
        throw new BacktestInputError(
          'comfort',
          `the comfort band ${c.minC}–${c.maxC} °C is upside down: give the lower edge first, such as ${c.maxC}–${c.minC} °C`,
        );
      settings = { ...settings, schedule: settings.schedule.map(() => [{ at: '00:00', c: c.minC, maxC: c.maxC }]) };
    } else if (c)
      settings = {
        ...settings,
        schedule: settings.schedule.map((day) => day.map((e) => ({ ...e, maxC: e.c + c.widthK }))),
      };
    return { settings, thermal: saved.mode === 'thermal' };
  }

  /** The stored prices, read a month at a time with yields between (a year is a few hundred ms of reading and charges). */
  private async pricesFor(from: number, to: number): Promise<{ slots: PriceSlot[]; source: string }> {
    const slots: PriceSlot[] = [];
    const sources = new Set<string>();
    for (let a = from; a < to; a += READ_CHUNK_MS) {
      const b = Math.min(to, a + READ_CHUNK_MS);
      const got = this.d.tariff.history(a, b);
      if (got.slots.length) sources.add(got.source);
      for (const s of got.slots) if (s.start >= a && s.start < b) slots.push(s);
      await yieldNow();
    }
    if (slots.length === 0)
      throw new BacktestInputError(
        'period',
        `no prices are stored between ${new Date(from).toISOString()} and ${new Date(to).toISOString()} (a backtest replays imported or fetched prices, never a fixed or time-of-use tariff's)`,
      );
    for (let i = 1; i < slots.length; i++) {
      const a = slots[i - 1];
      const b = slots[i];
      if (a && b && b.start !== a.end)
        throw new BacktestInputError(
          'prices',
          `prices are missing from ${new Date(a.end).toISOString()} to ${new Date(b.start).toISOString()}`,
        );
    }
    return { slots, source: [...sources].join(' and ') };
  }

  /** A price file given with the run: the whole file, or the part in [from, to). */
  private fromFile(args: BacktestArgs, file: { name: string; csv: string }, timeZone: string): PriceSlot[] {
    let points: PricePoint[];
    try {
      points = parsePriceCsv(file.csv, file.name);
    } catch (e) {
      throw new BacktestInputError('pricesCsv', (e as Error).message);
    }
    const from = args.from ?? -Infinity;
    const to = args.to ?? Infinity;
    points = points.filter((p) => p.start >= from && p.start < to);
    if (!points.length) throw new BacktestInputError('period', `${file.name} has no prices in the period chosen`);
    return householdPrices(points, args.charges ?? this.d.tariff.charges(), timeZone);
  }

  private async replay(args: BacktestArgs): Promise<BacktestRun> {
    const runId = args.runId ?? `run-${++this.runs}`;
    const h = this.heating(args);
    const timeZone = h.settings.timeZone;
    const saved = (key: 'heating' | 'tariff'): 'saved' | 'default' =>
      this.d.saved?.(key) === false ? 'default' : 'saved';
    // The weather file first: a bad row in it is named before the prices are read.
    const weather =
      args.weatherCsv !== undefined ? readWeather(args.weatherCsv, args.weatherName ?? 'weather file') : null;
    const file = args.pricesCsv;
    let prices: PriceSlot[];
    let pricesSource: string;
    if (file) {
      prices = this.fromFile(args, file, timeZone);
      pricesSource = `spot prices from ${file.name}`;
    } else {
      const got = await this.pricesFor(args.from ?? 0, args.to ?? 0);
      prices = got.slots;
      const first = prices[0]!;
      const last = prices.at(-1)!;
      pricesSource = `${first.spot === null ? 'prices' : 'spot prices'} from ${got.source}, ${localDate(first.start, timeZone)} – ${localDate(last.end - 1, timeZone)}`;
    }
    let last = { step: -1, pct: -1 };
    const given = (v: unknown, otherwise: 'saved' | 'default') => (v !== undefined ? ('given' as const) : otherwise);
    const houseGiven = args.house && Object.values(args.house).some((v) => v !== undefined);
    return runBacktest({
      prices,
      // Fixed and time-of-use tariffs have no spot price: their prices are the household's as they stand.
      charges: prices.some((p) => p.spot !== null)
        ? args.charges
          ? { charges: args.charges, origin: 'given' }
          : {
              charges: this.d.tariff.charges(),
              origin:
                saved('tariff') === 'saved'
                  ? 'the tariff settings'
                  : 'nothing saved: set the charges on the Schedules page, or --grid-fee, --levies and --vat',
            }
        : null,
      heating: h.settings,
      model: args.model ?? 'thermal',
      house: houseFrom(args.house ?? {}, h.settings, h.thermal),
      computer: {
        powerW: args.powerW ?? DEFAULT_COMPUTER.powerW,
        revenuePerHour: args.revenuePerHour ?? DEFAULT_COMPUTER.revenuePerHour,
      },
      weather,
      timeZone,
      policies: args.policies.map(toPolicy),
      pricesSource,
      origins: {
        prices: file ? 'given' : 'saved',
        electricity: given(args.charges, saved('tariff')),
        'heat source': given(args.heatSource, saved('heating')),
        house: houseGiven ? 'given' : h.thermal ? 'saved' : 'default',
        comfort: given(args.comfort, saved('heating')),
        weather: weather ? 'given' : saved('heating'),
        computer: given(args.powerW, 'default'),
        'mining value': given(args.revenuePerHour, 'default'),
        planner: args.timeLimitMs !== undefined || args.pricesKnownAtHour !== undefined ? 'given' : 'default',
      },
      ...(args.timeLimitMs !== undefined ? { timeLimitMs: args.timeLimitMs } : {}),
      ...(args.pricesKnownAtHour !== undefined ? { pricesKnownAtHour: args.pricesKnownAtHour } : {}),
      ...(this.d.planner ? { planner: this.d.planner } : {}),
      runId,
      pause: async () => {
        if (this.stopped) throw new BacktestStopped();
        await yieldNow();
      },
      progress: async (p) => {
        if (this.stopped) throw new BacktestStopped();
        // About a hundred events per policy are plenty for a progress bar.
        const pct = Math.floor((p.done / p.total) * 100);
        if (p.step !== last.step || pct !== last.pct || p.done === p.total) {
          last = { step: p.step, pct };
          this.d.emit('plan-backtest-progress', {
            runId,
            policy: args.policies[p.step] ?? p.policy,
            step: p.step,
            steps: p.steps,
            done: p.done,
            total: p.total,
          });
        }
        await yieldNow();
      },
    });
  }
}
