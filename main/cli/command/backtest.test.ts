import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BacktestRun } from '#contract/index';
import { dispatch } from '#core/handler';
import { heatingModule } from '#core/heating/module';
import { defaultHeatingSettings } from '#core/heating/setting';
import { tariffModule } from '#core/tariff/module';
import { PRICES_DIR, WEATHER_DIR } from '../../../test/fixtures/data.ts';
import { testCores } from '../../../test/support/core.ts';
import { runCli } from '../../../test/headless/harness.ts';

const prices = path.join(PRICES_DIR, 'be-day-ahead-2023.csv');
const weather = path.join(WEATHER_DIR, 'aachen-2023-hourly.csv');
const cores = testCores('hearth-cli-backtest-');
/** Monday 9 to Monday 16 January 2023, Brussels. */
const WEEK = ['--from', '2023-01-09', '--to', '2023-01-16'];
const CHARGES = ['--grid-fee', '0.09', '--levies', '0.03', '--vat', '0.06'];
/** `hearth backtest` on the shared prices and weather, then `rest`. */
const backtest = (...rest: string[]) => ['backtest', '--prices', prices, '--weather', weather, ...rest];

describe('hearth backtest', () => {
  it('--json: the run the Plan page gets, every policy with the figures a homeowner checks; progress on stderr', async () => {
    const dir = cores.dir();
    const r = await runCli(backtest(...WEEK, ...CHARGES, '--data-dir', dir, '--json'));
    expect(r.code, r.stderr).toBe(0);
    const run = JSON.parse(r.stdout) as BacktestRun;
    expect(run).toMatchObject({
      slots: 168,
      currency: 'EUR',
      timeZone: 'Europe/Brussels',
      setup: {
        model: 'thermal',
        charges: { perKWh: 0.12, tax: 0.06, origin: 'given' },
        planner: { timeLimitMs: 2000, pricesKnownAtHour: 13 },
      },
    });
    expect(run.results.map((x) => x.policy)).toEqual(['planner', 'thermostat', 'always', 'threshold', 'none']);
    for (const x of run.results) {
      for (const k of [
        'net',
        'electricityKWh',
        'electricityCost',
        'fuelCost',
        'computeKWh',
        'comfortKh',
        'starts',
      ] as const)
        expect(typeof x.total[k], `${x.policy} ${k}`).toBe('number');
      if (x.policy === 'none') expect(x.total.savingVsNone).toBeUndefined();
      else expect(x.total.savingVsNone).toBeCloseTo(x.total.net - (run.results[4]?.total.net ?? NaN), 9);
    }
    expect(run.results[0]?.statuses).toBeDefined();
    expect(run.results[3]?.threshold).toEqual(expect.any(Number));
    expect(run.setup.lines[0]).toBe('electricity: (spot + 0.1200 EUR/kWh grid fee and levies) × (1 + 6 % VAT) (given)');
    expect(run.setup.assumptions.find((a) => a.topic === 'electricity')?.origin).toBe('given');
    expect(run.setup.assumptions.find((a) => a.topic === 'prices')).toEqual({
      topic: 'prices',
      text: 'spot prices from be-day-ahead-2023.csv',
      origin: 'given',
    });
    // Not a terminal: a line per tenth, ending at 100 %.
    expect(r.stderr).toContain('planner: 100 % (8/8 plans)');
    expect(r.stderr).toContain('none: 100 % (1/1)');
  }, 60_000);

  it('prints the totals first, one row per policy that fits a terminal, then every assumption with its origin; --months adds a row per month and policy', async () => {
    const dir = cores.dir();
    const policies = ['--policy', 'thermostat', '--policy', 'none', '--policy', 'threshold:0.1'];
    const r = await runCli(backtest(...WEEK, '--data-dir', dir, ...policies));
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines).toContain(
      '  electricity:  spot price alone, no grid fee, levies or VAT (nothing saved: set the charges on the Schedules page, or --grid-fee, --levies and --vat); a household pays these too [default]',
    );
    expect(lines.some((l) => /^ {2}house: +UA 200 W\/K, heat capacity 10,000 Wh\/K.*\[default\]$/.test(l))).toBe(true);
    expect(lines).toContain('  computer:     500 W while it runs, all of it heat in the house [default]');
    const head = lines.findIndex((l) =>
      /^policy +net € +vs none +elec kWh +elec € +fuel € +PC kWh +cold K·h +starts$/.test(l),
    );
    // The totals come first, so a terminal never scrolls them away.
    expect(head).toBe(0);
    // A folder that holds no ledger keeps none: the defaults were read without writing there.
    expect(fs.existsSync(path.join(dir, 'hearth.db'))).toBe(false);
    expect(lines.indexOf('assumed:')).toBeGreaterThan(head + 3);
    expect(lines.slice(head + 1, head + 4).map((l) => l.split(/ +/)[0])).toEqual([
      'thermostat',
      'none',
      'threshold:0.1',
    ]);
    for (const l of lines.slice(head, head + 4)) expect(l.length).toBeLessThanOrEqual(80);
    const months = await runCli(
      backtest('--from', '2023-01-30', '--to', '2023-02-02', '--data-dir', dir, '--policy', 'none', '--months'),
    );
    expect(months.stdout).toMatch(/^2023-01 {2}none /m);
    expect(months.stdout).toMatch(/^2023-02 {2}none /m);
    expect(months.stdout).toMatch(/^total {4}none /m);
  }, 60_000);

  it('reads the charges and the house from the data folder; flags override them', async () => {
    const dir = cores.dir();
    const core = await cores.start({
      dataDir: dir,
      modules: [tariffModule({ cron: false }), heatingModule({ cron: false })],
    });
    expect(
      (
        await dispatch(core.handlers, 'tariff-configure', {
          tariff: { kind: 'csv', currency: 'EUR' },
          charges: { perKWh: 0.15, tax: 0.21 },
          timeZone: 'Europe/Brussels',
          skipCheck: true,
        })
      ).ok,
    ).toBe(true);
    const heating = {
      ...defaultHeatingSettings(),
      mode: 'thermal',
      room: { heatLossWPerK: 150, capacityWhPerK: 8000 },
      heatSource: { kind: 'heat-pump', cop: [{ outdoorC: 0, cop: 3 }] },
      timeZone: 'Europe/Brussels',
    };
    expect((await dispatch(core.handlers, 'heating-configure', heating)).ok).toBe(true);
    await core.close();
    const fromFolder = backtest(...WEEK, '--data-dir', dir, '--policy', 'none', '--json');
    const r = await runCli(fromFolder);
    expect(r.code, r.stderr).toBe(0);
    const run = JSON.parse(r.stdout) as BacktestRun;
    expect(run.setup.charges).toEqual({ perKWh: 0.15, tax: 0.21, origin: 'the tariff settings' });
    const origin = (r: BacktestRun, topic: string) => r.setup.assumptions.find((a) => a.topic === topic)?.origin;
    expect(origin(run, 'heat source')).toBe('saved');
    expect(origin(run, 'house')).toBe('saved');
    expect(run.setup.house).toMatchObject({ uaWPerK: 150, capacityWhPerK: 8000, sourceCapW: 10_000 });
    expect(run.setup.heatSource.kind).toBe('heat-pump');
    const flags = ['--ua', '250', '--heat-source', 'gas', '--gas-price', '0.08', '--vat', '0.06'];
    const gas = JSON.parse((await runCli([...fromFolder, ...flags])).stdout) as BacktestRun;
    expect(gas.setup).toMatchObject({
      charges: { perKWh: 0.15, tax: 0.06 },
      house: { uaWPerK: 250, capacityWhPerK: 8000 },
      heatSource: { kind: 'gas', pricePerKWh: 0.08, efficiency: 0.9 },
    });
    for (const topic of ['heat source', 'house', 'electricity']) expect(origin(gas, topic), topic).toBe('given');
  }, 60_000);

  it('--demand-model keeps the simple demand model and needs no weather', async () => {
    const r = await runCli([
      'backtest',
      '--prices',
      prices,
      ...WEEK,
      '--demand-model',
      '--data-dir',
      cores.dir(),
      '--policy',
      'planner',
      '--policy',
      'always',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const run = JSON.parse(r.stdout) as BacktestRun;
    expect(run.setup.model).toBe('demand');
    expect(run.results[1]?.total.computeKWh).toBeCloseTo(0.5 * 168, 9);
    expect(run.results[0]?.total.net).toBeGreaterThanOrEqual((run.results[1]?.total.net ?? 0) - 1e-9);
  }, 60_000);

  it('refuses bad input with one line naming the flag, exit 2', async () => {
    const dir = cores.dir();
    const gappy = path.join(dir, 'gappy.csv');
    fs.writeFileSync(
      gappy,
      fs
        .readFileSync(weather, 'utf8')
        .split('\n')
        .filter((_, i) => i < 200 || i > 204)
        .join('\n'),
    );
    const base = backtest(...WEEK, '--data-dir', dir);
    const synthetic = path.join(WEATHER_DIR, 'synthetic-2023-01.csv');
    const intoFebruary = ['--from', '2023-01-30', '--to', '2023-02-03'];
    const cases: [string[], RegExp][] = [
      [
        ['backtest', '--prices', prices],
        /hearth backtest: --weather FILE is required: the thermal model needs hourly outdoor temperatures/,
      ],
      [['backtest', '--demand-model'], /give the period with --from and --to .*or a price file with --prices FILE/],
      [[...base, '--power', '-5'], /hearth backtest: --power must be at least 1 W, like --power 500; got -5/],
      [
        [...base, '--power', 'lots'],
        /hearth backtest: --power must be a number of W, like --power 500; "lots" is not a number/,
      ],
      [[...base, '--policy', 'sometimes'], /--policy expects planner, thermostat, always/],
      [
        [...base, '--ua', '0'],
        /hearth backtest: --ua is 0 W\/K: a house loses heat; give its heat-loss coefficient above 0/,
      ],
      [
        [...base, '--band', '22-20'],
        /hearth backtest: --band 22-20 is upside down: its lower bound 22 °C is above its upper bound 20 °C/,
      ],
      [[...base, '--band-width=-1'], /hearth backtest: --band-width -1 K would turn the comfort band upside down/],
      [
        [...base, '--heat-source', 'heat-pump', '--gas-price', '0.1'],
        /hearth backtest: --gas-price sets the price per kWh of gas, oil or district heat; the heat source is heat-pump/,
      ],
      [
        ['backtest', '--prices', prices, '--weather', gappy, ...WEEK, '--data-dir', dir],
        /hearth backtest: --weather: .*gappy.csv has no temperatures from 2023-01-09T06:00Z to 2023-01-09T12:00Z, a 6.0 h gap inside the price period: gaps up to 3 h are interpolated linearly/,
      ],
      [
        ['backtest', '--prices', prices, '--weather', synthetic, ...intoFebruary, '--data-dir', dir],
        /hearth backtest: --weather: .*synthetic-2023-01.csv covers 2023-01-01T00:00Z to 2023-01-31T23:00Z, but the prices run from 2023-01-29T23:00Z to 2023-02-02T23:00Z/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n').at(-1), args.join(' ')).toMatch(message);
    }
  }, 60_000);
});
