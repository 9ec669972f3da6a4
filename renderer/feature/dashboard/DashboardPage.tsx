import { useEffect, useState } from 'react';
import type { DeviceId, Job, RunModes } from '#contract/index';
import { api } from '../../api/client.ts';
import { useAction, useCall, useEvent, useEventSeries } from '../../api/hooks.ts';
import { perSecondX, TimeChart } from '../../component/chart.tsx';
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
import { ModeSwitch, modeOf } from '../device/ModeSwitch.tsx';
import { PowerSourceBadge } from '../device/PowerSourceBadge.tsx';
import { billed, kwh, money } from '../history/figures.ts';
import { AssumedBanner, AssumedBadge } from '../setup/Assumed.tsx';
import { useMoney } from './money.ts';
import { jobNamer } from '../job/job-name.ts';
import { next24h, nextChange } from './plan-summary.ts';
import { ACTIVE_STATES, CHEAP_DEFINITION, cheapWindowText, jobStatus, nextCheapWindow, whyEmpty } from './why.ts';

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

/** The first-run invitation while the setup was neither finished nor skipped. */
function SetupInvite({ onDone }: { onDone: () => void }) {
  const act = useAction();
  return (
    <div className="banner setup-invite" role="status" data-testid="setup-invite">
      <p>
        <strong>New here?</strong> Tell Hearth your electricity price, your heating and what to run, so its plan and
        money figures are yours rather than guesses. It takes a few minutes.
      </p>
      <div className="setup-row">
        <a className="button-link primary" href="#/setup" data-testid="setup-open">
          Start the setup
        </a>
        <button
          type="button"
          disabled={act.busy}
          onClick={() => act.run(() => api.send('setup-finish', { state: 'skipped' }), onDone)}
        >
          Skip for now
        </button>
      </div>
      <ErrorBanner error={act.error} />
    </div>
  );
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
  const planUpdated = useEvent('plan-updated');
  const jobs = useCall('job-list', {}, [jobProgress, jobState, planUpdated]);

  const minute = Math.floor(now / 60_000);
  const price = useCall('tariff-slots', { from: now, to: now + 1 }, [minute]);
  const planApplied = useEvent('plan-applied');
  const plan = useCall('plan-get', {}, [planUpdated, planApplied]);

  const booked = useEvent('ledger-slot');
  const today = useCall('ledger-days', { days: 1 }, [booked, Math.floor(now / 600_000)]);
  const setupChanged = useEvent('setup-changed');
  const setup = useCall('setup-status', {}, [setupChanged, planUpdated]);
  const modesPushed = useEvent('run-modes-changed');
  const modesLoaded = useCall('run-modes-get', {});
  const [modesSet, setModesSet] = useState<RunModes | undefined>();
  const modes = modesSet ?? modesPushed ?? modesLoaded.data;
  const ahead24 = useCall('tariff-slots', { from: now, to: now + 86_400_000 }, [
    planUpdated,
    Math.floor(now / 900_000),
  ]);
  const tariffStatus = useCall('tariff-status', {}, [planUpdated]);
  const demand = useCall('heating-demand', { from: now, to: now + 48 * 3_600_000 }, [planUpdated]);
  const miningSettings = useCall('mining-settings-get', {});

  const slotNow = price.data?.find((p) => p.start <= now && p.end > now) ?? price.data?.[0];
  const currency = slotNow?.currency ?? today.data?.currency ?? 'EUR';
  const live = mining.data && { running: mining.data.running, hashRate: hashRate?.hashRate ?? mining.data.hashRate };
  const work = runningWork(live, jobs.data ?? []);
  const slots = plan.data?.plan?.slots ?? [];
  const jobName = jobNamer(jobs.data);
  const change = nextChange(slots, now, jobName);
  const ahead = next24h(slots, now);
  const day = today.data?.days.at(-1);
  const money$ = useMoney(now);
  const cheap = nextCheapWindow(ahead24.data ?? [], now);
  const activeJobs = (jobs.data ?? []).filter((j) => ACTIVE_STATES.includes(j.state));
  const empty = whyEmpty({
    slots: plan.data ? (plan.data.plan?.slots ?? null) : null,
    knownUntil: tariffStatus.data?.knownUntil ?? null,
    activeJobs: activeJobs.length,
    miningConfigured: (miningSettings.data?.pools.length ?? 0) > 0,
    heatDemand: demand.data ? demand.data.reduce((a, h) => a + h.demandW, 0) : null,
    now,
  });
  const reasonNow =
    plan.data?.applied?.reason ??
    slots.find((s, k) => s.start <= now && (slots[k + 1]?.start ?? Infinity) > now)?.reason;
  const tariffItem = setup.data?.items.find((i) => i.topic === 'tariff');
  const heatingItem = setup.data?.items.find((i) => i.topic === 'heating');
  const devicesItem = setup.data?.items.find((i) => i.topic === 'devices');

  return (
    <div className="grid dashboard">
      {setup.data?.state === 'new' && <SetupInvite onDone={setup.reload} />}
      <AssumedBanner status={setup.data} onChanged={setup.reload} />
      <Card title="Now" wide>
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
              'Why',
              <span key="w" data-testid="now-reason">
                {reasonNow ?? 'no plan for this slot yet'}
              </span>,
            ],
            [
              'Price now',
              <span key="p">
                <span data-testid="now-price">
                  {slotNow
                    ? fmtPricePerKWh(slotNow.price, slotNow.currency)
                    : price.error
                      ? 'unknown (no tariff prices)'
                      : 'unknown'}
                </span>
                {slotNow && <AssumedBadge item={tariffItem} />}
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
            [
              'Next cheap window',
              <span key="c" data-testid="cheap-window">
                {cheap.window ? cheapWindowText(cheap.window, now) : `none: ${cheap.why}`}
              </span>,
            ],
          ]}
        />
        <p className="muted small" data-testid="cheap-definition">
          {CHEAP_DEFINITION}
          {cheap.window ? ` (${fmtPricePerKWh(cheap.window.median, cheap.window.currency)})` : ''}.
        </p>
        {empty && (
          <p className="banner warn" data-testid="plan-why">
            The plan runs nothing: {empty}.
            {cheap.window && ` Next cheap window: ${cheapWindowText(cheap.window, now)}.`}
          </p>
        )}
      </Card>
      <Card title={today.data ? `Today so far (${today.data.timeZone})` : 'Today so far'} wide>
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
      <Card title="Money" wide>
        <ErrorBanner error={money$.error} />
        {money$.currency && (
          <Table className="table" testId="money" head={['Period', 'Energy cost', 'Earnings', 'Heat value', 'Net']}>
            {money$.rows.map(({ key, label, totals: t, note }) => (
              <tr key={key} data-testid={`money-${key}`}>
                <td>
                  {label}
                  <div className="muted small">{note}</div>
                </td>
                <td>{t ? fmtMoney(money(billed(t)), money$.currency!) : '—'}</td>
                <td>{t ? fmtMoney(money(t.revenueExpectedNanos + t.trainingValueNanos), money$.currency!) : '—'}</td>
                <td>{t ? fmtMoney(money(t.heatCreditNanos), money$.currency!) : '—'}</td>
                <td>{t ? fmtMoney(money(t.netNanos), money$.currency!) : '—'}</td>
              </tr>
            ))}
          </Table>
        )}
        <p className="muted small">
          From the ledger, by local day in {money$.timeZone ?? 'the ledger’s time zone'}. Earnings: mining revenue
          expected from the hash rate, and the value of training work. Heat value: what the heating would have paid for
          the heat that met demand
          {heatingItem?.assumed ? ` (counted with ${heatingItem.value.split(';')[0]})` : ''}
          <AssumedBadge item={heatingItem} />. Cost includes the standing charge and fees where the row counts days.
        </p>
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
          {devicesItem?.assumed && (
            <p className="muted small">
              {devicesItem.value} <AssumedBadge item={devicesItem} />
            </p>
          )}
        </Card>
      )}
      <Card title="What runs, and how" wide>
        <div className="run-cards">
          {(t?.devices ?? [])
            .filter((d) => d.deviceId === 'cpu' || d.deviceId.startsWith('gpu:'))
            .map((d) => {
              const planned = plan.data?.applied?.decisions.find((x) => x.device === d.deviceId);
              return (
                <article className="run-card" key={d.deviceId} data-testid={`device-card-${d.deviceId}`}>
                  <h3>{d.label}</h3>
                  <p>
                    {fmtW(d.powerW, 1)} now; this slot:{' '}
                    {planned && planned.job !== null ? `${jobName(planned.job)} at ${fmtW(planned.powerW)}` : 'off'}
                  </p>
                  <ModeSwitch
                    target={{ device: d.deviceId as DeviceId }}
                    modes={modes}
                    name={d.label}
                    onChanged={setModesSet}
                  />
                </article>
              );
            })}
          {activeJobs.map((j: Job) => (
            <article className="run-card" key={j.id} data-testid={`job-card-${j.id}`}>
              <h3>
                {j.name}{' '}
                <span className="muted">
                  (job {j.id}, {j.state})
                </span>
              </h3>
              <p data-testid={`job-why-${j.id}`}>
                {jobStatus(j, plan.data ? (plan.data.plan?.slots ?? null) : null, modeOf(modes, { job: j.id }), now)}
              </p>
              <ModeSwitch target={{ job: j.id }} modes={modes} name={`job ${j.id}`} onChanged={setModesSet} />
            </article>
          ))}
          {activeJobs.length === 0 && (
            <p className="muted">
              No job in the queue. Create a training job on the <a href="#/jobs">Jobs</a> page or start mining on the{' '}
              <a href="#/mining">Mining</a> page.
            </p>
          )}
        </div>
      </Card>
      <Card title={`Last ${HISTORY_SECONDS / 60} minutes`} wide>
        <TimeChart
          testId="dashboard-power-chart"
          label={`Power (heat) and CPU load, last ${HISTORY_SECONDS / 60} minutes`}
          height={160}
          {...perSecondX(series.map((s) => Date.parse(s.at)))}
          axes={[
            { scale: 'W', label: 'W', range: [0, null] },
            { scale: 'load', label: '%', side: 'right', range: [0, 100] },
          ]}
          series={[
            {
              label: 'power / heat (W)',
              values: series.map((s) => s.totalPowerW),
              color: '--chart-power',
              kind: 'line',
              scale: 'W',
              format: (v) => fmtW(v),
            },
            {
              label: 'CPU load (%)',
              values: series.map((s) => s.cpuLoadPct),
              color: '--chart-load',
              kind: 'line',
              scale: 'load',
              dash: true,
              format: (v) => fmtPct(v),
            },
          ]}
          empty={
            <p className="muted">
              No reading yet: power and CPU load appear here once a second while Hearth is running. If nothing shows
              within a few seconds, check the <a href="#/devices">Devices</a> page for a sensor that fails.
            </p>
          }
        />
      </Card>
    </div>
  );
}
