import type { HardwareInfo, Reading } from '#contract/index';
import { detectHardware } from '#core/hardware/detect';
import { JSON_DOC, flagOptions, type Command } from '../command.ts';

const r = (v: Reading, unit: string, digits = 0): string =>
  v === null ? 'not reported' : `${v.toFixed(digits)} ${unit}`;

export function formatHardware(hw: HardwareInfo): string {
  const c = hw.cpu;
  const feats = Object.entries(c.features)
    .map(([k, v]) => `${k} ${v ? 'yes' : 'no'}`)
    .join(', ');
  const lines = [
    `CPU      ${c.model} (${c.vendor})`,
    `         ${c.physicalCores} physical / ${c.logicalCores} logical cores, base ${r(c.baseClockGHz, 'GHz', 2)}, max ${r(c.maxClockGHz, 'GHz', 2)}`,
    `         ${feats}`,
    `         rated ${c.ratedPowerW} W (${c.ratedPowerSource})`,
  ];
  if (hw.gpus.length === 0) lines.push('GPU      none detected');
  for (const g of hw.gpus) {
    lines.push(
      `GPU ${g.index}    ${g.model} (${g.vendor}), VRAM ${r(g.vramMiB, 'MiB')}, driver ${g.driver ?? 'not reported'}`,
    );
    lines.push(
      `         power ${r(g.powerDrawW, 'W', 1)} of limit ${r(g.powerLimitW, 'W', 1)}, ${r(g.temperatureC, '°C')}, load ${r(g.utilizationPct, '%')}`,
    );
  }
  lines.push(
    `Memory   ${(hw.memory.totalBytes / 2 ** 30).toFixed(1)} GiB total, ${(hw.memory.availableBytes / 2 ** 30).toFixed(1)} GiB available`,
  );
  lines.push(`OS       ${hw.os.distro} ${hw.os.release} (${hw.os.platform} ${hw.os.arch})`);
  lines.push(
    `Power    ${hw.power.onBattery === null ? 'AC/battery not reported' : hw.power.onBattery ? `on battery (${r(hw.power.batteryPct, '%')})` : 'on AC'}`,
  );
  lines.push(`Temps    CPU ${r(hw.temperatures.cpuC, '°C')}, chipset ${r(hw.temperatures.chipsetC, '°C')}`);
  return lines.join('\n');
}

export const hardwareCommand: Command = {
  name: 'hardware',
  summary: "Show this machine's CPU, GPUs, memory, power supply and temperatures",
  usage: '[--json]',
  options: flagOptions('json'),
  docs: { json: JSON_DOC },
  examples: ['hearth hardware --json'],
  async run({ values }) {
    const hw = await detectHardware();
    console.log(values['json'] ? JSON.stringify(hw, null, 2) : formatHardware(hw));
    return 0;
  },
};
