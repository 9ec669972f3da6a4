import { useState, type ReactNode } from 'react';
import type { PlanOverride, PlannedSlot, PlanSolver } from '#contract/index';
import { api } from '../../api/client.ts';
import { useCall, useEvent } from '../../api/hooks.ts';
import { energyUnitFor, fmtEnergy, fmtMoney, fmtTemp, fmtTime, fmtW } from '../../component/format.ts';
import { Card, ErrorBanner, Facts, Table } from '../../component/ui.tsx';
import { DecisionLog } from './DecisionLog.tsx';
import { LimitsCard } from './LimitsCard.tsx';
import { PresenceCard } from './PresenceCard.tsx';
import { BacktestCard } from './BacktestCard.tsx';
import { statusText } from './plan-status.ts';
import { PlanTimeline } from './Timeline.tsx';
import { jobNamer } from '../job/job-name.ts';

const HOUR = 3_600_000;
const power = (s: PlannedSlot) => s.decisions.reduce((a, d) => a + d.powerW, 0);
const SOLVERS: Record<PlanSolver, string> = {
  dp: 'dynamic programme (exact)',
  milp: 'mixed-integer programme (HiGHS)',
  heuristic: 'fast plan',
};

function OverrideControls({ override, onChange }: { override: PlanOverride | null; onChange: () => void }) {
  const [error, setError] = useState<Error | undefined>(undefined);
  const set = (o: PlanOverride | null) =>
    api.send('plan-override', { override: o }).then(
      () => {
        setError(undefined);
        onChange();
      },
      (e: Error) => setError(e),
    );
  return (
    <Card title="Manual override">
      <ErrorBanner error={error} />
      <p data-testid="plan-override">
        {override
          ? `${override.kind === 'pause' ? 'Paused' : `Running ${override.job} on ${override.device}`} until ${fmtTime(override.until)}`
          : 'None: the plan decides.'}
      </p>
      <button data-testid="plan-pause" onClick={() => void set({ kind: 'pause', until: Date.now() + 2 * HOUR })}>
        Pause for 2 h
      </button>{' '}
      <button data-testid="plan-clear" disabled={!override} onClick={() => void set(null)}>
        Back to the plan
      </button>
    </Card>
  );
}

/** The next 48 hours as planned: price and power per slot, each slot's reason, totals, overrides. */
export function PlanPage() {
  const updated = useEvent('plan-updated');
  const applied = useEvent('plan-applied');
  const { data, error, reload } = useCall('plan-get', {}, [updated, applied]);
  const queue = useCall('job-list', {}, [updated]);
  const jobName = jobNamer(queue.data);
  const plan = data?.plan ?? null;
  const slots = plan?.slots ?? [];
  const thermal = slots.some((s) => s.indoorC !== undefined);
  // One unit for the plan's energies: the computer's and the heat source's side by side.
  const unit = energyUnitFor([plan?.totals.energyKWh, thermal ? plan?.totals.sourceHeatKWh : 0]);
  return (
    <div className="plan-page">
      <ErrorBanner error={error} />
      <Card title="Plan totals">
        {plan?.warnings?.map((w) => (
          <p key={w} className="banner warn" role="alert" data-testid="plan-warning">
            {w}
          </p>
        ))}
        {plan && slots.length > 0 ? (
          <Facts
            testId="plan-totals"
            rows={[
              ['Slots', String(slots.length)],
              ['Energy', fmtEnergy(plan.totals.energyKWh, unit)],
              ['Heat credit', fmtMoney(plan.totals.heatCredit)],
              ['Cost', fmtMoney(plan.totals.cost)],
              ['Revenue', fmtMoney(plan.totals.revenue)],
              ...(thermal
                ? ([
                    [
                      'Heat source',
                      `${fmtEnergy(plan.totals.sourceHeatKWh, unit)}, ${fmtMoney(plan.totals.sourceCost)}`,
                    ],
                    ['Below the comfort band', `${plan.totals.comfortKh.toFixed(1)} K·h`],
                  ] as [string, string][])
                : []),
              ['Net', fmtMoney(plan.totals.net)],
              [
                'Deadlines missed',
                plan.shortfalls.length
                  ? plan.shortfalls.map((s) => `${s.job}: ${s.missingWork.toFixed(2)} work short`).join(', ')
                  : 'none',
              ],
              ['Now', data?.applied ? `${data.applied.source}: ${data.applied.reason}` : 'nothing applied yet'],
              ['Status', <span data-testid="plan-status">{statusText(plan.status)}</span>] as [string, ReactNode],
              [
                'Solved by',
                <span data-testid="plan-solver">{`${SOLVERS[plan.solver]} (${plan.solver}) in ${plan.planMs < 10 ? plan.planMs.toFixed(1) : plan.planMs.toFixed(0)} ms`}</span>,
              ] as [string, ReactNode],
            ]}
          />
        ) : (
          // A plan of no slots is "optimal" only in the solver's sense: it says nothing, so it is not shown.
          <p data-testid="plan-empty">
            No plan yet: the scheduler plans once prices are known. Set up a tariff on the{' '}
            <a href="#/schedules">Schedules page</a> or import a price file (<code>hearth prices import FILE</code>).
          </p>
        )}
      </Card>
      <OverrideControls override={data?.override ?? null} onChange={reload} />
      {slots.length > 0 && (
        <Card title="Next 48 hours" wide>
          <PlanTimeline slots={slots} />
          {/* 48 h of 15-minute slots is 192 rows: folded, so the page stays a page (the timeline shows the same). */}
          <details className="plan-slots" data-testid="plan-slots">
            <summary>Every slot ({slots.length}), with the planner's reason</summary>
            <Table
              className="plan-table"
              testId="plan-table"
              head={['Slot', 'Power', ...(thermal ? ['Indoor (band)'] : []), 'Jobs', 'Net', 'Why']}
            >
              {slots.map((s) => (
                <tr key={s.start} title={s.reason}>
                  <td>{fmtTime(s.start)}</td>
                  <td>{fmtW(power(s))}</td>
                  {thermal && (
                    <td>
                      {s.indoorC === undefined
                        ? ''
                        : `${fmtTemp(s.indoorC)}${s.comfort ? ` (${fmtTemp(s.comfort.minC)}–${fmtTemp(s.comfort.maxC)})` : ''}`}
                    </td>
                  )}
                  <td>
                    {s.decisions
                      .filter((d) => d.job)
                      .map((d) => `${d.device}: ${jobName(d.job ?? '')}`)
                      .join(', ') || 'off'}
                  </td>
                  <td>{fmtMoney(s.net)}</td>
                  <td>{s.reason}</td>
                </tr>
              ))}
            </Table>
          </details>
        </Card>
      )}
      <DecisionLog />
      <LimitsCard />
      <PresenceCard />
      <BacktestCard />
    </div>
  );
}
