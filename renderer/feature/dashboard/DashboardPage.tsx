import { useCall, useEventSeries } from '../../api/hooks.ts';
import { LineChart, Legend } from '../../component/chart.tsx';
import { fmtKWh, fmtPct, fmtW } from '../../component/format.ts';
import { Card, ErrorBanner, Stat } from '../../component/ui.tsx';
import { PowerSourceBadge } from '../device/PowerSourceBadge.tsx';

const HISTORY_SECONDS = 120;

export function DashboardPage() {
  const first = useCall('telemetry-now', {});
  const series = useEventSeries('telemetry', HISTORY_SECONDS);
  const t = series.at(-1) ?? first.data ?? undefined;
  if (!t) return first.error ? <ErrorBanner error={first.error} /> : <p className="muted">Waiting for the first reading…</p>;
  const estimateNote = t.estimated ? 'includes estimates' : 'measured';
  return (
    <div className="grid">
      <Card title="Now">
        <div className="stats">
          <Stat testId="stat-power" label="Power" value={fmtW(t.totalPowerW, 1)} note={estimateNote} />
          <Stat testId="stat-heat" label="Heat output" value={fmtW(t.heatW, 1)} note="every watt drawn heats the room" />
          <Stat testId="stat-load" label="CPU load" value={fmtPct(t.cpuLoadPct)} />
        </div>
      </Card>
      <Card title="Today">
        <div className="stats">
          <Stat testId="stat-heat-today" label="Heat delivered" value={fmtKWh(t.today.heatKWh)} />
          <Stat testId="stat-energy-today" label="Energy used" value={fmtKWh(t.today.energyKWh)} />
          <Stat testId="stat-peak-today" label="Peak power" value={fmtW(t.today.peakPowerW, 1)} />
        </div>
      </Card>
      <Card title="Devices">
        <table className="table" data-testid="device-power">
          <thead>
            <tr>
              <th>Device</th>
              <th>Load</th>
              <th>Power</th>
            </tr>
          </thead>
          <tbody>
            {t.devices.map((d) => (
              <tr key={d.deviceId}>
                <td>{d.label}</td>
                <td>{fmtPct(d.loadPct)}</td>
                <td>
                  {fmtW(d.powerW, 1)} <PowerSourceBadge source={d.powerSource} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
      <Card title={`Last ${HISTORY_SECONDS / 60} minutes`} wide>
        <Legend series={[{ name: 'Power / heat (W)', color: '#d9480f' }, { name: 'CPU load (%)', color: '#1971c2' }]} />
        <LineChart height={110} label="Power over time" unit="W" series={[{ name: 'Power', color: '#d9480f', values: series.map((s) => s.totalPowerW) }]} />
        <LineChart height={110} label="CPU load over time" unit="%" series={[{ name: 'Load', color: '#1971c2', values: series.map((s) => s.cpuLoadPct) }]} />
      </Card>
    </div>
  );
}
