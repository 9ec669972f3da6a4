import { useEffect, useRef, useState } from 'react';
import type { BacktestArgs, BacktestPolicy, BacktestProgress, BacktestRun, BacktestTotals } from '#contract/index';
import { api } from '../../api/client.ts';
import { GroupedBarChart, Legend } from '../../component/chart.tsx';
import { fmtDuration, fmtUnit } from '../../component/format.ts';
import { Card, ErrorBanner, Table } from '../../component/ui.tsx';
import { JOB_COLORS } from './Timeline.tsx';

const POLICIES: { id: BacktestPolicy; label: string }[] = [
  { id: 'planner', label: 'Planner' },
  { id: 'thermostat', label: 'Thermostat (on while it calls for heat)' },
  { id: 'always', label: 'Always on' },
  { id: 'threshold', label: 'Best fixed price threshold' },
  { id: 'none', label: 'No computer (heating alone)' },
];

/** The same defaults as `hearth backtest` (main/core/backtest/setup.ts): a 500 W PC mining 0.002 per hour. */
const DEFAULT_POWER_W = '500';
const DEFAULT_REVENUE = '0.002';

const money = (v: number, currency: string) =>
  v.toLocaleString(undefined, { style: 'currency', currency, minimumFractionDigits: 2, maximumFractionDigits: 2 });
const kwh = (v: number) => fmtUnit(v, 'kWh', 1);

/** "YYYY-MM-DD" of a local date. */
const isoDay = (d: Date) =>
  `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
/** Local midnight of a "YYYY-MM-DD" from a date input. */
const dayStart = (s: string) => new Date(`${s}T00:00`).getTime();

type Column = { key: keyof BacktestTotals; label: string; format: (v: number, currency: string) => string };
const COLUMNS: Column[] = [
  { key: 'net', label: 'Net', format: money },
  { key: 'savingVsNone', label: 'vs no computer', format: (v, c) => `${v >= 0 ? '+' : ''}${money(v, c)}` },
  { key: 'electricityKWh', label: 'Electricity', format: kwh },
  { key: 'electricityCost', label: 'Electricity cost', format: money },
  { key: 'fuelCost', label: 'Fuel cost', format: money },
  { key: 'computeKWh', label: 'Compute heat', format: kwh },
  { key: 'comfortKh', label: 'Below band (K·h)', format: (v) => v.toFixed(1) },
  { key: 'starts', label: 'Starts', format: (v) => String(Math.round(v)) },
];

function TotalsRow({
  label,
  t,
  currency,
  policy,
  total,
}: {
  label: string;
  t: BacktestTotals;
  currency: string;
  policy: string;
  total?: boolean;
}) {
  return (
    <tr className={total ? 'total' : undefined} data-row={label} data-policy={policy}>
      <td>{label}</td>
      {COLUMNS.map((c) => {
        const v = t[c.key];
        return (
          <td key={c.key} data-policy={policy} data-col={c.key} data-value={v}>
            {v === undefined ? '–' : c.format(v, currency)}
          </td>
        );
      })}
    </tr>
  );
}

function Results({ run }: { run: BacktestRun }) {
  const months = run.results[0]?.months.map((m) => m.month) ?? [];
  const planner = run.results.find((r) => r.statuses);
  const head = ['Policy', ...COLUMNS.map((c) => c.label)];
  return (
    <>
      <p className="muted" data-testid="backtest-summary">
        {run.slots} slots from {new Date(run.from).toLocaleDateString()} to {new Date(run.to).toLocaleDateString()} (
        {run.timeZone}), {run.setup.model} model; took {fmtDuration(run.elapsedMs)}.
        {planner?.statuses &&
          ` Planner: ${planner.plans ?? 0} plans, ${planner.statuses.optimal} optimal, ${planner.statuses.feasible} stopped at the time limit, ${planner.statuses.heuristic} heuristic.`}
      </p>
      <ul className="muted backtest-setup" data-testid="backtest-setup">
        {run.setup.lines.map((l) => (
          <li key={l}>{l}</li>
        ))}
      </ul>
      <div className="table-scroll">
        <Table className="history-table backtest-table" testId="backtest-table" head={head}>
          {run.results.map((r) => (
            <TotalsRow
              key={r.policy}
              label={
                r.threshold !== undefined && r.policy === 'threshold'
                  ? `threshold (≤ ${r.threshold.toFixed(4)} ${run.currency}/kWh)`
                  : r.policy
              }
              policy={r.policy}
              t={r.total}
              currency={run.currency}
              total
            />
          ))}
        </Table>
      </div>
      <p className="muted">
        Net is mining value − electricity − fuel, so heating without a computer shows the household's heating cost as a
        negative net. Electricity is the computer's plus a heat pump's or resistive heater's; fuel is gas, oil or
        district heat.
      </p>
      <details data-testid="backtest-months">
        <summary>Per month</summary>
        <div className="table-scroll">
          <Table className="history-table backtest-table" head={head}>
            {months.flatMap((m, i) =>
              run.results.map((r) => (
                <TotalsRow
                  key={`${m}-${r.policy}`}
                  label={`${m} ${r.policy}`}
                  policy={r.policy}
                  t={r.months[i]?.totals ?? r.total}
                  currency={run.currency}
                />
              )),
            )}
          </Table>
        </div>
      </details>
      <div data-testid="backtest-chart">
        <GroupedBarChart
          label="Net per month per policy"
          unit={run.currency}
          labels={months}
          format={(v) => money(v, run.currency)}
          series={run.results.map((r, k) => ({
            name: r.policy,
            color: JOB_COLORS[k % JOB_COLORS.length] ?? '#888',
            values: r.months.map((m) => m.totals.net),
          }))}
        />
        <Legend
          series={run.results.map((r, k) => ({
            name: `${r.policy} net (${run.currency})`,
            color: JOB_COLORS[k % JOB_COLORS.length] ?? '#888',
          }))}
        />
      </div>
    </>
  );
}

/**
 * Replays a past period over the prices the tariff holds (charges included) and a weather file,
 * with the house as one thermal node: the planner against simple rules and against heating
 * without a computer, with progress as it runs. The same backtest as `hearth backtest`.
 */
export function BacktestCard() {
  const today = new Date();
  const [from, setFrom] = useState(isoDay(new Date(today.getFullYear(), today.getMonth() - 1, 1)));
  const [to, setTo] = useState(isoDay(new Date(today.getFullYear(), today.getMonth(), 1)));
  const [policies, setPolicies] = useState<BacktestPolicy[]>(POLICIES.map((p) => p.id));
  const [threshold, setThreshold] = useState('');
  const [powerW, setPowerW] = useState(DEFAULT_POWER_W);
  const [revenue, setRevenue] = useState(DEFAULT_REVENUE);
  const [ua, setUa] = useState('');
  const [capacity, setCapacity] = useState('');
  const [sourceCap, setSourceCap] = useState('');
  const [demandModel, setDemandModel] = useState(false);
  const [weather, setWeather] = useState<{ name: string; csv: string } | null>(null);
  const [progress, setProgress] = useState<BacktestProgress | null>(null);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [run, setRun] = useState<BacktestRun | null>(null);
  const runId = useRef('');

  useEffect(() => api.on('plan-backtest-progress', (p) => p.runId === runId.current && setProgress(p)), []);

  const toggle = (p: BacktestPolicy, on: boolean) =>
    setPolicies((ps) => (on ? [...ps.filter((x) => x !== p), p] : ps.filter((x) => x !== p)));
  const num = (s: string, field: string): number | undefined => {
    if (s.trim() === '') return undefined;
    const v = Number(s);
    if (!Number.isFinite(v)) throw new Error(`${field}: "${s}" is not a number`);
    return v;
  };

  const start = () => {
    let args: BacktestArgs;
    try {
      const chosen: BacktestPolicy[] = POLICIES.map((p) => p.id).filter((p) => policies.includes(p));
      const t = num(threshold, 'fixed threshold');
      if (t !== undefined) chosen.push(`threshold:${t}`);
      const power = num(powerW, 'computer power');
      if (power === undefined) throw new Error('computer power: give the power in W while running, e.g. 500');
      const house: NonNullable<BacktestArgs['house']> = {};
      const u = num(ua, 'UA');
      const c = num(capacity, 'heat capacity');
      const q = num(sourceCap, 'heat source capacity');
      if (u !== undefined) house.uaWPerK = u;
      if (c !== undefined) house.capacityWhPerK = c;
      if (q !== undefined) house.sourceCapW = q;
      const r = num(revenue, 'mining revenue');
      runId.current = `ui-${Date.now().toString(36)}`;
      args = {
        from: dayStart(from),
        to: dayStart(to),
        policies: chosen,
        powerW: power,
        timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
        runId: runId.current,
        ...(demandModel ? { model: 'demand' as const } : {}),
        house,
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

  const fraction = progress
    ? (progress.step + progress.done / Math.max(1, progress.total)) / Math.max(1, progress.steps)
    : 0;
  const unit = progress?.policy === 'planner' ? 'plan' : progress?.policy === 'threshold' ? 'price tried' : 'step';
  return (
    <Card title="Backtest" wide>
      <p className="muted">
        Replays a past period over the prices the tariff holds (import a price file on the Schedules page; the tariff's
        charges are added to spot prices) and a weather file, with your heating schedule and heat source and the house
        as one thermal node, and compares the planner with simple rules and with heating alone.
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
          Weather (CSV: time,temp_c or Open-Meteo)
          <input
            type="file"
            accept=".csv,text/csv"
            data-testid="backtest-weather"
            onChange={(e) =>
              void e.target.files?.[0]
                ?.text()
                .then((csv) => setWeather({ name: e.target.files?.[0]?.name ?? 'weather', csv }))
            }
          />
        </label>
        <label>
          Computer power (W)
          <input
            type="number"
            min={1}
            data-testid="backtest-power"
            value={powerW}
            onChange={(e) => setPowerW(e.target.value)}
          />
        </label>
        <label>
          Mining revenue (per hour at full power)
          <input
            type="number"
            step="any"
            min={0}
            data-testid="backtest-revenue"
            value={revenue}
            onChange={(e) => setRevenue(e.target.value)}
          />
        </label>
      </div>
      <div className="form-row">
        <label>
          House UA (W/K)
          <input
            type="number"
            step="any"
            min={0}
            placeholder="settings, or 200"
            data-testid="backtest-ua"
            value={ua}
            onChange={(e) => setUa(e.target.value)}
          />
        </label>
        <label>
          Heat capacity (Wh/K)
          <input
            type="number"
            step="any"
            min={0}
            placeholder="settings, or 10000"
            data-testid="backtest-capacity"
            value={capacity}
            onChange={(e) => setCapacity(e.target.value)}
          />
        </label>
        <label>
          Heat source capacity (W)
          <input
            type="number"
            step="any"
            min={0}
            placeholder="settings, or 10000"
            data-testid="backtest-source-cap"
            value={sourceCap}
            onChange={(e) => setSourceCap(e.target.value)}
          />
        </label>
        <label className="check">
          <input
            type="checkbox"
            data-testid="backtest-demand-model"
            checked={demandModel}
            onChange={(e) => setDemandModel(e.target.checked)}
          />{' '}
          Simple demand model (no thermal simulation)
        </label>
      </div>
      <div className="form-row">
        {POLICIES.map((p) => (
          <label key={p.id} className="check">
            <input
              type="checkbox"
              data-testid={`backtest-policy-${p.id}`}
              checked={policies.includes(p.id)}
              onChange={(e) => toggle(p.id, e.target.checked)}
            />{' '}
            {p.label}
          </label>
        ))}
        <label>
          Fixed threshold (per kWh)
          <input
            type="number"
            step="any"
            placeholder="none"
            data-testid="backtest-threshold"
            value={threshold}
            onChange={(e) => setThreshold(e.target.value)}
          />
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
          {progress
            ? `${progress.policy}: ${progress.total > 1 ? `${progress.done} of ${progress.total} (${unit})` : 'done'} — policy ${progress.step + 1} of ${progress.steps}`
            : 'reading prices and working out the comfort band…'}
        </div>
      )}
      {run && <Results run={run} />}
    </Card>
  );
}
