import { execFile } from 'node:child_process';

export type GpuReading = { powerW: number | null; utilizationPct: number | null; temperatureC: number | null };
/** Readings of the GPU(s) a process runs on, or null when it runs on none. */
export type GpuProbe = (pid: number) => Promise<GpuReading | null>;

const run = (args: string[]): Promise<string> =>
  new Promise((resolve, reject) =>
    execFile('nvidia-smi', args, { timeout: 5000 }, (err, out) => (err ? reject(err) : resolve(out))),
  );

const reading = (s: string | undefined): number | null => {
  const n = Number(s?.trim());
  return s === undefined || s.includes('N/A') || s.includes('Not Supported') || !Number.isFinite(n) ? null : n;
};

/**
 * Parses `nvidia-smi --query-gpu=uuid,power.draw,utilization.gpu,temperature.gpu` and
 * `--query-compute-apps=gpu_uuid,pid` (CSV, no header, no units) and sums the readings of the
 * GPUs where `pid` runs. A process on two GPUs gets both GPUs' power.
 */
export function gpuReadingFor(pid: number, gpusCsv: string, appsCsv: string): GpuReading | null {
  const uuids = new Set(
    appsCsv
      .split('\n')
      .map((l) => l.split(',').map((s) => s.trim()))
      .filter(([, p]) => Number(p) === pid)
      .map(([u]) => u),
  );
  let found: GpuReading | null = null;
  for (const line of gpusCsv.split('\n')) {
    const [uuid, power, util, temp] = line.split(',');
    if (!uuid || !uuids.has(uuid.trim())) continue;
    const r = { powerW: reading(power), utilizationPct: reading(util), temperatureC: reading(temp) };
    found = found
      ? {
          powerW: found.powerW === null || r.powerW === null ? (found.powerW ?? r.powerW) : found.powerW + r.powerW,
          utilizationPct: Math.max(found.utilizationPct ?? 0, r.utilizationPct ?? 0),
          temperatureC: Math.max(found.temperatureC ?? 0, r.temperatureC ?? 0),
        }
      : r;
  }
  return found;
}

/** A probe through nvidia-smi, or null when this machine has none (checked once). */
export async function nvidiaProbe(): Promise<GpuProbe | null> {
  try {
    await run(['--query-gpu=uuid', '--format=csv,noheader']);
  } catch {
    return null;
  }
  return async (pid) => {
    const [gpus, apps] = await Promise.all([
      run(['--query-gpu=uuid,power.draw,utilization.gpu,temperature.gpu', '--format=csv,noheader,nounits']),
      run(['--query-compute-apps=gpu_uuid,pid', '--format=csv,noheader,nounits']),
    ]);
    return gpuReadingFor(pid, gpus, apps);
  };
}
