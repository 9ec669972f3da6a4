import fs from 'node:fs';

/**
 * Reads the fields systeminformation rewrites: on Linux the model string exactly as the kernel
 * names it ("model name" in /proc/cpuinfo; systeminformation strips vendor prefixes) and the
 * instruction-set flags.
 */
export type ProcCpuInfo = { modelName: string | null; flags: Set<string>; mhz: number | null };

export function parseProcCpuInfo(text: string): ProcCpuInfo {
  let modelName: string | null = null;
  let flags = new Set<string>();
  let mhz: number | null = null;
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (i < 0) continue;
    const key = line.slice(0, i).trim();
    const value = line.slice(i + 1).trim();
    // ARM kernels name the model "Processor"/"Hardware" and the flags "Features".
    if (modelName === null && (key === 'model name' || key === 'Processor' || key === 'Hardware')) modelName = value;
    else if (flags.size === 0 && (key === 'flags' || key === 'Features'))
      flags = new Set(value.split(/\s+/).filter(Boolean));
    else if (mhz === null && key === 'cpu MHz') mhz = Number(value) || null;
  }
  return { modelName, flags, mhz };
}

export function readProcCpuInfo(path = '/proc/cpuinfo'): ProcCpuInfo | null {
  try {
    return parseProcCpuInfo(fs.readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}
