import type { MiningStatus, PriceSlot, Telemetry } from '#contract/index';
import type { CoreModule } from '#core/module';
import type { Services } from '#core/service';

/** A module that serves `service` as domain `name`: a domain the test needs only as an input. */
export function serviceStub<K extends keyof Services>(name: K, service: Services[K]): CoreModule {
  return { name, create: () => ({ service }) };
}

const notNeeded = () => Promise.reject(new Error('not needed'));

/** The hardware domain with `latest` as its telemetry; it probes nothing. */
export const hardwareStub = (latest: () => Telemetry) => serviceStub('hardware', { info: notNeeded, latest });

/** A tariff of the `slots` given, always known, with no charges on top. */
export const tariffStub = (slots: (from: number, to: number) => PriceSlot[]) =>
  serviceStub('tariff', {
    slots,
    status: () => ({ kind: 'csv', state: 'ok', reason: null, fetchedAt: null, knownUntil: null, nextFetchAt: null }),
    charges: () => ({ perKWh: 0, tax: 0 }),
    history: (from: number, to: number) => ({ slots: slots(from, to), source: 'the test prices' }),
    historySpan: () => null,
    onUpdate: () => () => {},
  });

/** A miner running at `hashRate` H/s, whose health is `health`; it cannot be started or stopped. */
export const miningStub = (
  hashRate: number,
  health: MiningStatus['health'] = { state: 'ok', problem: null, since: null, rejectRate: null },
) =>
  serviceStub('mining', {
    status: () => ({ running: true, hashRate, health }) as MiningStatus,
    configured: () => true,
    start: notNeeded,
    stop: notNeeded,
    setPower: notNeeded,
    shareCounts: () => ({ accepted: 0, rejected: 0, stale: 0, rejectReasons: {} }),
  });

/** The CPU alone drawing `watts` at time `at`, as RAPL measured it, all of it turned into heat. */
export function cpuTelemetry(at: number, watts: number): Telemetry {
  return {
    at: new Date(at).toISOString(),
    cpuLoadPerCorePct: [100],
    cpuLoadPct: 100,
    devices: [
      { deviceId: 'cpu', label: 'CPU', loadPct: 100, temperatureC: 60, powerW: watts, powerSource: 'measured-rapl' },
    ],
    totalPowerW: watts,
    estimated: false,
    heatW: watts,
    today: { energyKWh: 0, heatKWh: 0, peakPowerW: watts },
  };
}

/** Hourly EUR slots over [from, to) priced by `priceAt` (undefined: no price for that hour). */
export function hourlyPrices(
  from: number,
  to: number,
  priceAt: (start: number) => { price: number; spot: number | null } | undefined,
): PriceSlot[] {
  const out: PriceSlot[] = [];
  for (let h = Math.floor(from / 3_600_000) * 3_600_000; h < to; h += 3_600_000) {
    const p = priceAt(h);
    if (p) out.push({ start: h, end: h + 3_600_000, ...p, currency: 'EUR' });
  }
  return out;
}
