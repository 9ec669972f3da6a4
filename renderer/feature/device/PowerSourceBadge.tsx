import type { PowerSource } from '#contract/index';

const LABEL: Record<PowerSource, string> = {
  'measured-rapl': 'measured (RAPL)',
  'measured-gpu-driver': 'measured (driver)',
  'measured-device': 'measured (device)',
  estimate: 'estimate',
};

/** Says where a power figure comes from; estimates are marked so nobody mistakes them for a meter. */
export function PowerSourceBadge({ source }: { source: PowerSource | null }) {
  if (source === null) return <span className="badge muted">not reported</span>;
  return <span className={source === 'estimate' ? 'badge estimate' : 'badge measured'}>{LABEL[source]}</span>;
}
