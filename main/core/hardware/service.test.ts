import { describe, expect, it } from 'vitest';
import type { HardwareInfo, Telemetry } from '#contract/index';
import { systemClock, type Clock } from '#core/clock';
import { EventBus } from '#core/event';
import { openLedger } from '#core/ledger/db';
import { quiet } from '../../../test/support/quiet-log.ts';
import { tempDirs } from '../../../test/support/temp-dir.ts';
import { powerModelFor } from './power-model.ts';
import { Hardware, SAMPLE_EVERY_MS } from './service.ts';
import { createTelemetryStore, hardwareMigrations } from './store.ts';
import { TelemetrySampler, type CpuTimes } from './telemetry.ts';

const tmp = tempDirs('hearth-hardware-service-');

const HW: HardwareInfo = {
  cpu: {
    vendor: 'Test',
    model: 'Test CPU',
    physicalCores: 1,
    logicalCores: 1,
    baseClockGHz: null,
    maxClockGHz: null,
    features: { sha: true, avx2: true, avx512f: false, neon: false, wasmSimd: true },
    ratedPowerW: 100,
    ratedPowerSource: 'user',
  },
  gpus: [],
  memory: { totalBytes: 1, availableBytes: 1 },
  os: { platform: 'linux', distro: 'x', release: '1', arch: 'x64', hostname: 'h' },
  power: { onBattery: null, batteryPct: null },
  temperatures: { cpuC: null, cpuCoresC: [], chipsetC: null },
  detectedAt: new Date(0).toISOString(),
};

describe('Hardware, constructed without the core', () => {
  it('samples every second once started, emits telemetry, books the energy on the day, and probes again on request', async () => {
    const db = openLedger(tmp(), hardwareMigrations);
    const store = createTelemetryStore(db);
    // One core, fully busy: the power model gives its rated 100 W.
    let busy = 0;
    const cpuTimes = (): CpuTimes => [{ idle: 0, total: (busy += 1000) }];
    const sampler = new TelemetrySampler(
      HW,
      powerModelFor('Test CPU', 1, 100),
      { cpuTimes, cpuTempC: async () => null, rapl: null, gpus: async () => null },
      store,
      { storeEveryMs: 10_000, timeZone: () => 'Europe/Berlin' },
    );
    let t = Date.UTC(2026, 0, 15, 12, 0, 0);
    let every: { fn: () => void; ms: number } | null = null;
    let cancelled = false;
    const clock: Clock = {
      ...systemClock,
      now: () => t,
      setInterval: (fn, ms) => {
        every = { fn, ms };
        return { cancel: () => (cancelled = true) };
      },
    };
    const events = new EventBus();
    const pushed: Telemetry[] = [];
    events.on('telemetry', (s) => pushed.push(s));
    let probes = 0;
    const detect = async () => ({ ...HW, detectedAt: new Date(++probes).toISOString() });
    const hw = new Hardware({
      info: HW,
      detect,
      sampler,
      store,
      timeZone: () => 'Europe/Berlin',
      clock,
      log: quiet,
      events,
    });

    expect(hw.latest()).toBeNull();
    hw.start();
    expect(every!.ms).toBe(SAMPLE_EVERY_MS);
    for (let s = 0; s < 30; s++) {
      t += 1000;
      every!.fn();
    }
    expect(pushed).toHaveLength(30);
    expect(hw.latest()).toBe(pushed.at(-1));
    expect(hw.latest()?.totalPowerW).toBe(100);
    hw.stop();
    expect(cancelled).toBe(true);
    const [today] = hw.energyDays(1);
    expect(today).toMatchObject({ day: '2026-01-15', deviceId: 'cpu' });
    expect(today!.energyKWh * 3_600_000).toBeCloseTo(100 * 30, 6);

    expect(await hw.info()).toBe(HW);
    const again = await hw.detect();
    expect(again.detectedAt).toBe(new Date(1).toISOString());
    expect(await hw.info()).toBe(again);
    db.close();
  });
});
