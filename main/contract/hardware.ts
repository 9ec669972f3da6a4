import { z } from 'zod';
import type { ArgSchemas, Handler } from './rpc.ts';

/** A reading that may be absent: `null` means the sensor is not reported, never zero. */
export type Reading = number | null;

/** Where a power figure comes from; 'measured-device': a LAN miner's own reading of its power. */
export type PowerSource = 'measured-rapl' | 'measured-gpu-driver' | 'measured-device' | 'estimate';

export type CpuInfo = {
  vendor: string;
  /** The model string exactly as the OS names it (/proc/cpuinfo "model name" on Linux). */
  model: string;
  physicalCores: number;
  logicalCores: number;
  baseClockGHz: Reading;
  maxClockGHz: Reading;
  /** Instruction sets that matter for hashing and training. */
  features: { sha: boolean; avx2: boolean; avx512f: boolean; neon: boolean; wasmSimd: boolean };
  /** Rated package power used by the estimate model (W), and where it came from. */
  ratedPowerW: number;
  ratedPowerSource: 'known-model' | 'default-per-core' | 'user';
};

export type GpuInfo = {
  index: number;
  vendor: string;
  model: string;
  vramMiB: Reading;
  driver: string | null;
  powerDrawW: Reading;
  powerLimitW: Reading;
  temperatureC: Reading;
  utilizationPct: Reading;
};

export type HardwareInfo = {
  cpu: CpuInfo;
  gpus: GpuInfo[];
  memory: { totalBytes: number; availableBytes: number };
  os: { platform: string; distro: string; release: string; arch: string; hostname: string };
  power: { onBattery: boolean | null; batteryPct: Reading };
  temperatures: { cpuC: Reading; cpuCoresC: Reading[]; chipsetC: Reading };
  detectedAt: string;
};

export type DeviceTelemetry = {
  /** Stable device id: "cpu" or "gpu:<index>". */
  deviceId: string;
  label: string;
  loadPct: Reading;
  temperatureC: Reading;
  powerW: Reading;
  powerSource: PowerSource | null;
};

export type Telemetry = {
  at: string;
  cpuLoadPerCorePct: number[];
  cpuLoadPct: number;
  devices: DeviceTelemetry[];
  /** Sum of the devices' power, W; estimates included, which `estimated` then says. */
  totalPowerW: number;
  estimated: boolean;
  /** Heat output equals electrical power drawn. */
  heatW: number;
  today: { energyKWh: number; heatKWh: number; peakPowerW: number };
};

export type DaySummary = {
  day: string;
  deviceId: string;
  energyKWh: number;
  heatKWh: number;
  peakPowerW: number;
  samples: number;
};

export type HardwareHandlers = {
  /** What this machine has. Cached after the first probe; `refresh` probes again. */
  'hardware-info': Handler<{ refresh?: boolean }, HardwareInfo>;
  /** The latest telemetry snapshot (also pushed each second as the `telemetry` event). */
  'telemetry-now': Handler<Record<string, never>, Telemetry | null>;
  /** Stored per-day energy rollups, newest first. */
  'energy-days': Handler<{ days: number }, DaySummary[]>;
};

export type HardwareEvents = {
  telemetry: Telemetry;
};

export const hardwareArgs: ArgSchemas<HardwareHandlers> = {
  'hardware-info': z.object({ refresh: z.boolean().optional() }).strict(),
  'telemetry-now': z.object({}).strict(),
  'energy-days': z.object({ days: z.number().int().min(1).max(3660) }).strict(),
};
