import { useState, type ReactNode } from 'react';
import type { DeviceId, DeviceTelemetry, GpuInfo, HardwareInfo, RunModes, SetupItem } from '#contract/index';
import { useCall, useEvent } from '../../api/hooks.ts';
import { fmtPct, fmtTemp, fmtUnit, fmtW, NOT_REPORTED } from '../../component/format.ts';
import { Card, ErrorBanner, Facts } from '../../component/ui.tsx';
import { AssumedBadge } from '../setup/Assumed.tsx';
import { DeviceHistory } from './DeviceHistory.tsx';
import { HomeDevicesCard } from './HomeDevices.tsx';
import { AddDeviceCard, DeviceSettingsCard, useLanDevices, type AddPrefill } from './LanDevices.tsx';
import { ModeSwitch } from './ModeSwitch.tsx';
import { PowerSourceBadge } from './PowerSourceBadge.tsx';
import { ScanCard } from './ScanCard.tsx';

const yesNo = (b: boolean) => (b ? 'yes' : 'no');
const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;

function CpuCard({
  hw,
  live,
  assumed,
  mode,
}: {
  hw: HardwareInfo;
  live: DeviceTelemetry | undefined;
  assumed: SetupItem | undefined;
  mode: ReactNode;
}) {
  const c = hw.cpu;
  return (
    <Card title="CPU">
      <Facts
        testId="cpu-facts"
        rows={[
          ['Model', c.model],
          ['Vendor', c.vendor],
          ['Physical cores', String(c.physicalCores)],
          ['Logical cores', String(c.logicalCores)],
          ['Base clock', fmtUnit(c.baseClockGHz, 'GHz', 2)],
          ['Max clock', fmtUnit(c.maxClockGHz, 'GHz', 2)],
          ['SHA extensions', yesNo(c.features.sha)],
          ['AVX2', yesNo(c.features.avx2)],
          ['AVX-512', yesNo(c.features.avx512f)],
          ['WebAssembly SIMD', yesNo(c.features.wasmSimd)],
          [
            'Rated power',
            <span key="r">
              {`${c.ratedPowerW} W (${c.ratedPowerSource === 'known-model' ? 'known model' : c.ratedPowerSource === 'user' ? 'set by you' : 'default per core'})`}
              <AssumedBadge item={assumed} />
            </span>,
          ],
          ['Load', live ? fmtPct(live.loadPct) : NOT_REPORTED],
          ['Temperature', live ? fmtTemp(live.temperatureC) : fmtTemp(hw.temperatures.cpuC)],
          ['Power', live ? <PowerReading key="p" d={live} /> : NOT_REPORTED],
        ]}
      />
      {mode}
    </Card>
  );
}

function PowerReading({ d }: { d: DeviceTelemetry }) {
  return (
    <span>
      {fmtW(d.powerW, 1)} <PowerSourceBadge source={d.powerSource} />
    </span>
  );
}

function GpuCard({ g, live, mode }: { g: GpuInfo; live: DeviceTelemetry | undefined; mode: ReactNode }) {
  return (
    <Card title={`GPU ${g.index}`}>
      <Facts
        testId={`gpu-facts-${g.index}`}
        rows={[
          ['Model', g.model],
          ['Vendor', g.vendor],
          ['VRAM', fmtUnit(g.vramMiB, 'MiB', 0)],
          ['Driver', g.driver ?? NOT_REPORTED],
          ['Power', live ? <PowerReading key="p" d={live} /> : fmtW(g.powerDrawW, 1)],
          ['Power limit', fmtW(g.powerLimitW, 0)],
          ['Temperature', fmtTemp(live?.temperatureC ?? g.temperatureC)],
          ['Utilisation', fmtPct(live?.loadPct ?? g.utilizationPct)],
        ]}
      />
      {mode}
    </Card>
  );
}

export function DevicesPage() {
  const { data: hw, error } = useCall('hardware-info', {});
  const telemetry = useEvent('telemetry');
  const live = (id: string) => telemetry?.devices.find((d) => d.deviceId === id);
  const setup = useCall('setup-status', {});
  const modesLoaded = useCall('run-modes-get', {});
  const modesPushed = useEvent('run-modes-changed');
  const [modesSet, setModesSet] = useState<RunModes | undefined>();
  const modes = modesSet ?? modesPushed ?? modesLoaded.data;
  // The same switch as on the Dashboard: off, the planner's choice, now whatever the price, or only for heat.
  const mode = (id: string, name: string) => (
    <ModeSwitch target={{ device: id as DeviceId }} modes={modes} name={name} onChanged={setModesSet} />
  );
  const lan = useLanDevices();
  // The device whose history (and, for a LAN device, settings) shows below the table.
  const [selected, setSelected] = useState<{ id: string; name: string } | null>(null);
  const [prefill, setPrefill] = useState<AddPrefill | null>(null);
  const selectedLan = lan.devices?.find((d) => `lan:${d.id}` === selected?.id);
  const inTheHome = (
    <>
      <HomeDevicesCard
        hw={hw}
        lan={lan.devices}
        lanError={lan.error}
        selected={selected?.id ?? null}
        onSelect={setSelected}
      />
      {/* A LAN device renamed meanwhile is shown by its new name. */}
      {selected && <DeviceHistory device={selected.id} name={selectedLan?.name ?? selected.name} />}
      {selectedLan && <DeviceSettingsCard device={selectedLan} onRemoved={() => setSelected(null)} />}
      <AddDeviceCard prefill={prefill} />
      <ScanCard devices={lan.devices} onPrefill={setPrefill} />
    </>
  );
  if (!hw)
    return (
      <div className="grid">
        {inTheHome}
        {error ? <ErrorBanner error={error} /> : <p className="muted">Detecting hardware…</p>}
      </div>
    );
  return (
    <div className="grid">
      {inTheHome}
      <CpuCard
        hw={hw}
        live={live('cpu')}
        assumed={setup.data?.items.find((i) => i.topic === 'devices')}
        mode={mode('cpu', 'the CPU')}
      />
      {hw.gpus.length === 0 && (
        <Card title="GPUs">
          <p data-testid="no-gpu">No GPU detected. Hearth can still heat with the CPU.</p>
        </Card>
      )}
      {hw.gpus.map((g) => (
        <GpuCard key={g.index} g={g} live={live(`gpu:${g.index}`)} mode={mode(`gpu:${g.index}`, `GPU ${g.index}`)} />
      ))}
      <Card title="System">
        <Facts
          testId="system-facts"
          rows={[
            ['Memory', `${gib(hw.memory.totalBytes)} total, ${gib(hw.memory.availableBytes)} available`],
            ['Operating system', `${hw.os.distro} ${hw.os.release} (${hw.os.platform} ${hw.os.arch})`],
            ['Host', hw.os.hostname],
            [
              'Power supply',
              hw.power.onBattery === null
                ? NOT_REPORTED
                : hw.power.onBattery
                  ? `battery, ${fmtPct(hw.power.batteryPct)}`
                  : 'AC',
            ],
            ['Chipset temperature', fmtTemp(hw.temperatures.chipsetC)],
          ]}
        />
      </Card>
      {telemetry && (
        <Card title="Load per core" wide>
          <div className="cores" data-testid="core-load">
            {telemetry.cpuLoadPerCorePct.map((p, i) => (
              <div key={i} className="core" title={`core ${i}: ${fmtPct(p)}`}>
                <div className="bar">
                  <div className="fill" style={{ height: `${Math.round(p)}%` }} />
                </div>
                <span>{Math.round(p)}%</span>
              </div>
            ))}
          </div>
        </Card>
      )}
    </div>
  );
}
