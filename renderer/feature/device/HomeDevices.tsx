import type { FleetStatus, HardwareInfo, LanDevice, LedgerPeriod, Telemetry } from '#contract/index';
import { api } from '../../api/client.ts';
import { useAction, useCall, useEvent } from '../../api/hooks.ts';
import { fmtClock, fmtHashRate, fmtKWh, fmtMoney, fmtTemp, fmtW, NOT_REPORTED } from '../../component/format.ts';
import { Card, ErrorBanner, Table } from '../../component/ui.tsx';
import { kwh, money } from '../history/figures.ts';
import { jobNamer } from '../job/job-name.ts';
import { deviceActions } from './action.ts';

/** One row of the table: a device of this PC, of the LAN, or of another Hearth node, as the plan names it. */
export type HomeDevice = {
  /** The plan's id: "cpu", "gpu:0", "lan:<id>", "<node>/<id>". */
  id: string;
  name: string;
  where: string;
  status: 'online' | 'offline' | 'unknown';
  /** Why it is offline, or what went wrong at its last reading. */
  problem: string | null;
  powerW: number | null;
  /** true: Hearth estimated the power; false: the device measured it; null: not said. */
  estimated: boolean | null;
  tempC: number | null;
  hashRate: number | null;
  /** A LAN device's own names for its steps, by level. */
  levelLabels?: string[];
  lan?: LanDevice;
};

/** How long a hash-rate push counts as the CPU's rate now (pushes come each second while mining), ms. */
const HASH_RATE_FRESH_MS = 5_000;

function localDevices(hw: HardwareInfo | undefined, telemetry: Telemetry | undefined, cpuHashRate: number | null) {
  const live = (id: string) => telemetry?.devices.find((d) => d.deviceId === id);
  const rows: HomeDevice[] = [];
  const cpu = live('cpu');
  rows.push({
    id: 'cpu',
    name: hw ? `CPU (${hw.cpu.model})` : 'CPU',
    where: 'this PC',
    status: 'online',
    problem: null,
    powerW: cpu?.powerW ?? null,
    estimated: cpu?.powerSource ? cpu.powerSource === 'estimate' : null,
    tempC: cpu?.temperatureC ?? hw?.temperatures.cpuC ?? null,
    hashRate: cpuHashRate,
  });
  for (const g of hw?.gpus ?? []) {
    const t = live(`gpu:${g.index}`);
    rows.push({
      id: `gpu:${g.index}`,
      name: `GPU ${g.index} (${g.model})`,
      where: 'this PC',
      status: 'online',
      problem: null,
      powerW: t?.powerW ?? g.powerDrawW,
      estimated: t?.powerSource ? t.powerSource === 'estimate' : null,
      tempC: t?.temperatureC ?? g.temperatureC,
      hashRate: null,
    });
  }
  return rows;
}

function lanRow(d: LanDevice): HomeDevice {
  // An offline device's last reading is old news: its figures are not shown as if they were now.
  const t = d.status === 'offline' ? null : d.telemetry;
  return {
    id: `lan:${d.id}`,
    name: d.name,
    where: `${d.host}:${d.port}${d.zone === 'unheated' ? ' · unheated' : ''}`,
    status: d.status,
    problem: d.error,
    powerW: t?.powerW ?? null,
    estimated: t?.powerSource ? t.powerSource === 'estimated' : null,
    tempC: t?.tempC ?? null,
    hashRate: t?.hashRate ?? null,
    levelLabels: d.levels.map((l) => l.label),
    lan: d,
  };
}

function fleetRows(fleet: FleetStatus | undefined): HomeDevice[] {
  return (fleet?.nodes ?? []).flatMap((n) =>
    n.devices.map((d) => ({
      id: d.id,
      name: d.label,
      where: `node ${n.node}`,
      status: n.online ? d.status : 'offline',
      problem: n.online
        ? null
        : `node ${n.node} not heard from${n.lastSeen === null ? '' : ` since ${fmtClock(n.lastSeen)}`}`,
      powerW: n.online ? d.powerW : null,
      estimated: null,
      tempC: null,
      hashRate: null,
    })),
  );
}

function StatusCell({ d }: { d: HomeDevice }) {
  const word = d.status === 'unknown' ? 'unknown (not read yet)' : d.status;
  return (
    <td data-col="status">
      <span className={`status ${d.status === 'online' ? 'ok' : d.status === 'offline' ? 'bad' : 'muted'}`}>
        {word}
      </span>
      {d.problem && (
        <div className="small" data-testid="device-problem">
          {d.status === 'offline' ? d.problem : `last reading failed: ${d.problem}`}
        </div>
      )}
      {d.status === 'offline' && d.lan?.lastSeen != null && (
        <div className="small muted">last seen {fmtClock(d.lan.lastSeen)}</div>
      )}
    </td>
  );
}

/** "15.0 W", "15.0 W est." (Hearth's estimate, not a meter), or "not reported". */
function powerText(d: HomeDevice): string {
  if (d.powerW === null) return NOT_REPORTED;
  return `${fmtW(d.powerW, 1)}${d.estimated ? ' est.' : ''}`;
}

/** The other Hearth nodes: pushed on each change, asked once on opening; a failure is a note, not an alarm. */
function useFleet(): { fleet: FleetStatus | undefined; note: string | null } {
  const pushed = useEvent('fleet-status');
  const fetched = useCall('fleet-status', {});
  const fleet = pushed ?? fetched.data;
  if (!fleet)
    return { fleet, note: fetched.error ? `Other Hearth nodes are not shown: ${fetched.error.message}` : null };
  if (fleet.role === 'off') return { fleet, note: null };
  return { fleet, note: fleet.message ? `Other Hearth nodes: ${fleet.message}` : null };
}

/**
 * Every device in the home in one table, this PC's, the LAN's and other nodes': readings, what the
 * plan has it do now and next, and today's energy and net from the ledger. A device's name opens
 * its history and settings below.
 */
export function HomeDevicesCard({
  hw,
  lan,
  lanError,
  selected,
  onSelect,
}: {
  hw: HardwareInfo | undefined;
  lan: LanDevice[] | undefined;
  lanError: Error | undefined;
  selected: string | null;
  onSelect: (device: { id: string; name: string } | null) => void;
}) {
  const telemetry = useEvent('telemetry');
  const hashRate = useEvent('hash-rate');
  const { fleet, note } = useFleet();
  const planUpdated = useEvent('plan-updated');
  const planApplied = useEvent('plan-applied');
  const plan = useCall('plan-get', {}, [planUpdated, planApplied]);
  const jobs = useCall('job-list', {}, [planUpdated]);
  const booked = useEvent('ledger-slot');
  const today = useCall('ledger-period', { kind: 'day' }, [booked]);
  const refresh = useAction();

  // The pushes' own clock (each second) rather than the browser's: the page moves on with them.
  const now = telemetry ? Date.parse(telemetry.at) : Date.now();
  const cpuHashRate =
    hashRate && telemetry && Math.abs(Date.parse(telemetry.at) - hashRate.at) < HASH_RATE_FRESH_MS
      ? hashRate.hashRate
      : null;
  const rows = [...localDevices(hw, telemetry, cpuHashRate), ...(lan ?? []).map(lanRow), ...fleetRows(fleet)];
  const jobName = jobNamer(jobs.data);

  return (
    <Card title="Devices in the home" wide>
      <ErrorBanner error={lanError ?? refresh.error} />
      <Table
        testId="home-devices"
        head={[
          'Device',
          'Where',
          'Status',
          'Power',
          'Temperature',
          'Hash rate',
          'Now (plan)',
          'Next',
          'Energy today',
          'Net today',
        ]}
      >
        {rows.map((d) => {
          const a = deviceActions(plan.data?.plan?.slots ?? null, plan.data?.override ?? null, d.id, now, {
            level: (l) => d.levelLabels?.[l],
            job: jobName,
          });
          return (
            <tr key={d.id} data-testid={`device-row-${d.id}`}>
              <td data-col="name">
                <button
                  type="button"
                  className="link"
                  aria-pressed={selected === d.id}
                  title="Its history and settings"
                  onClick={() => onSelect(selected === d.id ? null : { id: d.id, name: d.name })}
                >
                  {d.name}
                </button>
              </td>
              <td data-col="where">{d.where}</td>
              <StatusCell d={d} />
              <td data-col="power" className="num">
                {powerText(d)}
              </td>
              <td data-col="temp" className="num">
                {fmtTemp(d.tempC)}
              </td>
              <td data-col="hash-rate" className="num">
                {fmtHashRate(d.hashRate)}
              </td>
              <td data-col="now">{a.now}</td>
              <td data-col="next">{a.next}</td>
              <TodayCells period={today.data} id={d.id} />
            </tr>
          );
        })}
      </Table>
      {note && (
        <p className="muted small" data-testid="fleet-note">
          {note}
        </p>
      )}
      {today.error && <p className="muted small">Today&apos;s energy and money are not shown: {today.error.message}</p>}
      {lan && lan.length > 0 && (
        <p>
          <button
            type="button"
            data-testid="devices-refresh"
            disabled={refresh.busy}
            onClick={() => refresh.run(() => api.send('device-list', { refresh: true }))}
          >
            {refresh.busy ? 'Reading the devices…' : 'Read the network devices now'}
          </button>{' '}
          <span className="muted small">Each answers within a few seconds or is marked as not answering.</span>
        </p>
      )}
    </Card>
  );
}

/** Today's energy and net from the ledger; a device with nothing booked today says so rather than 0. */
function TodayCells({ period, id }: { period: LedgerPeriod | undefined; id: string }) {
  if (!period)
    return (
      <>
        <td data-col="energy" className="num muted">
          …
        </td>
        <td data-col="net" className="num muted">
          …
        </td>
      </>
    );
  const t = period.devices.find((d) => d.id === id);
  if (!t)
    return (
      <>
        <td data-col="energy" className="num muted">
          none booked
        </td>
        <td data-col="net" className="num muted">
          none booked
        </td>
      </>
    );
  return (
    <>
      <td data-col="energy" className="num">
        {fmtKWh(kwh(t.energyMilliWh))}
      </td>
      <td data-col="net" className="num">
        {fmtMoney(money(t.netNanos), period.currency)}
      </td>
    </>
  );
}
