/**
 * Seeded planning problems shaped like real homes, built the way the scheduler builds them
 * (buildWorld from detected hardware and the job queue), over real prices and weather. For the
 * planner's differential tests and `hearth bench planner`: the same seed gives the same problem.
 */
import fs from 'node:fs';
import { deviceId } from '#contract/id';
import type { HardwareInfo } from '#contract/index';
import type { PlanInput, PlanSlot } from '#contract/plan';
import type { Charges } from '#contract/tariff';
import { parseWeatherCsv, weatherAt, type WeatherPoint } from '#core/heating/weather-csv';
import { BLOCK_SUBSIDY_BTC, moneyPerHash } from '#core/market/revenue';
import { buildWorld, queuedJob, type WorldJob } from '#core/scheduler/inputs';
import { copAt } from '#core/heating/credit';
import { reachableBands } from '#core/heating/band';
import { withCharges } from '#core/tariff/charges';
import { at } from '#workers/planner/at';
import { mulberry32 } from '#workers/train/model';
import { parsePriceCsv, type PricePoint } from './price-csv.ts';

/** The seeded generator problems are drawn with (the training worker's). */
export const rng = mulberry32;

/** The price in force at `ms` (the last point at or before it). */
function stepAt(series: PricePoint[], ms: number): number {
  let lo = 0;
  let hi = series.length - 1;
  while (hi > lo) {
    const mid = (lo + hi + 1) >> 1;
    if (at(series, mid).start <= ms) lo = mid;
    else hi = mid - 1;
  }
  return at(series, lo).price;
}

/** A 16-thread desktop CPU and one GPU with a 220 W limit, as hardware detection reports them. */
export function homeHardware(gpuW = 220): HardwareInfo {
  return {
    cpu: {
      vendor: 'AMD',
      model: 'AMD Ryzen 7 5800X 8-Core Processor',
      physicalCores: 8,
      logicalCores: 16,
      baseClockGHz: 3.8,
      maxClockGHz: 4.7,
      features: { sha: true, avx2: true, avx512f: false, neon: false, wasmSimd: true },
      ratedPowerW: 105,
      ratedPowerSource: 'known-model',
    },
    gpus: [
      {
        index: 0,
        vendor: 'NVIDIA',
        model: 'GeForce RTX 3070',
        vramMiB: 8192,
        driver: '550',
        powerDrawW: 15,
        powerLimitW: gpuW,
        temperatureC: 40,
        utilizationPct: 0,
      },
    ],
    memory: { totalBytes: 32e9, availableBytes: 24e9 },
    os: { platform: 'linux', distro: 'Debian', release: '12', arch: 'x64', hostname: 'home' },
    power: { onBattery: null, batteryPct: null },
    temperatures: { cpuC: 45, cpuCoresC: [], chipsetC: null },
    detectedAt: '2026-01-01T00:00:00Z',
  };
}

export type GenerateOptions = {
  seed: number;
  /** 96 or 192 fifteen-minute slots. */
  slots: number;
  /** Hourly spot prices, EUR/kWh; the household price adds `charges`. */
  prices: PricePoint[];
  /** Hourly outdoor temperatures, °C. */
  weather: WeatherPoint[];
  /** The room as a thermal node (default) or the demand model. */
  thermal?: boolean;
};

/**
 * One problem: a day in the heating season, the household price (spot + grid fee and levies, then
 * VAT), a 16-thread CPU and a 220 W GPU, mining plus two or three training jobs (some continuous,
 * some allowed past their deadline, deadlines that may not be met), minimum run and pause of 1–4
 * slots, sometimes a power cap and quiet hours, and a gas boiler or heat pump.
 */
export function generate(o: GenerateOptions): PlanInput {
  const rand = rng(o.seed);
  const pick = <T>(xs: readonly T[]): T => at(xs, Math.floor(rand() * xs.length));
  const between = (a: number, b: number) => a + rand() * (b - a);
  // A day from the heating months of the price year whose horizon has prices and weather.
  const first = at(o.prices, 0).start;
  const last = at(o.prices, o.prices.length - 1).start - o.slots * 900_000;
  let start = 0;
  for (let tries = 0; tries < 100; tries++) {
    start = Math.floor((first + rand() * (last - first)) / 86_400_000) * 86_400_000;
    const month = new Date(start).getUTCMonth() + 1;
    if (month <= 4 || month >= 10) break;
  }
  const outdoorAt = weatherAt(o.weather);
  const charges: Charges = { perKWh: between(0.12, 0.2), tax: pick([0.06, 0.19, 0.21]) };
  const household = (ms: number) =>
    withCharges({ start: ms, end: ms + 900_000, spot: stepAt(o.prices, ms), currency: 'EUR' }, charges, 'UTC').price;

  const hardware = homeHardware(pick([180, 220, 250]));
  const deadlineH = () => Math.round(between(4, (o.slots / 4) * 0.95));
  const jobs: WorldJob[] = [];
  const nJobs = 2 + Math.floor(rand() * 2);
  for (let i = 0; i < nJobs; i++) {
    const onGpu = rand() < 0.5;
    const hours = between(1, 10);
    const stepsPerSec = between(2, 20);
    const total = Math.round(hours * 3600 * stepsPerSec);
    const spec = onGpu
      ? {
          kind: 'command' as const,
          command: ['train'],
          cwd: '/',
          resumeArgs: [],
          pauseMode: 'signal' as const,
          progress: { kind: 'stdout' as const },
        }
      : {
          kind: 'train' as const,
          workload: 'char-mlp' as const,
          dataFile: null,
          steps: total,
          threads: pick([4, 8, 16]),
          batchSize: 64,
          learningRate: 0.003,
          seed: 1,
          hidden: 64,
          context: 8,
          checkpointEvery: 100,
          keepCheckpoints: 3,
        };
    jobs.push({
      id: i + 1,
      kind: spec.kind,
      spec: spec as WorldJob['spec'],
      state: 'queued',
      devices: [deviceId(onGpu ? 'gpu:0' : 'cpu')],
      deadline: start + deadlineH() * 3_600_000,
      valuePerHour: Math.round(between(0.01, 0.12) * 1000) / 1000,
      mode: rand() < 0.3 ? 'continuous' : 'cheapest',
      runPastDeadline: rand() < 0.3,
      progress: {
        done: 0,
        total,
        unit: 'steps',
        loss: null,
        samplesPerSec: onGpu ? null : stepsPerSec * 64,
        etaSec: onGpu ? total / stepsPerSec : null,
      },
    });
  }
  // The mining job the scheduler keeps in the queue while a pool is set up, planned first.
  jobs.unshift(queuedJob({ id: nJobs + 1, spec: { kind: 'mining' } }));
  // Mining at today's network (≈ 0.03 € per kWh of a CPU), sometimes as if it paid far better.
  const perHash =
    moneyPerHash({
      currency: 'EUR',
      btcPrice: 90_000,
      difficulty: 1.1e14,
      subsidyBtc: BLOCK_SUBSIDY_BTC,
      feesBtc: 0,
      poolFee: 0,
    }) * pick([1, 300, 3000]);
  const built = buildWorld({
    hardware,
    configured: null,
    jobs,
    mining: { hashesPerThreadSec: 1e6, valuePerHash: perHash },
    now: start,
  });
  const devices = built.devices.map((d) => ({
    ...d,
    minRunSlots: 1 + Math.floor(rand() * 4),
    minPauseSlots: 1 + Math.floor(rand() * 4),
  }));

  const ua = between(150, 260);
  const capacity = between(6000, 16000);
  const heatPump = rand() < 0.5;
  const cop = [
    { outdoorC: -7, cop: 2.2 },
    { outdoorC: 7, cop: 3.5 },
    { outdoorC: 15, cop: 4.5 },
  ];
  const gas = between(0.08, 0.14) / 0.9;
  const quiet = rand() < 0.5;
  const slots: PlanSlot[] = Array.from({ length: o.slots }, (_, t) => {
    const s = start + t * 900_000;
    const outdoorC = outdoorAt(s + 450_000) ?? 5;
    const hour = new Date(s).getUTCHours();
    const day = hour >= 5 && hour < 21;
    const minC = day ? 20 : 17;
    const price = household(s);
    return {
      start: s,
      hours: 0.25,
      price,
      heatDemandW: Math.max(0, ua * (minC - outdoorC)),
      heatCreditPerKWh: heatPump ? price / copAt(cop, outdoorC) : gas,
      quiet: quiet && (hour >= 22 || hour < 6),
      outdoorC,
      comfort: { minC, maxC: minC + 2.5 },
    };
  });
  // The bands as the scheduler gives them: upper bounds raised to what pre-heating must reach and what the unheated room cools to.
  const indoorC = between(19, 21.5);
  const sourceCapW = between(6000, 10000);
  if (o.thermal !== false) {
    const bands = reachableBands(
      { uaWPerK: ua, capacityWhPerK: capacity, indoorC, sourceCapW },
      slots.map((s) => ({
        hours: s.hours,
        outdoorC: s.outdoorC ?? 5,
        comfort: s.comfort ?? { minC: -Infinity, maxC: Infinity },
      })),
    );
    slots.forEach((s, t) => (s.comfort = at(bands, t)));
  }
  const powerCap = rand() < 0.4 ? Math.round(between(200, 400)) : undefined;
  return {
    slots,
    devices,
    jobs: built.jobs,
    limits: {
      ...(powerCap !== undefined ? { powerCapW: powerCap } : {}),
      ...(quiet ? { quietCapW: pick([0, 100, 150]) } : {}),
    },
    ...(o.thermal === false ? {} : { thermal: { uaWPerK: ua, capacityWhPerK: capacity, indoorC, sourceCapW } }),
  };
}

/** The hourly series `generate` takes, from a `start_utc,eur_per_kwh` price file and a `time,temp_c` weather file. */
export function readSeries(pricesFile: string, weatherFile: string): { prices: PricePoint[]; weather: WeatherPoint[] } {
  return {
    prices: parsePriceCsv(fs.readFileSync(pricesFile, 'utf8'), pricesFile),
    weather: parseWeatherCsv(fs.readFileSync(weatherFile, 'utf8'), weatherFile),
  };
}
