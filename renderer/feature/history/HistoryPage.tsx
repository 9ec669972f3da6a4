import { useEffect, useMemo, useState } from 'react';
import type { LedgerBucket, LedgerPeriod, LedgerTotals } from '#contract/index';
import { api } from '../../api/client.ts';
import { useCall, useEvent } from '../../api/hooks.ts';
import { TimeChart, type TimeSeries } from '../../component/chart.tsx';
import {
  energyUnitFor,
  fmtChange,
  fmtEnergy,
  fmtMoney,
  fmtReasons,
  fmtTemp,
  fmtUnit,
  tempUnit,
  toDisplayTemp,
  type EnergyUnit,
} from '../../component/format.ts';
import { Card, ErrorBanner, Stat, Table } from '../../component/ui.tsx';
import { EventLog } from '../notification/Toasts.tsx';
import {
  billed,
  binMeans,
  bucketNoun,
  currentName,
  dayCount,
  kwh,
  money,
  periodLabel,
  previousName,
  type PeriodKind,
} from './figures.ts';
import { ChargesCard, MarketCard } from './SettingsCards.tsx';

const KINDS: PeriodKind[] = ['day', 'week', 'month', 'year'];
const KIND_NAMES: Record<PeriodKind, string> = { day: 'Day', week: 'Week', month: 'Month', year: 'Year' };

const MONEY_SERIES = [
  { name: 'cost', color: '--chart-cost', of: (d: LedgerTotals) => -money(billed(d)) },
  { name: 'revenue', color: '--chart-revenue', of: (d: LedgerTotals) => money(d.revenueExpectedNanos) },
  { name: 'heat credit', color: '--chart-credit', of: (d: LedgerTotals) => money(d.heatCreditNanos) },
  { name: 'training', color: '--chart-training', of: (d: LedgerTotals) => money(d.trainingValueNanos) },
];

const ENERGY_SERIES = [
  { name: 'heat that met demand', color: '--chart-heat-met', of: (d: LedgerTotals) => kwh(d.heatMetMilliWh) },
  { name: 'other heat', color: '--chart-heat-other', of: (d: LedgerTotals) => kwh(d.heatMilliWh - d.heatMetMilliWh) },
];

/** How a bucket is named in the table and on hover, in the ledger's zone. */
function bucketName(kind: PeriodKind, b: Pick<LedgerBucket, 'start'>, timeZone: string): string {
  const d = new Date(b.start);
  if (kind === 'day') return d.toLocaleTimeString(undefined, { timeZone, hour: '2-digit', minute: '2-digit' });
  if (kind === 'year') return d.toLocaleDateString(undefined, { timeZone, month: 'long', year: 'numeric' });
  return d.toLocaleDateString(undefined, { timeZone, weekday: 'short', day: 'numeric', month: 'short' });
}

function Row({
  label,
  t,
  hours,
  currency,
  unit,
  testId,
}: {
  label: string;
  t: LedgerTotals;
  hours?: number;
  currency: string;
  unit: EnergyUnit;
  testId?: string;
}) {
  return (
    <tr data-testid={testId}>
      <td>
        {label}
        {hours !== undefined && hours !== 24 && <span className="muted"> ({hours} h)</span>}
      </td>
      <td data-col="energy">
        {fmtEnergy(kwh(t.energyMilliWh), unit)}
        {t.estimatedMilliWh > 0 && (
          <span className="muted" title="part of the energy is estimated, not measured">
            {' '}
            est.
          </span>
        )}
      </td>
      <td data-col="heat">{fmtEnergy(kwh(t.heatMilliWh), unit)}</td>
      <td data-col="cost">{fmtMoney(money(billed(t)), currency)}</td>
      <td data-col="revenue">{fmtMoney(money(t.revenueExpectedNanos), currency)}</td>
      <td data-col="heat-credit">{fmtMoney(money(t.heatCreditNanos), currency)}</td>
      <td data-col="training">{fmtMoney(money(t.trainingValueNanos), currency)}</td>
      <td data-col="net">{fmtMoney(money(t.netNanos), currency)}</td>
    </tr>
  );
}

/** Mining shares per bucket, rejections by the pool's own reason (only buckets that mined). */
function SharesCard({ days, name, noun }: { days: LedgerBucket[]; name: (b: LedgerBucket) => string; noun: string }) {
  const mined = days.filter((d) => d.shares && d.shares.accepted + d.shares.rejected + d.shares.stale > 0);
  if (mined.length === 0) return null;
  return (
    <Card title={`Mining shares per ${noun}`} wide>
      <ul className="plain" data-testid="history-shares">
        {[...mined].reverse().map((d) => {
          const s = d.shares!;
          const reasons = fmtReasons(s.rejectReasons);
          return (
            <li
              key={d.start}
            >{`${name(d)}: ${s.accepted} accepted, ${s.rejected} rejected${reasons ? ` (${reasons})` : ''}, ${s.stale} stale`}</li>
          );
        })}
      </ul>
    </Card>
  );
}

/** Hourly means over a day or a week, four-hourly over a month, daily over a year: a few hundred points at most. */
const BIN_HOURS: Record<PeriodKind, number> = { day: 1, week: 1, month: 4, year: 24 };

/** The measured indoor temperature over the period; nothing where no sensor has logged a reading. */
function IndoorCard({ period, refresh }: { period: LedgerPeriod; refresh: number }) {
  const { start, end, kind, timeZone } = period;
  const { data } = useCall('heating-readings', { from: start, to: end, max: 5000 }, [start, end, refresh]);
  const hours = BIN_HOURS[kind];
  const bins = Math.ceil((end - start) / (hours * 3_600_000));
  const x = useMemo(() => Array.from({ length: bins }, (_, i) => start + i * hours * 3_600_000), [bins, start, hours]);
  const series = useMemo((): TimeSeries[] => {
    const means = binMeans(data ?? [], start, start + bins * hours * 3_600_000, bins);
    return [
      {
        label: `indoor (${tempUnit()})`,
        color: '--chart-indoor',
        kind: 'step',
        scale: 'T',
        values: means.map((m) => (m === null ? null : toDisplayTemp(m))),
        format: (v) => fmtUnit(v, tempUnit(), 1),
      },
    ];
  }, [data, start, bins, hours]);
  if (!data || data.length === 0) return null;
  const cs = data.map((r) => r.c);
  const span = hours === 24 ? 'daily' : hours === 1 ? 'hourly' : `${hours}-hourly`;
  return (
    <Card title={`Indoor temperature (${tempUnit()})`} wide>
      <TimeChart
        testId="history-indoor-chart"
        label="Measured indoor temperature"
        x={x}
        end={Math.min(end, start + bins * hours * 3_600_000)}
        series={series}
        axes={[{ scale: 'T', label: tempUnit() }]}
        timeZone={timeZone}
        xFormat={(ms) =>
          new Date(ms).toLocaleString(undefined, {
            timeZone,
            weekday: 'short',
            day: 'numeric',
            hour: '2-digit',
            minute: '2-digit',
          })
        }
        table={false}
        height={160}
        empty={null}
      />
      <p className="muted" data-testid="history-indoor">
        {`${data.length} reading${data.length === 1 ? '' : 's'}, ${span} means: lowest ${fmtTemp(Math.min(...cs))}, highest ${fmtTemp(Math.max(...cs))}, last ${fmtTemp(cs.at(-1))}`}
      </p>
    </Card>
  );
}

/**
 * A figure of the period (`testId`) with its change against the period before (`testId`-compare),
 * both shown with their units by `show`.
 */
function ComparedStat({
  label,
  now,
  before,
  show,
  against,
  testId,
}: {
  label: string;
  now: number;
  before: number;
  show: (v: number) => string;
  against: string;
  testId: string;
}) {
  const change = fmtChange(now, before);
  return (
    <div data-testid={testId}>
      <Stat label={label} value={show(now)} />
      <span className="compare" data-testid={`${testId}-compare`}>
        {change === null ? `nothing booked ${against}` : `${change} vs ${against} (${show(before)})`}
      </span>
    </div>
  );
}

/** Each device's part of the period's energy, with what it cost. */
function DevicesCard({ period, unit }: { period: LedgerPeriod; unit: EnergyUnit }) {
  const total = period.devices.reduce((a, d) => a + d.energyMilliWh, 0);
  return (
    <Card title="Per device">
      {total === 0 ? (
        <p className="muted" data-testid="history-devices-empty">
          No device used energy in this period.
        </p>
      ) : (
        <ul className="share-list" data-testid="history-devices">
          {period.devices.map((d) => {
            const share = d.energyMilliWh / total;
            return (
              <li key={d.id} data-device={d.id}>
                <strong>{d.id}</strong>{' '}
                {`${fmtUnit(share * 100, '%', 1)} · ${fmtEnergy(kwh(d.energyMilliWh), unit)} · ${fmtMoney(money(d.costNanos), period.currency)}`}
                <span className="share-bar" aria-hidden="true">
                  <i style={{ width: `${(share * 100).toFixed(1)}%` }} />
                </span>
              </li>
            );
          })}
        </ul>
      )}
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
  const [kind, setKind] = useState<PeriodKind>('week');
  const [anchor, setAnchor] = useState<string | undefined>(undefined);
  const booked = useEvent('ledger-slot');
  const reading = useEvent('indoor-reading');
  const { data, error, reload, loading } = useCall('ledger-period', anchor ? { kind, anchor } : { kind }, [
    kind,
    anchor,
  ]);
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

  const exportCsv = async (what: 'days' | 'slots') => {
    if (!data) return;
    try {
      setExportError(undefined);
      const until = data.to < data.today ? data.to : data.today;
      const r = await api.send('ledger-export-csv', { kind: what, days: dayCount(data.from, until), until });
      download(r.filename, r.csv);
    } catch (err) {
      setExportError(err as Error);
    }
  };

  const list = useMemo(() => data?.buckets ?? [], [data]);
  const currency = data?.currency ?? 'EUR';
  const timeZone = data?.timeZone ?? 'UTC';
  // One energy unit for the whole page: the figures, the chart and the table.
  const unit = useMemo(
    () =>
      energyUnitFor([
        ...list.map((b) => kwh(b.energyMilliWh)),
        kwh(data?.total.energyMilliWh ?? 0),
        kwh(data?.previous.total.energyMilliWh ?? 0),
      ]),
    [list, data],
  );
  const x = useMemo(() => list.map((b) => b.start), [list]);
  const moneySeries = useMemo(
    (): TimeSeries[] =>
      MONEY_SERIES.map((s) => ({
        label: `${s.name} (${currency})`,
        color: s.color,
        kind: 'bars',
        scale: 'money',
        stack: true,
        values: list.map(s.of),
        format: (v: number) => fmtMoney(v, currency),
      })),
    [list, currency],
  );
  const energySeries = useMemo(
    (): TimeSeries[] =>
      ENERGY_SERIES.map((s) => ({
        label: `${s.name} (${unit.unit})`,
        color: s.color,
        kind: 'bars',
        scale: 'energy',
        stack: true,
        values: list.map((b) => s.of(b) * unit.perKWh),
        format: (v: number) => fmtUnit(v, unit.unit, unit.digits),
      })),
    [list, unit],
  );

  const against = data ? previousName(kind, data.running, data.running) : '';
  const noun = bucketNoun(kind);
  const name = (b: Pick<LedgerBucket, 'start'>) => bucketName(kind, b, timeZone);
  const empty = (
    <p className="muted" data-testid="history-empty">
      Nothing booked in this period. Hearth books energy, cost and heat while a job or the miner runs: start one on the{' '}
      <a href="#/jobs">Jobs</a> or <a href="#/mining">Mining</a> page, or let the plan run it; earlier periods are under
      “Previous”.
    </p>
  );
  const hasData = (data?.total.slots ?? 0) > 0;
  return (
    <div className="history" data-rendered-at={renderMs ?? undefined}>
      <div className="history-nav">
        <div role="group" aria-label="Period">
          {KINDS.map((k) => (
            <button
              key={k}
              type="button"
              data-testid={`period-${k}`}
              aria-pressed={kind === k}
              onClick={() => {
                setKind(k);
                // The new kind of period around the day shown so far.
                setAnchor(data ? (data.to < data.today ? data.to : data.today) : undefined);
              }}
            >
              {KIND_NAMES[k]}
            </button>
          ))}
        </div>
        <div role="group" aria-label="Move through periods">
          <button
            type="button"
            data-testid="period-prev"
            // Each step moves from the period on screen: no step while the next one loads.
            disabled={!data || loading}
            onClick={() => data && setAnchor(data.previousAnchor)}
          >
            ‹ Previous {kind}
          </button>{' '}
          <button
            type="button"
            data-testid="period-next"
            disabled={!data?.nextAnchor || loading}
            onClick={() => data?.nextAnchor && setAnchor(data.nextAnchor)}
          >
            Next {kind} ›
          </button>{' '}
          <button
            type="button"
            data-testid="period-current"
            disabled={data?.running ?? true}
            onClick={() => setAnchor(undefined)}
          >
            {currentName(kind)}
          </button>
        </div>
        <h2 data-testid="period-label" aria-live="polite">
          {data ? periodLabel(kind, data.from, data.to) : '…'}
        </h2>
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
            <ComparedStat
              testId="history-energy"
              label={`Energy${data.running ? ', so far' : ''}`}
              now={data.total.energyMilliWh}
              before={data.previous.total.energyMilliWh}
              show={(v) => fmtEnergy(kwh(v), unit)}
              against={against}
            />
            <Stat
              testId="history-heat"
              label="Heat"
              value={fmtEnergy(kwh(data.total.heatMilliWh), unit)}
              note={`${fmtEnergy(kwh(data.total.heatMetMilliWh), unit)} met demand`}
            />
            <ComparedStat
              testId="history-cost"
              label="Cost, incl. standing charge and fees"
              now={billed(data.total)}
              before={billed(data.previous.total)}
              show={(v) => fmtMoney(money(v), currency)}
              against={against}
            />
            <ComparedStat
              testId="history-net"
              label="Net"
              now={data.total.netNanos}
              before={data.previous.total.netNanos}
              show={(v) => fmtMoney(money(v), currency)}
              against={against}
            />
          </div>
          <Card title={`Heat per ${noun} (${unit.unit})`} wide>
            <TimeChart
              testId="history-energy-chart"
              label={`Heat per ${noun}`}
              x={hasData ? x : []}
              end={data.running ? (list.at(-1)?.end ?? data.end) : data.end}
              series={energySeries}
              axes={[{ scale: 'energy', label: unit.unit }]}
              timeZone={timeZone}
              xFormat={(ms) => name({ start: ms })}
              table={false}
              empty={empty}
            />
          </Card>
          <Card title={`Money per ${noun} (${currency})`} wide>
            <TimeChart
              testId="history-money-chart"
              label={`Money per ${noun}`}
              x={hasData ? x : []}
              end={data.running ? (list.at(-1)?.end ?? data.end) : data.end}
              series={moneySeries}
              axes={[{ scale: 'money', label: currency }]}
              timeZone={timeZone}
              xFormat={(ms) => name({ start: ms })}
              table={false}
              empty={<p className="muted">No money booked in this period.</p>}
            />
          </Card>
          <DevicesCard period={data} unit={unit} />
          <Card title={`Per ${noun}, ${periodLabel(kind, data.from, data.to)} (${timeZone})`} wide>
            <Table
              className="history-table"
              testId="history-table"
              head={[
                noun[0]!.toUpperCase() + noun.slice(1),
                'Energy',
                'Heat',
                'Cost',
                'Revenue',
                'Heat credit',
                'Training',
                'Net',
              ]}
              foot={<Row label="Total" t={data.total} currency={currency} unit={unit} testId="history-total" />}
            >
              {[...list].reverse().map((d) => (
                <Row
                  key={d.start}
                  label={name(d)}
                  t={d}
                  {...(kind === 'week' || kind === 'month' ? { hours: Math.round((d.end - d.start) / 3_600_000) } : {})}
                  currency={currency}
                  unit={unit}
                  testId={`bucket-${d.key}`}
                />
              ))}
            </Table>
          </Card>
          <IndoorCard period={data} refresh={reading ? Math.floor(reading.at / 900_000) : 0} />
          <SharesCard days={list} name={name} noun={noun} />
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
