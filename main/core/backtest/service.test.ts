import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BacktestArgs, BacktestProgress, PriceSlot } from '#contract/index';
import { defaultHeatingSettings } from '#core/heating/setting';
import { BacktestInputError } from '#core/planner/backtest';
import { parsePriceCsv } from '#core/planner/price-csv';
import { PRICES_DIR } from '../../../test/fixtures/data.ts';
import { Backtest, BacktestBusy, BacktestStopped } from './service.ts';
import { EXAMPLE_CHARGES, householdPrices, houseFrom, runBacktest } from './setup.ts';

const DAY = 86_400_000;
const FROM = Date.UTC(2023, 0, 9, 23);
/** The household's 2023 Belgian prices, as the tariff domain gives them (charges included). */
const prices = householdPrices(
  parsePriceCsv(fs.readFileSync(path.join(PRICES_DIR, 'be-day-ahead-2023.csv'), 'utf8')),
  EXAMPLE_CHARGES,
  'Europe/Brussels',
);

/** The tariff's part the backtest reads: the stored past slots overlapping [from, to), and its charges. */
function tariffOf(slots: PriceSlot[]) {
  return {
    history: (from: number, to: number) => ({
      slots: slots.filter((s) => s.end > from && s.start < to),
      source: 'the imported price file',
    }),
    historySpan: () => null,
    charges: () => EXAMPLE_CHARGES,
  };
}

const args = (over: Partial<BacktestArgs> = {}): BacktestArgs => ({
  from: FROM,
  to: FROM + 2 * DAY,
  policies: ['always', 'none'],
  model: 'demand',
  powerW: 500,
  revenuePerHour: 0.002,
  timeZone: 'Europe/Brussels',
  ...over,
});

describe('Backtest, built without the core', () => {
  it('replays the tariff’s stored prices with its charges, the same figures as runBacktest, and pushes progress', async () => {
    const progress: BacktestProgress[] = [];
    const b = new Backtest({
      tariff: tariffOf(prices),
      emit: (event, payload) => {
        if (event === 'plan-backtest-progress') progress.push(payload as BacktestProgress);
      },
    });
    const r = await b.run(args({ runId: 'two-days' }));
    expect(r).toMatchObject({ runId: 'two-days', slots: 48, currency: 'EUR', timeZone: 'Europe/Brussels' });
    expect(r.setup.charges).toEqual({ ...EXAMPLE_CHARGES, origin: 'the tariff settings' });

    const heating = defaultHeatingSettings();
    const direct = await runBacktest({
      prices: prices.filter((p) => p.start >= FROM && p.start < FROM + 2 * DAY),
      charges: { charges: EXAMPLE_CHARGES, origin: 'x' },
      heating,
      model: 'demand',
      house: houseFrom({}, heating, false),
      computer: { powerW: 500, revenuePerHour: 0.002 },
      weather: null,
      timeZone: 'Europe/Brussels',
      policies: ['always', 'none'],
    });
    expect(r.results.map((x) => x.total)).toEqual(direct.results.map((x) => x.total));
    expect(progress.filter((p) => p.step === 1).at(-1)).toEqual({
      runId: 'two-days',
      policy: 'none',
      step: 1,
      steps: 2,
      done: 1,
      total: 1,
    });
    // Without a run id each run is numbered.
    expect((await b.run(args())).runId).toBe('run-1');
  });

  it('refuses a period without prices and a gap in them, naming the field; one run at a time; stop abandons the run', async () => {
    const b = new Backtest({ tariff: tariffOf(prices), emit: () => undefined });
    await expect(b.run(args({ from: Date.UTC(2020, 0, 1), to: Date.UTC(2020, 0, 2) }))).rejects.toMatchObject({
      field: 'period',
      message: expect.stringMatching(/^no prices are stored between 2020-01-01/) as unknown,
    });
    const gappy = new Backtest({
      tariff: tariffOf(prices.filter((p) => p.start !== FROM + DAY)),
      emit: () => undefined,
    });
    await expect(gappy.run(args())).rejects.toBeInstanceOf(BacktestInputError);
    await expect(gappy.run(args())).rejects.toMatchObject({
      field: 'prices',
      message: expect.stringMatching(/^prices are missing from 2023-01-10T23:00/) as unknown,
    });

    const first = b.run(args({ runId: 'a', policies: ['threshold'] }));
    await expect(b.run(args({ runId: 'b' }))).rejects.toEqual(new BacktestBusy('a'));
    b.stop();
    await expect(first).rejects.toBeInstanceOf(BacktestStopped);
    await expect(b.run(args())).rejects.toBeInstanceOf(BacktestStopped);
  });
});
