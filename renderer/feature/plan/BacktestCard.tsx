import { useEffect, useRef, useState } from 'react';
import type { BacktestPolicy, BacktestProgress, BacktestRun, BacktestTotals } from '#contract/index';
import { api } from '../../api/client.ts';
import { GroupedBarChart, Legend } from '../../component/chart.tsx';
import { fmtDuration, fmtUnit } from '../../component/format.ts';
import { Card, ErrorBanner } from '../../component/ui.tsx';
import { JOB_COLORS } from './Timeline.tsx';

const POLICIES: { id: BacktestPolicy; label: string }[] = [
  { id: 'planner', label: 'Planner' },
  { id: 'always', label: 'Always on' },
  { id: 'thermostat', label: 'Thermostat (on when heat is needed)' },
  { id: 'best-threshold', label: 'Best fixed price threshold' },
];

/** Money as the backtest computes it, to a hundredth of a cent: a year's net is not rounded to look rounder. */
const money = (v: number, currency: string) => v.toLocaleString(undefined, { style: 'currency', currency, minimumFractionDigits: 4, maximumFractionDigits: 4 });
const kwh = (v: number) => fmtUnit(v, 'kWh', 3);

/** "YYYY-MM-DD" of a local date. */
const isoDay = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
/** Local midnight of a "YYYY-MM-DD" from a date input. */
const dayStart = (s: string) => new Date(`${s}T00:00`).getTime();

const COLUMNS: { key: keyof BacktestTotals; label: string; money: boolean }[] = [
  { key: 'energyKWh', label: 'Energy', money: false },
  { key: 'usefulHeatKWh', label: 'Heat used', money: false },
  { key: 'heatCredit', label: 'Heat credit', money: true },
  { key: 'cost', label: 'Cost', money: true },
  { key: 'revenue', label: 'Revenue', money: true },
  { key: 'net', label: 'Net', money: true },
];

function Results({ run }: { run: BacktestRun }) {
  const months = run.results[0]?.months.map((m) => m.month) ?? [];
  const cell = (t: BacktestTotals | undefined, c: (typeof COLUMNS)[number]) => (t ? (c.money ? money(t[c.key], run.currency) : kwh(t[c.key])) : '–');
  const row = (label: string, pick: (r: BacktestRun['results'][number]) => BacktestTotals | undefined, total = false) => (
    <tr key={label} className={total ? 'total' : undefined} data-row={label}>
      <td>{label}</td>
      {run.results.map((r) => COLUMNS.map((c) => <td key={`${r.policy}-${c.key}`} data-policy={r.policy} data-col={c.key} data-value={pick(r)?.[c.key]}>{cell(pick(r), c)}</td>))}
    </tr>
  );
  return (
    <>
      <p className="muted" data-testid="backtest-summary">
        {run.slots} slots from {new Date(run.from).toLocaleDateString()} to {new Date(run.to).toLocaleDateString()} ({run.timeZone}), heat demand{' '}
        {run.demand.source === 'weather'
          ? `from ${run.demand.weatherPoints} weather rows × ${run.demand.heatLossWPerK} W/K`
          : `at the fallback ${run.demand.outdoorC ?? '?'} °C outside × ${run.demand.heatLossWPerK} W/K`}
        , heat credit {run.heatCreditPerKWh === null ? 'from the heating settings' : `${run.heatCreditPerKWh} ${run.currency}/kWh`}; took {fmtDuration(run.elapsedMs)}.
      </p>
      <div className="table-scroll">
        <table className="history-table backtest-table" data-testid="backtest-table">
          <thead>
            <tr>
              <th rowSpan={2}>Month</th>
              {run.results.map((r) => (
                <th key={r.policy} colSpan={COLUMNS.length} className="group">
                  {r.policy}
                </th>
              ))}
            </tr>
            <tr>
              {run.results.map((r) =>
                COLUMNS.map((c) => (
                  <th key={`${r.policy}-${c.key}`}>
                    {c.label} ({c.money ? run.currency : 'kWh'})
                  </th>
                )),
              )}
            </tr>
          </thead>
          <tbody>{months.map((m, i) => row(m, (r) => r.months[i]?.totals))}</tbody>
          <tfoot>{row('Total', (r) => r.total, true)}</tfoot>
        </table>
      </div>
      <div data-testid="backtest-chart">
        <GroupedBarChart
          label="Net per month per policy"
          unit={run.currency}
          labels={months}
          format={(v) => money(v, run.currency)}
          series={run.results.map((r, k) => ({ name: r.policy, color: JOB_COLORS[k % JOB_COLORS.length] ?? '#888', values: r.months.map((m) => m.totals.net) }))}
        />
        <Legend series={run.results.map((r, k) => ({ name: `${r.policy} net (${run.currency})`, color: JOB_COLORS[k % JOB_COLORS.length] ?? '#888' }))} />
      </div>
    </>
  );
}

/**
 * Replays a past period over the prices the tariff holds (an imported price file or fetched
 * day-ahead prices) with the planner and naive policies side by side, with progress as it runs.
 */
export function BacktestCard() {
  const today = new Date();
  const [from, setFrom] = useState(isoDay(new Date(today.getFullYear(), today.getMonth() - 1, 1)));
  const [to, setTo] = useState(isoDay(new Date(today.getFullYear(), today.getMonth(), 1)));
  const [policies, setPolicies] = useState<BacktestPolicy[]>(['planner', 'always', 'thermostat', 'best-threshold']);
  const [threshold, setThreshold] = useState('');
  const [powerW, setPowerW] = useState('500');
  const [credit, setCredit] = useState('');
  const [revenue, setRevenue] = useState('');
  const [weather, setWeather] = useState<{ name: string; csv: string } | null>(null);
  const [progress, setProgress] = useState<BacktestProgress | null>(null);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [run, setRun] = useState<BacktestRun | null>(null);
  const runId = useRef('');

  useEffect(() => api.on('plan-backtest-progress', (p) => p.runId === runId.current && setProgress(p)), []);

  const toggle = (p: BacktestPolicy, on: boolean) => setPolicies((ps) => (on ? [...ps.filter((x) => x !== p), p] : ps.filter((x) => x !== p)));
  const num = (s: string, field: string): number | undefined => {
    if (s.trim() === '') return undefined;
    const v = Number(s);
    if (!Number.isFinite(v)) throw new Error(`${field}: "${s}" is not a number`);
    return v;
  };

  const start = () => {
    let args;
    try {
      const chosen: BacktestPolicy[] = POLICIES.map((p) => p.id).filter((p) => policies.includes(p));
      const t = num(threshold, 'fixed threshold');
      if (t !== undefined) chosen.push(`threshold:${t}`);
      const c = num(credit, 'heat credit');
      const r = num(revenue, 'mining revenue');
      const power = num(powerW, 'device power');
      if (power === undefined) throw new Error('device power: give the power in W while running, e.g. 500');
      runId.current = `ui-${Date.now().toString(36)}`;
      args = {
        from: dayStart(from),
        to: dayStart(to),
        policies: chosen,
        powerW: power,
        timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
        runId: runId.current,
        ...(c !== undefined ? { heatCreditPerKWh: c } : {}),
        ...(r !== undefined ? { revenuePerHour: r } : {}),
        ...(weather ? { weatherCsv: weather.csv } : {}),
      };
    } catch (e) {
      setError(e as Error);
      return;
    }
    setError(undefined);
    setProgress(null);
    setRunning(true);
    api.send('plan-backtest', args).then(
      (r) => {
        setRun(r);
        setRunning(false);
      },
      (e: Error) => {
        setError(e);
        setRunning(false);
      },
    );
  };

  const fraction = progress ? (progress.step + progress.done / Math.max(1, progress.total)) / Math.max(1, progress.steps) : 0;
  return (
    <Card title="Backtest" wide>
      <p className="muted">
        Replays a past period over the prices the tariff holds (import a price file on the Schedules page) with heat demand from your heating settings, and compares the planner
        with simple rules.
      </p>
      <div className="form-row" data-testid="backtest-form">
        <label>
          From
          <input type="date" data-testid="backtest-from" value={from} onChange={(e) => setFrom(e.target.value)} />
        </label>
        <label>
          To (exclusive)
          <input type="date" data-testid="backtest-to" value={to} onChange={(e) => setTo(e.target.value)} />
        </label>
        <label>
          Device power (W)
          <input type="number" min={1} data-testid="backtest-power" value={powerW} onChange={(e) => setPowerW(e.target.value)} />
        </label>
        <label>
          Displaced heat (per kWh of heat)
          <input type="number" step="any" min={0} placeholder="from heating settings" data-testid="backtest-credit" value={credit} onChange={(e) => setCredit(e.target.value)} />
        </label>
        <label>
          Mining revenue (per hour at full power)
          <input type="number" step="any" min={0} placeholder="0" data-testid="backtest-revenue" value={revenue} onChange={(e) => setRevenue(e.target.value)} />
        </label>
        <label>
          Weather (CSV: time,temp_c or Open-Meteo)
          <input type="file" accept=".csv,text/csv" data-testid="backtest-weather" onChange={(e) => void e.target.files?.[0]?.text().then((csv) => setWeather({ name: e.target.files?.[0]?.name ?? 'weather', csv }))} />
        </label>
      </div>
      <div className="form-row">
        {POLICIES.map((p) => (
          <label key={p.id} className="check">
            <input type="checkbox" data-testid={`backtest-policy-${p.id}`} checked={policies.includes(p.id)} onChange={(e) => toggle(p.id, e.target.checked)} /> {p.label}
          </label>
        ))}
        <label>
          Fixed threshold (per kWh)
          <input type="number" step="any" placeholder="none" data-testid="backtest-threshold" value={threshold} onChange={(e) => setThreshold(e.target.value)} />
        </label>
        <button data-testid="backtest-run" disabled={running} onClick={start}>
          {running ? 'Running…' : 'Run backtest'}
        </button>
      </div>
      {weather && <p className="muted">Weather: {weather.name}</p>}
      <ErrorBanner error={error} />
      {running && (
        <div className="backtest-progress" data-testid="backtest-progress">
          <progress value={fraction} max={1} />{' '}
          {progress ? `${progress.policy}: ${progress.total > 1 ? `day ${progress.done} of ${progress.total}` : 'done'} (policy ${progress.step + 1} of ${progress.steps})` : 'reading prices and working out heat demand…'}
        </div>
      )}
      {run && <Results run={run} />}
    </Card>
  );
}
