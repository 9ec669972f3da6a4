import os from 'node:os';
import si from 'systeminformation';
import type { DeviceTelemetry, HardwareInfo, PowerSource, Reading, Telemetry } from '#contract/index';
import { dayKey } from '#core/time';
import { queryNvidiaSmi, type GpuReading } from './gpu.ts';
import { estimatePowerW, type PowerModel } from './power-model.ts';
import type { RaplReader } from './rapl.ts';
import type { SampleRow, TelemetryStore } from './store.ts';

export type CpuTimes = { idle: number; total: number }[];

/** Where readings come from; injected so tests can drive the sampler with known values. */
export type TelemetrySources = {
  cpuTimes(): CpuTimes;
  cpuTempC(): Promise<Reading>;
  rapl: RaplReader | null;
  gpus(): Promise<GpuReading[] | null>;
};

export function systemSources(rapl: RaplReader | null, hasNvidia: boolean): TelemetrySources {
  return {
    cpuTimes: () =>
      os.cpus().map((c) => {
        const t = c.times;
        return { idle: t.idle, total: t.user + t.nice + t.sys + t.idle + t.irq };
      }),
    cpuTempC: async () => {
      const t = await si.cpuTemperature();
      return typeof t.main === 'number' && t.main > -50 ? t.main : null;
    },
    rapl,
    gpus: hasNvidia ? () => queryNvidiaSmi(900) : async () => null,
  };
}

type Pending = {
  day: string;
  startedAt: number;
  byDevice: Map<
    string,
    {
      wh: number;
      peak: number;
      sumW: number;
      n: number;
      load: number | null;
      temp: number | null;
      source: PowerSource | null;
    }
  >;
};

/** A gap longer than this between ticks (a suspended laptop) is not integrated as if powered. */
const MAX_TICK_GAP_MS = 5_000;

/**
 * Samples every second, integrates energy per device, and every `storeEveryMs` writes one row per
 * device plus the day rollup. Power per device comes from a meter when one reads (RAPL for the
 * CPU package, the GPU driver for GPUs) and otherwise from the estimate model, labelled so.
 */
export class TelemetrySampler {
  private lastTimes: CpuTimes | null = null;
  private lastTickAt: number | null = null;
  private pending: Pending | null = null;
  private cpuTemp: Reading = null;
  private gpuReadings: GpuReading[] | null = null;
  private slowBusy = false;
  private tickCount = 0;
  latest: Telemetry | null = null;

  constructor(
    private readonly hw: HardwareInfo,
    private readonly power: PowerModel,
    private readonly sources: TelemetrySources,
    private readonly store: TelemetryStore,
    private readonly opts: { storeEveryMs: number; timeZone: () => string },
  ) {}

  /** One sample at `now`; returns the snapshot pushed to the UI. */
  tick(now: number): Telemetry {
    const times = this.sources.cpuTimes();
    const perCore = times.map((t, i) => {
      const prev = this.lastTimes?.[i];
      if (!prev) return 0;
      const total = t.total - prev.total;
      return total > 0 ? Math.max(0, Math.min(100, (1 - (t.idle - prev.idle) / total) * 100)) : 0;
    });
    this.lastTimes = times;
    const cpuLoad = perCore.length ? perCore.reduce((a, b) => a + b, 0) / perCore.length : 0;
    this.refreshSlowReadings();

    const devices: DeviceTelemetry[] = [];
    const measured = this.sources.rapl?.read(now) ?? null;
    devices.push({
      deviceId: 'cpu',
      label: this.hw.cpu.model,
      loadPct: cpuLoad,
      temperatureC: this.cpuTemp,
      powerW: measured ?? estimatePowerW(this.power, cpuLoad),
      powerSource: measured !== null ? 'measured-rapl' : 'estimate',
    });
    const gpuSource: {
      index: number;
      model: string;
      utilizationPct: Reading;
      temperatureC: Reading;
      powerDrawW: Reading;
    }[] = this.gpuReadings ?? this.hw.gpus;
    for (const g of gpuSource) {
      const model = g.model || `GPU ${g.index}`;
      devices.push({
        deviceId: `gpu:${g.index}`,
        label: model,
        loadPct: g.utilizationPct,
        temperatureC: g.temperatureC,
        powerW: g.powerDrawW,
        powerSource: g.powerDrawW !== null ? 'measured-gpu-driver' : null,
      });
    }

    const dt = this.lastTickAt === null ? 0 : Math.min(MAX_TICK_GAP_MS, Math.max(0, now - this.lastTickAt));
    this.lastTickAt = now;
    this.accumulate(now, dt, devices);

    const totalPowerW = devices.reduce((s, d) => s + (d.powerW ?? 0), 0);
    const today = this.today(now);
    this.latest = {
      at: new Date(now).toISOString(),
      cpuLoadPerCorePct: perCore,
      cpuLoadPct: cpuLoad,
      devices,
      totalPowerW,
      estimated: devices.some((d) => d.powerSource === 'estimate'),
      heatW: totalPowerW,
      today,
    };
    return this.latest;
  }

  /** Writes what is pending (on shutdown, so the last seconds are not lost). */
  flush(now: number): void {
    const p = this.pending;
    if (!p || p.byDevice.size === 0) return;
    const rows: SampleRow[] = [];
    for (const [deviceId, a] of p.byDevice) {
      rows.push({
        at: now,
        windowMs: now - p.startedAt,
        deviceId,
        energyWh: a.wh,
        meanPowerW: a.n ? a.sumW / a.n : null,
        peakPowerW: a.n ? a.peak : null,
        powerSource: a.source,
        loadPct: a.load,
        temperatureC: a.temp,
      });
    }
    this.store.write(p.day, rows);
    this.pending = null;
  }

  private accumulate(now: number, dt: number, devices: DeviceTelemetry[]): void {
    const day = dayKey(now, this.opts.timeZone());
    if (this.pending && this.pending.day !== day) this.flush(now);
    // A window starts where the previous one ended (the last tick), so windows tile time exactly.
    if (!this.pending) this.pending = { day, startedAt: now - dt, byDevice: new Map() };
    for (const d of devices) {
      let a = this.pending.byDevice.get(d.deviceId);
      if (!a)
        this.pending.byDevice.set(
          d.deviceId,
          (a = { wh: 0, peak: 0, sumW: 0, n: 0, load: null, temp: null, source: null }),
        );
      a.load = d.loadPct;
      a.temp = d.temperatureC;
      a.source = d.powerSource;
      if (d.powerW === null) continue;
      a.wh += (d.powerW * dt) / 3_600_000;
      a.peak = Math.max(a.peak, d.powerW);
      a.sumW += d.powerW;
      a.n++;
    }
    if (now - this.pending.startedAt >= this.opts.storeEveryMs) this.flush(now);
  }

  private today(now: number): Telemetry['today'] {
    const day = dayKey(now, this.opts.timeZone());
    let energy = 0;
    let peak = 0;
    for (const d of this.store.day(day)) {
      energy += d.energyKWh;
      peak = Math.max(peak, d.peakPowerW);
    }
    if (this.pending?.day === day) {
      for (const a of this.pending.byDevice.values()) {
        energy += a.wh / 1000;
        peak = Math.max(peak, a.peak);
      }
    }
    return { energyKWh: energy, heatKWh: energy, peakPowerW: peak };
  }

  /** Temperatures and GPU readings take tens of ms to read: refresh them in the background. */
  private refreshSlowReadings(): void {
    if (this.slowBusy) return;
    const every = this.tickCount++ % 5 === 0;
    this.slowBusy = true;
    void Promise.all([every ? this.sources.cpuTempC() : Promise.resolve(this.cpuTemp), this.sources.gpus()])
      .then(([t, g]) => {
        this.cpuTemp = t;
        if (g) this.gpuReadings = g;
      })
      .catch(() => undefined)
      .finally(() => (this.slowBusy = false));
  }
}
