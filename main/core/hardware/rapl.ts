import fs from 'node:fs';
import path from 'node:path';

/**
 * Linux RAPL package energy counters (/sys/class/powercap/intel-rapl:N, also used by AMD). Power
 * is the energy delta over time; the counter wraps at max_energy_range_uj. Recent kernels make
 * energy_uj readable by root only, so an unreadable counter means "not measured", not an error.
 */
export type RaplReader = { read(nowMs: number): number | null; domains: string[] };

type Domain = { file: string; maxUj: number; last?: { uj: number; at: number } };

export function openRapl(root = '/sys/class/powercap'): RaplReader | null {
  let entries: string[];
  try {
    entries = fs.readdirSync(root);
  } catch {
    return null;
  }
  const domains: Domain[] = [];
  // Top-level package domains only ("intel-rapl:0"), not sub-zones ("intel-rapl:0:0").
  for (const name of entries.filter((e) => /^intel-rapl:\d+$/.test(e))) {
    const dir = path.join(root, name);
    try {
      const file = path.join(dir, 'energy_uj');
      fs.readFileSync(file, 'utf8');
      const maxUj = Number(fs.readFileSync(path.join(dir, 'max_energy_range_uj'), 'utf8').trim());
      domains.push({ file, maxUj: Number.isFinite(maxUj) && maxUj > 0 ? maxUj : 2 ** 32 });
    } catch {
      // Unreadable (permissions): this domain is not measured.
    }
  }
  if (domains.length === 0) return null;
  return {
    domains: domains.map((d) => d.file),
    read(nowMs) {
      let total = 0;
      let complete = true;
      for (const d of domains) {
        let uj: number;
        try {
          uj = Number(fs.readFileSync(d.file, 'utf8').trim());
        } catch {
          return null;
        }
        const prev = d.last;
        d.last = { uj, at: nowMs };
        if (!prev || nowMs <= prev.at) {
          complete = false;
          continue;
        }
        const delta = uj >= prev.uj ? uj - prev.uj : uj + d.maxUj - prev.uj;
        total += delta / 1e6 / ((nowMs - prev.at) / 1000);
      }
      return complete ? total : null;
    },
  };
}
