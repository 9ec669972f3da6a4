import type { BacktestArgs, BacktestRun, HeatingSettings, PriceSlot } from '#contract/index';
import type { EventBus } from '#core/event';
import type { HeatingService } from '#core/heating/service';
import { defaultHeatingSettings } from '#core/heating/setting';
import { BacktestInputError, type PlannerFn } from '#core/planner/backtest';
import type { TariffService } from '#core/tariff/service';
import { DEFAULT_COMPUTER, houseFrom, readWeather, runBacktest, toPolicy } from './setup.ts';

export type BacktestDeps = {
  /** Where the prices (and the charges added to spot prices) come from. */
  tariff: Pick<TariffService, 'slots' | 'charges'>;
  /** The schedule, heat source and room; the defaults where absent. */
  heating?: Pick<HeatingService, 'settings'> | null;
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

  /** Abandons a run in progress and refuses further steps. */
  stop(): void {
    this.stopped = true;
  }

  /** The heating settings, and whether the user saved them in thermal mode (then their room is the house). */
  private heating(): { settings: HeatingSettings; thermal: boolean } {
    const settings = this.d.heating?.settings() ?? defaultHeatingSettings();
    return { settings, thermal: settings.mode === 'thermal' };
  }

  /** The stored prices, read a month at a time with yields between (a year is a few hundred ms of reading and charges). */
  private async pricesFor(from: number, to: number): Promise<PriceSlot[]> {
    const slots: PriceSlot[] = [];
    for (let a = from; a < to; a += READ_CHUNK_MS) {
      const b = Math.min(to, a + READ_CHUNK_MS);
      for (const s of this.d.tariff.slots(a, b)) if (s.start >= a && s.start < b) slots.push(s);
      await yieldNow();
    }
    if (slots.length === 0)
      throw new BacktestInputError(
        'period',
        `no prices are stored between ${new Date(from).toISOString()} and ${new Date(to).toISOString()}`,
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
    return slots;
  }

  private async replay(args: BacktestArgs): Promise<BacktestRun> {
    const runId = args.runId ?? `run-${++this.runs}`;
    const prices = await this.pricesFor(args.from, args.to);
    const h = this.heating();
    const timeZone = args.timeZone ?? h.settings.timeZone;
    let last = { step: -1, pct: -1 };
    const weather = args.weatherCsv !== undefined ? readWeather(args.weatherCsv, 'weather file') : null;
    return runBacktest({
      prices,
      // Fixed and time-of-use tariffs have no spot price: their prices are the household's as they stand.
      charges: prices.some((p) => p.spot !== null)
        ? { charges: this.d.tariff.charges(), origin: 'the tariff settings' }
        : null,
      heating: h.settings,
      model: args.model ?? 'thermal',
      house: houseFrom(args.house ?? {}, h.settings, h.thermal),
      computer: { powerW: args.powerW, revenuePerHour: args.revenuePerHour ?? DEFAULT_COMPUTER.revenuePerHour },
      weather,
      timeZone,
      policies: args.policies.map(toPolicy),
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
