import { useEffect, useState } from 'react';
import type { Job } from '#contract/index';
import { useCall, useEvent, useEventSeries } from '../../api/hooks.ts';
import { LineChart, Legend } from '../../component/chart.tsx';
import {
  fmtHashRate,
  fmtKWh,
  fmtMoney,
  fmtNumber,
  fmtPct,
  fmtPricePerKWh,
  fmtTime,
  fmtW,
} from '../../component/format.ts';
import { Card, ErrorBanner, Facts, Stat, Table } from '../../component/ui.tsx';
import { PowerSourceBadge } from '../device/PowerSourceBadge.tsx';
import { billed, kwh, money } from '../history/figures.ts';
import { next24h, nextChange } from './plan-summary.ts';

const HISTORY_SECONDS = 120;

/** The current time, refreshed every `everyMs`, so "now" figures move on without an event. */
function useNow(everyMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}

/** What runs now: the miner and any running training job, with its speed. */
function runningWork(
  mining: { running: boolean; hashRate: number } | undefined,
  jobs: Job[],
): { what: string; speed: string } {
  const training = jobs.filter((j) => j.state === 'running' && j.kind !== 'mining');
  const parts: string[] = [];
  const speeds: string[] = [];
  if (mining?.running) {
    parts.push('mining');
    speeds.push(fmtHashRate(mining.hashRate));
  }
  for (const j of training) {
    parts.push(`training "${j.name}"`);
    speeds.push(
      j.progress.samplesPerSec === null
        ? 'speed not reported yet'
        : `${fmtNumber(j.progress.samplesPerSec, 1)} samples/s`,
    );
  }
  return parts.length === 0
    ? { what: 'nothing running', speed: '—' }
    : { what: parts.join(' + '), speed: speeds.join(', ') };
}

export function DashboardPage() {
  const now = useNow(30_000);
  const first = useCall('telemetry-now', {});
  const series = useEventSeries('telemetry', HISTORY_SECONDS);
  const t = series.at(-1) ?? first.data ?? undefined;

  const hashRate = useEvent('hash-rate');
  const mining = useCall('mining-status', {}, [hashRate?.poolState, Math.floor(now / 60_000)]);
  const jobProgress = useEvent('job-progress');
  const jobState = useEvent('job-state');
  const jobs = useCall('job-list', {}, [jobProgress, jobState]);

  const minute = Math.floor(now / 60_000);
  const price = useCall('tariff-slots', { from: now, to: now + 1 }, [minute]);
  const planUpdated = useEvent('plan-updated');
  const planApplied = useEvent('plan-applied');
  const plan = useCall('plan-get', {}, [planUpdated, planApplied]);

  const booked = useEvent('ledger-slot');
  const today = useCall('ledger-days', { days: 1 }, [booked, Math.floor(now / 600_000)]);

  const slotNow = price.data?.find((p) => p.start <= now && p.end > now) ?? price.data?.[0];
  const currency = slotNow?.currency ?? today.data?.currency ?? 'EUR';
  const live = mining.data && { running: mining.data.running, hashRate: hashRate?.hashRate ?? mining.data.hashRate };
  const work = runningWork(live, jobs.data ?? []);
  const slots = plan.data?.plan?.slots ?? [];
  const change = nextChange(slots, now);
  const ahead = next24h(slots, now);
  const day = today.data?.days.at(-1);

  return (
    <div className="grid dashboard">
      <Card title="Now">
        <ErrorBanner error={first.error} />
        {t ? (
          <div className="stats">
            <Stat
              testId="stat-power"
              label="Power"
              value={fmtW(t.totalPowerW, 1)}
              note={t.estimated ? 'includes estimates' : 'measured'}
            />
            <Stat
              testId="stat-heat"
              label="Heat output"
              value={fmtW(t.heatW, 1)}
              note="every watt drawn heats the room"
            />
            <Stat testId="stat-load" label="CPU load" value={fmtPct(t.cpuLoadPct)} />
          </div>
        ) : (
          <p className="muted">Waiting for the first reading…</p>
        )}
        <Facts
          testId="now-facts"
          rows={[
            [
              'Running',
              <span key="r" data-testid="now-running">
                {work.what}
              </span>,
            ],
            [
              'Speed',
              <span key="s" data-testid="now-speed">
                {work.speed}
              </span>,
            ],
            [
              'Price now',
              <span key="p" data-testid="now-price">
                {slotNow
                  ? fmtPricePerKWh(slotNow.price, slotNow.currency)
                  : price.error
                    ? 'unknown (no tariff prices)'
                    : 'unknown'}
              </span>,
            ],
            [
              'Next change',
              <span key="n" data-testid="now-next-change">
                {plan.data?.plan
                  ? change
                    ? `${fmtTime(change.at)}: ${change.what}`
                    : 'none in the plan'
                  : 'no plan yet: the scheduler plans once prices are known'}
              </span>,
            ],
          ]}
        />
      </Card>
      <Card title={today.data ? `Today so far (${today.data.timeZone})` : 'Today so far'}>
        <ErrorBanner error={today.error} />
        {day && today.data && (
          <div className="stats" data-testid="today">
            <Stat
              testId="stat-energy-today"
              label="Energy used"
              value={fmtKWh(kwh(day.energyMilliWh))}
              note={day.estimatedMilliWh > 0 ? 'includes estimates' : undefined}
            />
            <Stat
              testId="stat-heat-today"
              label="Heat delivered"
              value={fmtKWh(kwh(day.heatMilliWh))}
              note={`${fmtKWh(kwh(day.heatMetMilliWh))} met demand`}
            />
            <Stat
              testId="today-cost"
              label="Cost"
              value={fmtMoney(money(billed(day)), today.data.currency)}
              note={day.standingNanos + day.monthlyFeeNanos > 0 ? 'incl. standing charge and fees' : undefined}
            />
            <Stat
              testId="today-revenue"
              label="Revenue"
              value={fmtMoney(money(day.revenueExpectedNanos), today.data.currency)}
              note="expected from hash rate"
            />
            <Stat
              testId="today-credit"
              label="Heat credit"
              value={fmtMoney(money(day.heatCreditNanos), today.data.currency)}
            />
            <Stat testId="today-net" label="Net" value={fmtMoney(money(day.netNanos), today.data.currency)} />
          </div>
        )}
      </Card>
      <Card title="Plan, next 24 hours" wide>
        <ErrorBanner error={plan.error} />
        {ahead.slots > 0 ? (
          <p className="figures" data-testid="next-24h">
            <span data-fig="energy">{fmtKWh(ahead.energyKWh)}</span> · heat{' '}
            <span data-fig="heat">{fmtKWh(ahead.heatKWh)}</span> · cost{' '}
            <span data-fig="cost">{fmtMoney(ahead.cost, currency)}</span> · revenue{' '}
            <span data-fig="revenue">{fmtMoney(ahead.revenue, currency)}</span> · heat credit{' '}
            <span data-fig="heat-credit">{fmtMoney(ahead.heatCredit, currency)}</span> · net{' '}
            <span data-fig="net">{fmtMoney(ahead.net, currency)}</span>
          </p>
        ) : (
          <p className="muted" data-testid="next-24h">
            No plan yet: the scheduler plans once the tariff has prices.
          </p>
        )}
      </Card>
      {t && (
        <Card title="Devices">
          <Table className="table" testId="device-power" head={['Device', 'Load', 'Power']}>
            {t.devices.map((d) => (
              <tr key={d.deviceId}>
                <td>{d.label}</td>
                <td>{fmtPct(d.loadPct)}</td>
                <td>
                  {fmtW(d.powerW, 1)} <PowerSourceBadge source={d.powerSource} />
                </td>
              </tr>
            ))}
          </Table>
        </Card>
      )}
      <Card title={`Last ${HISTORY_SECONDS / 60} minutes`} wide>
        <Legend
          series={[
            { name: 'Power / heat (W)', color: '#d9480f' },
            { name: 'CPU load (%)', color: '#1971c2' },
          ]}
        />
        <LineChart
          height={110}
          label="Power over time"
          unit="W"
          series={[{ name: 'Power', color: '#d9480f', values: series.map((s) => s.totalPowerW) }]}
        />
        <LineChart
          height={110}
          label="CPU load over time"
          unit="%"
          series={[{ name: 'Load', color: '#1971c2', values: series.map((s) => s.cpuLoadPct) }]}
        />
      </Card>
    </div>
  );
}
