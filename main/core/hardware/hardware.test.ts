import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HardwareInfo } from '#contract/index';
import { openLedger } from '#core/ledger/db';
import { tempDirs } from '../../../test/support/temp-dir.ts';
import { parseProcCpuInfo } from './cpuinfo.ts';
import { dayKey } from '#core/time';
import { parseNvidiaSmi } from './gpu.ts';
import { estimatePowerW, powerModelFor } from './power-model.ts';
import { openRapl } from './rapl.ts';
import { createTelemetryStore, hardwareMigrations } from './store.ts';
import { TelemetrySampler, type CpuTimes, type TelemetrySources } from './telemetry.ts';

const tmp = tempDirs('hearth-hw-');

describe('/proc/cpuinfo', () => {
  it('keeps the model string verbatim and reads the hashing-relevant flags', () => {
    const info = parseProcCpuInfo(
      'processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD Ryzen 9 7950X 16-Core Processor\ncpu MHz\t\t: 4500.000\nflags\t\t: fpu sse2 avx2 sha_ni avx512f\n\nprocessor\t: 1\nmodel name\t: other\n',
    );
    expect(info.modelName).toBe('AMD Ryzen 9 7950X 16-Core Processor');
    expect([...info.flags]).toEqual(['fpu', 'sse2', 'avx2', 'sha_ni', 'avx512f']);
    expect(info.mhz).toBe(4500);
  });
});

describe('nvidia-smi', () => {
  it('parses readings and keeps unsupported sensors as null, not zero', () => {
    const rows = parseNvidiaSmi(
      '0, NVIDIA H100 80GB HBM3, 81559, 550.54.15, 71.45, 700.00, 34, 0\n1, Tesla T4, 15360, 550.54.15, [N/A], [Not Supported], 40, 3\n',
    );
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      index: 0,
      model: 'NVIDIA H100 80GB HBM3',
      vramMiB: 81559,
      driver: '550.54.15',
      powerDrawW: 71.45,
      powerLimitW: 700,
      temperatureC: 34,
      utilizationPct: 0,
    });
    expect(rows[1]).toMatchObject({ powerDrawW: null, powerLimitW: null, temperatureC: 40 });
  });
});

describe('power model', () => {
  it('interpolates between idle and rated power and clamps load', () => {
    const m = powerModelFor('AMD Ryzen 9 7950X 16-Core Processor', 16);
    expect(m).toMatchObject({ ratedW: 170, source: 'known-model' });
    expect(estimatePowerW(m, 0)).toBeCloseTo(25.5);
    expect(estimatePowerW(m, 100)).toBe(170);
    expect(estimatePowerW(m, 250)).toBe(170);
    expect(powerModelFor('Mystery CPU', 2)).toMatchObject({ ratedW: 20, source: 'default-per-core' });
    expect(powerModelFor('Mystery CPU', 2, 65)).toMatchObject({ ratedW: 65, source: 'user' });
  });
});

describe('RAPL', () => {
  it('turns energy counter deltas into watts across a counter wrap', () => {
    const root = tmp();
    const dir = path.join(root, 'intel-rapl:0');
    fs.mkdirSync(dir);
    fs.mkdirSync(path.join(root, 'intel-rapl:0:0'));
    fs.writeFileSync(path.join(dir, 'max_energy_range_uj'), '1000000000');
    const write = (uj: number) => fs.writeFileSync(path.join(dir, 'energy_uj'), String(uj));
    write(999_000_000);
    const rapl = openRapl(root);
    expect(rapl?.domains).toHaveLength(1);
    expect(rapl!.read(0)).toBeNull();
    write(999_000_000 + 40_000_000 - 1_000_000_000); // +40 J, wrapped
    expect(rapl!.read(1000)).toBeCloseTo(40);
    write(39_000_000 + 60_000_000); // +60 J over 2 s
    expect(rapl!.read(3000)).toBeCloseTo(30);
  });

  it('is absent where the counters are missing', () => {
    expect(openRapl(path.join(tmp(), 'none'))).toBeNull();
  });
});

const HW: HardwareInfo = {
  cpu: {
    vendor: 'Test',
    model: 'Test CPU',
    physicalCores: 2,
    logicalCores: 2,
    baseClockGHz: null,
    maxClockGHz: null,
    features: { sha: true, avx2: true, avx512f: false, neon: false, wasmSimd: true },
    ratedPowerW: 100,
    ratedPowerSource: 'user',
  },
  gpus: [
    {
      index: 0,
      vendor: 'NVIDIA',
      model: 'Test GPU',
      vramMiB: 8192,
      driver: '1',
      powerDrawW: null,
      powerLimitW: null,
      temperatureC: null,
      utilizationPct: null,
    },
  ],
  memory: { totalBytes: 1, availableBytes: 1 },
  os: { platform: 'linux', distro: 'x', release: '1', arch: 'x64', hostname: 'h' },
  power: { onBattery: null, batteryPct: null },
  temperatures: { cpuC: null, cpuCoresC: [], chipsetC: null },
  detectedAt: new Date(0).toISOString(),
};

/** CPU times that make each core `loadPct` busy between consecutive calls. */
function busyTimes(loadPct: number) {
  const acc = [
    { idle: 0, total: 0 },
    { idle: 0, total: 0 },
  ];
  return (): CpuTimes => {
    for (const c of acc) {
      c.total += 1000;
      c.idle += 1000 * (1 - loadPct / 100);
    }
    return acc.map((c) => ({ ...c }));
  };
}

describe('telemetry sampler', () => {
  it('integrates estimated CPU power into energy, stores 10 s windows and a day rollup', () => {
    const db = openLedger(tmp(), hardwareMigrations);
    const store = createTelemetryStore(db);
    const sources: TelemetrySources = {
      cpuTimes: busyTimes(50),
      cpuTempC: async () => null,
      rapl: null,
      gpus: async () => null,
    };
    const sampler = new TelemetrySampler(HW, powerModelFor('Test CPU', 2, 100), sources, store, {
      storeEveryMs: 10_000,
      timeZone: () => 'Europe/Berlin',
    });
    const t0 = Date.UTC(2026, 0, 15, 12, 0, 0);
    let last = sampler.tick(t0);
    for (let s = 1; s <= 60; s++) last = sampler.tick(t0 + s * 1000);
    // 50 % load on the model: 15 + 0.5 × 85 = 57.5 W for 60 s.
    const cpu = last.devices.find((d) => d.deviceId === 'cpu');
    expect(cpu).toMatchObject({ powerW: 57.5, powerSource: 'estimate', temperatureC: null });
    const gpu = last.devices.find((d) => d.deviceId === 'gpu:0');
    expect(gpu).toMatchObject({ powerW: null, powerSource: null, loadPct: null });
    expect(last.estimated).toBe(true);
    expect(last.totalPowerW).toBe(57.5);
    expect(last.today.energyKWh).toBeCloseTo((57.5 * 60) / 3_600_000, 9);
    const rows = db.prepare("SELECT COUNT(*) AS n FROM telemetry_sample WHERE device_id = 'cpu'").get() as {
      n: number;
    };
    expect(rows.n).toBe(6);
    const day = store.day(dayKey(t0, 'Europe/Berlin'));
    expect(day.find((d) => d.deviceId === 'cpu')).toMatchObject({ samples: 6, peakPowerW: 57.5 });
    expect(day.find((d) => d.deviceId === 'cpu')!.energyKWh).toBeCloseTo((57.5 * 60) / 3_600_000, 9);
    db.close();
  });

  it('splits energy at local midnight and does not count a long sleep as powered', () => {
    const db = openLedger(tmp(), hardwareMigrations);
    const store = createTelemetryStore(db);
    const sources: TelemetrySources = {
      cpuTimes: busyTimes(100),
      cpuTempC: async () => 40,
      rapl: null,
      gpus: async () => null,
    };
    const sampler = new TelemetrySampler({ ...HW, gpus: [] }, powerModelFor('x', 2, 100), sources, store, {
      storeEveryMs: 10_000,
      timeZone: () => 'Europe/Berlin',
    });
    // 22:59:55 UTC = 23:59:55 in Berlin (CET): five seconds before local midnight.
    const t0 = Date.UTC(2026, 0, 15, 22, 59, 55);
    for (let s = 0; s <= 10; s++) sampler.tick(t0 + s * 1000);
    sampler.tick(t0 + 10_000 + 3_600_000); // woke after an hour asleep: only the 5 s cap counts
    sampler.flush(t0 + 10_000 + 3_600_000);
    const before = store.day('2026-01-15').find((d) => d.deviceId === 'cpu')!;
    const after = store.day('2026-01-16').find((d) => d.deviceId === 'cpu')!;
    // Each second is booked on the day it ends in: 23:59:55→23:59:59 on the 15th (4 s), the rest
    // (6 s up to 00:00:05, plus the sleep counted as 5 s at most) on the 16th.
    expect(before.energyKWh * 3_600_000).toBeCloseTo(100 * 4, 6);
    expect(after.energyKWh * 3_600_000).toBeCloseTo(100 * (6 + 5), 6);
    db.close();
  });
});
