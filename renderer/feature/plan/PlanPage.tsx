import { useState } from 'react';
import type { PlanOverride, PlannedSlot } from '#contract/index';
import { api } from '../../api/client.ts';
import { useCall, useEvent } from '../../api/hooks.ts';
import { fmtKWh, fmtMoney, fmtTime, fmtW } from '../../component/format.ts';
import { Card, ErrorBanner, Facts } from '../../component/ui.tsx';
import { DecisionLog } from './DecisionLog.tsx';
import { LimitsCard } from './LimitsCard.tsx';
import { PresenceCard } from './PresenceCard.tsx';
import { BacktestCard } from './BacktestCard.tsx';
import { PlanTimeline } from './Timeline.tsx';

const HOUR = 3_600_000;
const power = (s: PlannedSlot) => s.decisions.reduce((a, d) => a + d.powerW, 0);
const SOLVERS: Record<string, string> = { dp: 'dynamic programme', 'dp+bnb': 'dynamic programme with branch and bound', mip: 'mixed-integer program (HiGHS)' };

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
        {override ? `${override.kind === 'pause' ? 'Paused' : `Running ${override.job} on ${override.device}`} until ${fmtTime(override.until)}` : 'None: the plan decides.'}
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
  const plan = data?.plan ?? null;
  const slots = plan?.slots ?? [];
  // Plans from planners that name their route carry `solver`; older ones do not.
  const solver = (plan as { solver?: unknown } | null)?.solver;
  const planMs = plan?.planMs;
  return (
    <div className="page plan-page">
      <ErrorBanner error={error} />
      <Card title="Plan totals">
        {plan ? (
          <Facts
            testId="plan-totals"
            rows={[
              ['Slots', String(slots.length)],
              ['Energy', fmtKWh(plan.totals.energyKWh)],
              ['Heat credit', fmtMoney(plan.totals.heatCredit)],
              ['Cost', fmtMoney(plan.totals.cost)],
              ['Revenue', fmtMoney(plan.totals.revenue)],
              ['Net', fmtMoney(plan.totals.net)],
              ['Deadlines missed', plan.shortfalls.length ? plan.shortfalls.map((s) => `${s.job}: ${s.missingWork.toFixed(2)} work short`).join(', ') : 'none'],
              ['Now', data?.applied ? `${data.applied.source}: ${data.applied.reason}` : 'nothing applied yet'],
              ...(typeof solver === 'string' ? [['Solved by', `${SOLVERS[solver] ?? solver} (${solver})${typeof planMs === 'number' ? ` in ${planMs < 10 ? planMs.toFixed(1) : planMs.toFixed(0)} ms` : ''}`] as [string, string]] : []),
            ]}
          />
        ) : (
          <p data-testid="plan-empty">No plan yet: the scheduler plans once prices are known.</p>
        )}
      </Card>
      <OverrideControls override={data?.override ?? null} onChange={reload} />
      {slots.length > 0 && (
        <Card title="Next 48 hours" wide>
          <PlanTimeline slots={slots} />
          <table className="plan-table" data-testid="plan-table">
            <thead>
              <tr>
                <th>Slot</th>
                <th>Power</th>
                <th>Jobs</th>
                <th>Net</th>
                <th>Why</th>
              </tr>
            </thead>
            <tbody>
              {slots.map((s) => (
                <tr key={s.start} title={s.reason}>
                  <td>{fmtTime(s.start)}</td>
                  <td>{fmtW(power(s))}</td>
                  <td>{s.decisions.filter((d) => d.job).map((d) => `${d.device}: ${d.job}`).join(', ') || 'off'}</td>
                  <td>{fmtMoney(s.net)}</td>
                  <td>{s.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      )}
      <DecisionLog />
      <LimitsCard />
      <PresenceCard />
      <BacktestCard />
    </div>
  );
}
