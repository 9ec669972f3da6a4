import { execFile } from 'node:child_process';
import type { GpuInfo, Reading } from '#contract/index';

/**
 * NVIDIA's driver reports power, limit, temperature and utilisation through nvidia-smi; we ask
 * it directly for the per-second telemetry because systeminformation's full graphics probe is
 * far too slow for that. Other vendors' readings come from systeminformation at detection.
 */
export type GpuReading = Pick<GpuInfo, 'index' | 'powerDrawW' | 'powerLimitW' | 'temperatureC' | 'utilizationPct'> & {
  model: string;
  vramMiB: Reading;
  driver: string | null;
};

const FIELDS = 'index,name,memory.total,driver_version,power.draw,power.limit,temperature.gpu,utilization.gpu';

function num(s: string | undefined): Reading {
  if (s === undefined) return null;
  const t = s.trim();
  // nvidia-smi prints "[N/A]" or "[Not Supported]" for sensors a board lacks.
  if (t === '' || t.startsWith('[')) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

export function parseNvidiaSmi(csv: string): GpuReading[] {
  const out: GpuReading[] = [];
  for (const line of csv.split('\n')) {
    if (!line.trim()) continue;
    const f = line.split(',').map((s) => s.trim());
    const index = Number(f[0]);
    if (!Number.isInteger(index)) continue;
    out.push({
      index,
      model: f[1] ?? 'NVIDIA GPU',
      vramMiB: num(f[2]),
      driver: f[3] && !f[3].startsWith('[') ? f[3] : null,
      powerDrawW: num(f[4]),
      powerLimitW: num(f[5]),
      temperatureC: num(f[6]),
      utilizationPct: num(f[7]),
    });
  }
  return out;
}

/** Resolves to null when nvidia-smi is absent or fails (no NVIDIA driver). */
export function queryNvidiaSmi(timeoutMs = 3000): Promise<GpuReading[] | null> {
  return new Promise((resolve) => {
    execFile(
      'nvidia-smi',
      [`--query-gpu=${FIELDS}`, '--format=csv,noheader,nounits'],
      { timeout: timeoutMs },
      (err, stdout) => {
        resolve(err ? null : parseNvidiaSmi(stdout));
      },
    );
  });
}
