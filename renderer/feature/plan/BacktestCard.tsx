import { useEffect, useRef, useState } from 'react';
import type {
  BacktestArgs,
  BacktestAssumption,
  BacktestPolicy,
  BacktestProgress,
  BacktestRun,
  BacktestTotals,
  HeatSource,
} from '#contract/index';
import { backtestArgs } from '#contract/backtest';
import { heatSourceOf } from '#contract/heat-source';
import { api } from '../../api/client.ts';
import { useAction, useCall, useEvent } from '../../api/hooks.ts';
import { TimeChart } from '../../component/chart.tsx';
import { fmtDuration, fmtMoney, fmtUnit } from '../../component/format.ts';
import { Card, ErrorBanner, Table } from '../../component/ui.tsx';
import {
  Check,
  CopFields,
  FormErrors,
  HEAT_SOURCE_NAMES,
  HEAT_SOURCE_OPTIONS,
  NumField,
  Select,
  TextField,
  useFormErrors,
} from '../../component/field.tsx';

const POLICIES: { id: BacktestPolicy; label: string }[] = [
  { id: 'planner', label: 'Planner' },
  { id: 'thermostat', label: 'Thermostat (on while it calls for heat)' },
  { id: 'always', label: 'Always on' },
  { id: 'threshold', label: 'Best fixed price threshold' },
  { id: 'none', label: 'No computer (heating alone)' },
];

/** Where each assumption came from, in the words the CLI prints too. */
const ORIGIN: Record<BacktestAssumption['origin'], string> = {
  saved: 'saved',
  given: 'given here',
  default: 'default: check it',
  data: 'from the data',
};

type House = NonNullable<BacktestArgs['house']>;

/**
 * The figures of a heat source chosen for the run, each at its path in the backtest's arguments
 * (`heatSource.…`), where the contract's schema refuses it. The capacity is the house's, set above.
 */
function SourceFigures({ s, set }: { s: HeatSource; set: (s: HeatSource) => void }) {
  switch (s.kind) {
    case 'gas':
    case 'oil':
    case 'district':
      return (
        <>
          <NumField
            label={s.kind === 'district' ? 'Heat price' : 'Fuel price'}
            unit="per kWh"
            field="heatSource.pricePerKWh"
            testId="backtest-source-price"
            value={s.pricePerKWh}
            onChange={(pricePerKWh) => set({ ...s, pricePerKWh })}
          />
          {s.kind !== 'district' && (
            <NumField
              label="Boiler efficiency"
              unit="0–1"
              field="heatSource.efficiency"
              testId="backtest-source-efficiency"
              value={s.efficiency}
              onChange={(efficiency) => set({ ...s, efficiency })}
            />
          )}
        </>
      );
    case 'heat-pump':
      return <CopFields s={s} set={set} testId="backtest-cop" />;
    default:
      return null;
  }
}

/** The figures a run takes, typed as text and checked when it starts; an error calls each by its `name`. */
type Figure = 'powerW' | 'revenue' | keyof House | 'threshold';
const FIGURES: Record<
  Figure,
  { label: string; name: string; testId: string; min?: number; step?: string; placeholder?: string }
> = {
  // Left empty, the core's default (500 W, 0.002 per hour), which the results list as a default.
  powerW: {
    label: 'Computer power (W)',
    name: 'computer power',
    testId: 'backtest-power',
    min: 1,
    placeholder: 'default 500',
  },
  revenue: {
    label: 'Mining revenue (per hour at full power)',
    name: 'mining revenue',
    testId: 'backtest-revenue',
    step: 'any',
    min: 0,
    placeholder: 'default 0.002',
  },
  // Left empty, a house figure is the heating settings' (or the typical house's).
  uaWPerK: {
    label: 'House UA (W/K)',
    name: 'UA',
    testId: 'backtest-ua',
    step: 'any',
    min: 0,
    placeholder: 'settings, or 200',
  },
  capacityWhPerK: {
    label: 'Heat capacity (Wh/K)',
    name: 'heat capacity',
    testId: 'backtest-capacity',
    step: 'any',
    min: 0,
    placeholder: 'settings, or 10000',
  },
  sourceCapW: {
    label: 'Heat source capacity (W)',
    name: 'heat source capacity',
    testId: 'backtest-source-cap',
    step: 'any',
    min: 0,
    placeholder: 'settings, or 10000',
  },
  threshold: {
    label: 'Fixed threshold (per kWh)',
    name: 'fixed threshold',
    testId: 'backtest-threshold',
    step: 'any',
    placeholder: 'none',
  },
};
const HOUSE_FIGURES = ['uaWPerK', 'capacityWhPerK', 'sourceCapW'] as const;

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

/** The first instant (UTC) of a "2023-01" month, or of the month `after` it. */
const monthStart = (month: string, after = 0) => {
  const [y, m] = month.split('-').map(Number);
  return Date.UTC(y ?? 1970, (m ?? 1) - 1 + after, 1);
};
/** "Jan 2023": a month on the axis and on hover. */
const monthName = (ms: number) =>
  new Date(ms).toLocaleDateString(undefined, { timeZone: 'UTC', month: 'short', year: 'numeric' });

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
      <h3 className="backtest-assumed-title">What it assumed</h3>
      <ul className="backtest-assumptions" data-testid="backtest-setup">
        {run.setup.assumptions.map((a) => (
          <li key={a.topic} data-topic={a.topic} data-origin={a.origin}>
            <strong>{a.topic}:</strong> {a.text}{' '}
            <span className={`backtest-origin ${a.origin}`}>{ORIGIN[a.origin]}</span>
          </li>
        ))}
      </ul>
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
      {/* Months are the categories, so they stand on a month axis as grouped bars, one per policy:
          the policies' nets side by side per month read as the comparison the table gives. Months
          are placed in UTC so each bar spans its calendar month exactly, whatever the browser's zone. */}
      <TimeChart
        testId="backtest-chart"
        label="Net per month per policy"
        height={220}
        timeZone="UTC"
        grouped
        table={false}
        x={months.map((m) => monthStart(m))}
        end={months.length > 0 ? monthStart(months.at(-1)!, 1) : 0}
        xAxis={{ splits: months.map((m) => monthStart(m)), ticks: (t) => t.map(monthName) }}
        xFormat={monthName}
        axes={[{ scale: 'net', label: `net (${run.currency})` }]}
        series={run.results.map((r, k) => ({
          label: `${r.policy} net (${run.currency})`,
          values: r.months.map((m) => m.totals.net),
          color: `--chart-job-${(k % 6) + 1}`,
          kind: 'bars' as const,
          scale: 'net',
          format: (v: number) => fmtMoney(v, run.currency),
        }))}
        empty={
          <p className="muted">
            No month to compare: choose a period of at least one day above and run the backtest again.
          </p>
        }
      />
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
  const priceUpdate = useEvent('price-update');
  const stored = useCall('plan-backtest-prices', {}, [priceUpdate]);
  const span = stored.data;
  // The first month of the stored prices, once known and unless dates were typed: a period the
  // backtest has prices for.
  const [spanApplied, setSpanApplied] = useState(false);
  const [datesTyped, setDatesTyped] = useState(false);
  useEffect(() => {
    if (!span || spanApplied || datesTyped) return;
    setSpanApplied(true);
    const first = new Date(span.from + 12 * 3_600_000);
    const start = new Date(first.getFullYear(), first.getMonth() + (first.getDate() > 1 ? 1 : 0), 1);
    const end = new Date(Math.min(new Date(start.getFullYear(), start.getMonth() + 1, 1).getTime(), span.to));
    if (end.getTime() > start.getTime()) {
      setFrom(isoDay(start));
      setTo(isoDay(end));
    }
  }, [span, spanApplied, datesTyped]);
  const [policies, setPolicies] = useState<BacktestPolicy[]>(POLICIES.map((p) => p.id));
  const [typed, setTyped] = useState<Record<Figure, string>>({
    powerW: '',
    revenue: '',
    uaWPerK: '',
    capacityWhPerK: '',
    sourceCapW: '',
    threshold: '',
  });
  const [demandModel, setDemandModel] = useState(false);
  const [weather, setWeather] = useState<{ name: string; csv: string } | null>(null);
  const [progress, setProgress] = useState<BacktestProgress | null>(null);
  const backtest = useAction();
  const running = backtest.busy;
  const { value: formErrors, check } = useFormErrors(backtest.error);
  // null: the saved heat source, which the core reads itself; only a chosen one is sent.
  const [source, setSource] = useState<HeatSource | null>(null);
  const [run, setRun] = useState<BacktestRun | null>(null);
  // Read again after each run: the label names what the core just used, even if another window saved it.
  const savedHeating = useCall('heating-settings', {}, [run]).data;
  const runId = useRef('');

  useEffect(() => api.on('plan-backtest-progress', (p) => p.runId === runId.current && setProgress(p)), []);

  const toggle = (p: BacktestPolicy, on: boolean) =>
    setPolicies((ps) => (on ? [...ps.filter((x) => x !== p), p] : ps.filter((x) => x !== p)));
  const num = (k: Figure): number | undefined => {
    const s = typed[k];
    if (s.trim() === '') return undefined;
    const v = Number(s);
    if (!Number.isFinite(v)) throw new Error(`${FIGURES[k].name}: "${s}" is not a number`);
    return v;
  };
  const figure = (k: Figure) => {
    const { label, testId, min, step, placeholder } = FIGURES[k];
    return (
      <TextField
        key={k}
        label={label}
        type="number"
        min={min}
        step={step}
        placeholder={placeholder}
        testId={testId}
        value={typed[k]}
        onChange={(text) => setTyped({ ...typed, [k]: text })}
      />
    );
  };

  const start = () => {
    let args: BacktestArgs;
    try {
      const chosen: BacktestPolicy[] = POLICIES.map((p) => p.id).filter((p) => policies.includes(p));
      const t = num('threshold');
      if (t !== undefined) chosen.push(`threshold:${t}`);
      const power = num('powerW');
      const house: House = {};
      for (const k of HOUSE_FIGURES) {
        const v = num(k);
        if (v !== undefined) house[k] = v;
      }
      const r = num('revenue');
      runId.current = `ui-${Date.now().toString(36)}`;
      args = {
        from: dayStart(from),
        to: dayStart(to),
        policies: chosen,
        ...(power !== undefined ? { powerW: power } : {}),
        timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
        runId: runId.current,
        ...(demandModel ? { model: 'demand' as const } : {}),
        house,
        ...(r !== undefined ? { revenuePerHour: r } : {}),
        ...(weather ? { weatherCsv: weather.csv, weatherName: weather.name } : {}),
        ...(source ? { heatSource: source } : {}),
      };
      check(backtestArgs['plan-backtest'], args);
    } catch (e) {
      backtest.setError(e as Error);
      return;
    }
    setProgress(null);
    backtest.run(() => api.send('plan-backtest', args), setRun);
  };

  const fraction = progress
    ? (progress.step + progress.done / Math.max(1, progress.total)) / Math.max(1, progress.steps)
    : 0;
  const unit = progress?.policy === 'planner' ? 'plan' : progress?.policy === 'threshold' ? 'price tried' : 'step';
  return (
    <Card title="Backtest" wide>
      <p className="muted">
        Replays a past period over the stored prices (an imported price file, else the day-ahead prices fetched; the
        tariff's charges are added) and a weather file, with your saved heating schedule, heat source and house, and
        compares the planner with simple rules and with heating alone. A figure typed here overrides the saved one; the
        results list every assumption and where it came from. <code>hearth backtest</code> runs the same backtest.
      </p>
      <p className="muted" data-testid="backtest-stored">
        {span
          ? `Stored prices: ${new Date(span.from).toLocaleDateString()} – ${new Date(span.to - 1).toLocaleDateString()} (${span.source}).`
          : stored.data === null
            ? 'No past prices are stored: import a price file on the Schedules page (or run hearth prices import FILE).'
            : ''}
      </p>
      <FormErrors value={formErrors}>
        <div className="form-row" data-testid="backtest-form">
          <TextField
            label="From"
            type="date"
            testId="backtest-from"
            value={from}
            onChange={(d) => {
              setDatesTyped(true);
              setFrom(d);
            }}
          />
          <TextField
            label="To (exclusive)"
            type="date"
            testId="backtest-to"
            value={to}
            onChange={(d) => {
              setDatesTyped(true);
              setTo(d);
            }}
          />
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
          {figure('powerW')}
          {figure('revenue')}
        </div>
        <div className="form-row">
          {HOUSE_FIGURES.map((k) => figure(k))}
          <Check className="check" testId="backtest-demand-model" checked={demandModel} onChange={setDemandModel}>
            Simple demand model (no thermal simulation)
          </Check>
        </div>
        <div className="form-row">
          <Select<'saved' | HeatSource['kind']>
            label="Heat source"
            testId="backtest-heat-source"
            value={source?.kind ?? 'saved'}
            options={[
              [
                'saved',
                savedHeating ? `Saved (${HEAT_SOURCE_NAMES[savedHeating.heatSource.kind].toLowerCase()})` : 'Saved',
              ],
              ...HEAT_SOURCE_OPTIONS,
            ]}
            onChange={(k) =>
              // The saved kind starts from the saved figures, as `hearth backtest --heat-source` does.
              setSource(
                k === 'saved' ? null : k === savedHeating?.heatSource.kind ? savedHeating.heatSource : heatSourceOf(k),
              )
            }
          />
          {source && <SourceFigures s={source} set={setSource} />}
        </div>
        <div className="form-row">
          {POLICIES.map((p) => (
            <Check
              key={p.id}
              className="check"
              testId={`backtest-policy-${p.id}`}
              checked={policies.includes(p.id)}
              onChange={(on) => toggle(p.id, on)}
            >
              {p.label}
            </Check>
          ))}
          {figure('threshold')}
          <button data-testid="backtest-run" disabled={running} onClick={start}>
            {running ? 'Running…' : 'Run backtest'}
          </button>
        </div>
      </FormErrors>
      {weather && <p className="muted">Weather: {weather.name}</p>}
      <ErrorBanner error={backtest.error} />
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
