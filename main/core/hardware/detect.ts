import os from 'node:os';
import si from 'systeminformation';
import type { GpuInfo, HardwareInfo, Reading } from '#contract/index';
import { readProcCpuInfo } from './cpuinfo.ts';
import { queryNvidiaSmi } from './gpu.ts';
import { powerModelFor } from './power-model.ts';

const orNull = (n: number | null | undefined): Reading =>
  typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : null;
const tempOrNull = (n: number | null | undefined): Reading =>
  typeof n === 'number' && Number.isFinite(n) && n > -50 ? n : null;

/** WebAssembly SIMD support of this runtime: a tiny module using one v128 instruction. */
function wasmSimd(): boolean {
  // (module (func (result v128) i32.const 0 i32x4.splat))
  const bytes = new Uint8Array([
    0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 8, 1, 6, 0, 65, 0, 253, 17, 11,
  ]);
  return WebAssembly.validate(bytes);
}

/**
 * Probes the machine once (a second or two: systeminformation spawns helpers for GPUs). Sensors
 * that are missing stay null so the UI shows "not reported" rather than 0.
 */
export async function detectHardware(opts: { ratedPowerW?: number } = {}): Promise<HardwareInfo> {
  const [cpu, flagsText, mem, osInfo, battery, temps, graphics, smi] = await Promise.all([
    si.cpu(),
    si.cpuFlags(),
    si.mem(),
    si.osInfo(),
    si.battery(),
    si.cpuTemperature(),
    si.graphics().catch(() => ({ controllers: [] as si.Systeminformation.GraphicsControllerData[] })),
    queryNvidiaSmi(),
  ]);
  const proc = process.platform === 'linux' ? readProcCpuInfo() : null;
  const flags = proc?.flags.size ? proc.flags : new Set(flagsText.split(/\s+/));
  const model = proc?.modelName ?? [cpu.manufacturer, cpu.brand].filter(Boolean).join(' ');
  const physicalCores = cpu.physicalCores || os.cpus().length;
  const power = powerModelFor(model, physicalCores, opts.ratedPowerW);

  const gpus: GpuInfo[] = [];
  if (smi && smi.length > 0) {
    for (const g of smi) gpus.push({ vendor: 'NVIDIA', ...g });
  }
  // Non-NVIDIA controllers (and NVIDIA ones when nvidia-smi is missing) from systeminformation;
  // skip virtual display adapters that have no model.
  for (const c of graphics.controllers) {
    if (smi && smi.length > 0 && /nvidia/i.test(c.vendor)) continue;
    if (!c.model) continue;
    gpus.push({
      index: gpus.length,
      vendor: c.vendor || 'unknown',
      model: c.model,
      vramMiB: orNull(c.vram),
      driver: c.driverVersion || null,
      powerDrawW: orNull(c.powerDraw),
      powerLimitW: orNull(c.powerLimit),
      temperatureC: tempOrNull(c.temperatureGpu),
      utilizationPct: typeof c.utilizationGpu === 'number' ? c.utilizationGpu : null,
    });
  }

  return {
    cpu: {
      vendor: cpu.vendor || cpu.manufacturer || 'unknown',
      model,
      physicalCores,
      // What `nproc` prints: CPUs this process may run on.
      logicalCores: os.availableParallelism(),
      baseClockGHz: orNull(cpu.speed) ?? (proc?.mhz ? proc.mhz / 1000 : null),
      maxClockGHz: orNull(cpu.speedMax),
      features: {
        sha: flags.has('sha_ni') || flags.has('sha2') || flags.has('sha'),
        avx2: flags.has('avx2'),
        avx512f: flags.has('avx512f'),
        neon: flags.has('neon') || flags.has('asimd') || process.arch === 'arm64',
        wasmSimd: wasmSimd(),
      },
      ratedPowerW: power.ratedW,
      ratedPowerSource: power.source,
    },
    gpus,
    memory: { totalBytes: mem.total, availableBytes: mem.available },
    os: {
      platform: osInfo.platform,
      distro: osInfo.distro,
      release: osInfo.release,
      arch: osInfo.arch,
      hostname: osInfo.hostname,
    },
    power: {
      onBattery: battery.hasBattery ? !battery.acConnected : false,
      batteryPct: battery.hasBattery ? battery.percent : null,
    },
    temperatures: {
      cpuC: tempOrNull(temps.main),
      cpuCoresC: (temps.cores ?? []).map((t) => tempOrNull(t)),
      chipsetC: tempOrNull(temps.chipset),
    },
    detectedAt: new Date().toISOString(),
  };
}
