import { useEffect, useState } from 'react';
import type { LedgerDay, LedgerTotals } from '#contract/index';
import { api } from '../../api/client.ts';
import { useCall, useEvent } from '../../api/hooks.ts';
import { BarChart, Legend, LineChart } from '../../component/chart.tsx';
import { fmtKWh, fmtMoney, fmtReasons, fmtTemp, tempUnit, toDisplayTemp } from '../../component/format.ts';
import { Card, ErrorBanner, Stat, Table } from '../../component/ui.tsx';
import { EventLog } from '../notification/Toasts.tsx';
import { billed, binMeans, kwh, money } from './figures.ts';
import { ChargesCard, MarketCard } from './SettingsCards.tsx';

const RANGES = [7, 30, 365] as const;

const MONEY_SERIES = [
  { name: 'Cost', color: '#d9534f', of: (d: LedgerTotals) => -money(billed(d)) },
  { name: 'Revenue', color: '#f0ad4e', of: (d: LedgerTotals) => money(d.revenueExpectedNanos) },
  { name: 'Heat credit', color: '#5cb85c', of: (d: LedgerTotals) => money(d.heatCreditNanos) },
  { name: 'Training', color: '#5bc0de', of: (d: LedgerTotals) => money(d.trainingValueNanos) },
];

const ENERGY_SERIES = [
  { name: 'Heat that met demand', color: '#e8743b', of: (d: LedgerTotals) => kwh(d.heatMetMilliWh) },
  { name: 'Other heat', color: '#f4c095', of: (d: LedgerTotals) => kwh(d.heatMilliWh - d.heatMetMilliWh) },
];

function Row({
  label,
  t,
  hours,
  currency,
  testId,
}: {
  label: string;
  t: LedgerTotals;
  hours?: number;
  currency: string;
  testId?: string;
}) {
  return (
    <tr data-testid={testId}>
      <td>
        {label}
        {hours !== undefined && hours !== 24 && <span className="muted"> ({hours} h)</span>}
      </td>
      <td data-col="energy">
        {fmtKWh(kwh(t.energyMilliWh))}
        {t.estimatedMilliWh > 0 && (
          <span className="muted" title="part of the energy is estimated, not measured">
            {' '}
            est.
          </span>
        )}
      </td>
      <td data-col="heat">{fmtKWh(kwh(t.heatMilliWh))}</td>
      <td data-col="cost">{fmtMoney(money(billed(t)), currency)}</td>
      <td data-col="revenue">{fmtMoney(money(t.revenueExpectedNanos), currency)}</td>
      <td data-col="heat-credit">{fmtMoney(money(t.heatCreditNanos), currency)}</td>
      <td data-col="training">{fmtMoney(money(t.trainingValueNanos), currency)}</td>
      <td data-col="net">{fmtMoney(money(t.netNanos), currency)}</td>
    </tr>
  );
}

/** Mining shares per day, rejections by the pool's own reason (only days that mined). */
function SharesCard({ days }: { days: LedgerDay[] }) {
  const mined = days.filter((d) => d.shares && d.shares.accepted + d.shares.rejected + d.shares.stale > 0);
  if (mined.length === 0) return null;
  return (
    <Card title="Mining shares per day" wide>
      <ul className="plain" data-testid="history-shares">
        {[...mined].reverse().map((d) => {
          const s = d.shares!;
          const reasons = fmtReasons(s.rejectReasons);
          return (
            <li
              key={d.day}
            >{`${d.day}: ${s.accepted} accepted, ${s.rejected} rejected${reasons ? ` (${reasons})` : ''}, ${s.stale} stale`}</li>
          );
        })}
      </ul>
    </Card>
  );
}

/** Hourly means over a week, four-hourly over a month, daily over a year: a few hundred points. */
const BIN_HOURS: Record<number, number> = { 7: 1, 30: 4, 365: 24 };

/** The measured indoor temperature over the range; nothing where no sensor has logged a reading. */
function IndoorCard({ days, refresh }: { days: number; refresh: number }) {
  // Whole hours, so the range does not move (and refetch) on every render.
  const to = Math.ceil(Date.now() / 3_600_000) * 3_600_000;
  const from = to - days * 86_400_000;
  const { data } = useCall('heating-readings', { from, to, max: 5000 }, [from, to, refresh]);
  if (!data || data.length === 0) return null;
  const bins = (days * 24) / (BIN_HOURS[days] ?? 24);
  const means = binMeans(data, from, to, bins);
  const cs = data.map((r) => r.c);
  const hours = BIN_HOURS[days] ?? 24;
  const span = hours === 24 ? 'daily' : hours === 1 ? 'hourly' : `${hours}-hourly`;
  return (
    <Card title={`Indoor temperature (${tempUnit()})`} wide>
      <LineChart
        zero={false}
        label="Measured indoor temperature"
        unit={tempUnit()}
        series={[
          { name: 'indoor', color: '#c0392b', values: means.map((m) => (m === null ? null : toDisplayTemp(m))) },
        ]}
      />
      <p className="muted" data-testid="history-indoor">
        {`${data.length} reading${data.length === 1 ? '' : 's'}, ${span} means: lowest ${fmtTemp(Math.min(...cs))}, highest ${fmtTemp(Math.max(...cs))}, last ${fmtTemp(cs.at(-1))}`}
      </p>
    </Card>
  );
}

function download(filename: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  URL.revokeObjectURL(url);
}

export function HistoryPage() {
  const [days, setDays] = useState<(typeof RANGES)[number]>(7);
  const booked = useEvent('ledger-slot');
  const reading = useEvent('indoor-reading');
  const { data, error, reload } = useCall('ledger-days', { days }, [days]);
  const notice = useEvent('notification');
  const log = useCall('notification-list', { limit: 50 }, [notice?.id]);
  const [exportError, setExportError] = useState<Error | undefined>();
  const [renderMs, setRenderMs] = useState<number | null>(null);
  useEffect(() => {
    if (booked) reload();
  }, [booked, reload]);
  useEffect(() => {
    // Paint time of the table and charts for the e2e suite to print (not asserted).
    if (data) requestAnimationFrame(() => setRenderMs(performance.now()));
  }, [data]);

  const exportCsv = async (kind: 'days' | 'slots') => {
    try {
      setExportError(undefined);
      const r = await api.send('ledger-export-csv', { kind, days });
      download(r.filename, r.csv);
    } catch (err) {
      setExportError(err as Error);
    }
  };

  const list: LedgerDay[] = data?.days ?? [];
  const currency = data?.currency ?? 'EUR';
  const labels = list.map((d) => d.day);
  return (
    <div className="page history" data-rendered-at={renderMs ?? undefined}>
      <div className="history-ranges" role="group" aria-label="Range">
        {RANGES.map((r) => (
          <button key={r} type="button" data-testid={`range-${r}`} aria-pressed={days === r} onClick={() => setDays(r)}>
            {r} days
          </button>
        ))}
        <button type="button" data-testid="export-days" onClick={() => void exportCsv('days')}>
          Export days (CSV)
        </button>
        <button type="button" data-testid="export-slots" onClick={() => void exportCsv('slots')}>
          Export slots (CSV)
        </button>
      </div>
      <ErrorBanner error={error ?? exportError} />
      {data && (
        <>
          <div className="stats">
            <Stat
              testId="history-energy"
              label={`Energy, ${days} days`}
              value={fmtKWh(kwh(data.total.energyMilliWh))}
            />
            <Stat
              testId="history-heat"
              label="Heat"
              value={fmtKWh(kwh(data.total.heatMilliWh))}
              note={`${fmtKWh(kwh(data.total.heatMetMilliWh))} met demand`}
            />
            <Stat
              testId="history-cost"
              label="Cost"
              value={fmtMoney(money(billed(data.total)), currency)}
              note="incl. standing charge and fees"
            />
            <Stat testId="history-net" label="Net" value={fmtMoney(money(data.total.netNanos), currency)} />
          </div>
          <Card title={`Money per day (${currency})`} wide>
            <BarChart
              label="Money per day"
              unit={currency}
              labels={labels}
              series={MONEY_SERIES.map((s) => ({ name: s.name, color: s.color, values: list.map(s.of) }))}
            />
            <Legend series={MONEY_SERIES} />
          </Card>
          <Card title="Heat per day (kWh)" wide>
            <BarChart
              label="Heat per day"
              unit="kWh"
              labels={labels}
              series={ENERGY_SERIES.map((s) => ({ name: s.name, color: s.color, values: list.map(s.of) }))}
            />
            <Legend series={ENERGY_SERIES} />
          </Card>
          <Card title={`Per day in ${data.timeZone}`} wide>
            <Table
              className="history-table"
              testId="history-table"
              head={['Day', 'Energy', 'Heat', 'Cost', 'Revenue', 'Heat credit', 'Training', 'Net']}
              foot={<Row label="Total" t={data.total} currency={currency} testId="history-total" />}
            >
              {[...list].reverse().map((d) => (
                <Row key={d.day} label={d.day} t={d} hours={d.hours} currency={currency} testId={`day-${d.day}`} />
              ))}
            </Table>
          </Card>
          <IndoorCard days={days} refresh={reading ? Math.floor(reading.at / 900_000) : 0} />
          <SharesCard days={list} />
        </>
      )}
      <div className="cards">
        <ChargesCard onSaved={reload} />
        <MarketCard />
      </div>
      <Card title="Event log" wide>
        <EventLog notes={log.data ?? []} />
      </Card>
    </div>
  );
}
