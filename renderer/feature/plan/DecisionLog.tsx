import type { PlanEvent } from '#contract/index';
import { useCall, useEvent } from '../../api/hooks.ts';
import { fmtTime } from '../../component/format.ts';
import { Card, ErrorBanner, Table } from '../../component/ui.tsx';

const LABEL: Record<PlanEvent['kind'], string> = {
  decision: 'decision',
  deviation: 'deviation',
  override: 'override',
  planned: 'planned',
  error: 'error',
};

/** The scheduler's latest decisions and deviations, as stored in the ledger (plan-events). */
export function DecisionLog({ limit = 15 }: { limit?: number }) {
  const latest = useEvent('plan-event');
  const { data, error } = useCall('plan-events', { limit }, [latest?.id]);
  return (
    <Card title="Decisions and deviations" wide>
      <ErrorBanner error={error} />
      {data && data.length === 0 && <p data-testid="decision-log-empty">Nothing decided yet.</p>}
      {data && data.length > 0 && (
        <Table className="decision-log" testId="decision-log" head={['When', 'What', 'Detail']}>
          {data.map((e) => (
            <tr key={e.id} className={`decision-${e.kind}`}>
              <td>{fmtTime(e.at)}</td>
              <td>{LABEL[e.kind]}</td>
              <td>{e.message}</td>
            </tr>
          ))}
        </Table>
      )}
    </Card>
  );
}
