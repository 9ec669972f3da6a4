/**
 * Every chart in the app is drawn by uPlot through TimeChart below: it is about 50 KB where
 * ECharts is ~1 MB and Chart.js ~200 KB, it draws the planner's 192+ slot series on a canvas
 * without lag, and it has time axes (local midnights, hours, months) built in. One wrapper, so
 * every chart has the same axes with units, hover legend, accessible summary, data table and
 * empty state: over time (plans, prices, history, live power and hash rate, backtest months) or
 * over a number (a job's loss by step).
 */
import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { fmtClock, fmtTicks } from './format.ts';

/** A series over time: bars per bucket, a step line (a mean over each bucket) or a line through points. */
export type TimeSeries = {
  /** The legend's name, with its unit: "price (EUR/kWh)". */
  label: string;
  values: (number | null)[];
  /** A CSS custom property ("--chart-price"), read from the page so light and dark both read well, or a colour. */
  color: string;
  kind: 'bars' | 'step' | 'line';
  /** The y scale it is drawn on; one axis per scale. A plain word: it names the data-y-ticks-<scale> attribute. */
  scale: string;
  /** Bars stacked with the other stacked bars of the same scale (negative ones downwards). */
  stack?: boolean;
  dash?: boolean;
  /** The value with its unit, for the legend on hover and the data table. */
  format: (v: number) => string;
};

export type TimeAxis = {
  scale: string;
  /** The axis title with its unit: "EUR/kWh", "W", "°C". */
  label: string;
  side?: 'left' | 'right';
  /** Fixed ends; unset ends follow the data (a scale with bars always holds 0). */
  range?: [number | null, number | null];
  /** Tick labels; the default gives the decimals the step needs (format.ts fmtTicks). */
  ticks?: (values: number[]) => string[];
};

/** The x axis when it is not time in the default style. */
export type XAxis = {
  /** x is a plain number (a job's steps), not a time: ticks as numbers, no zone. */
  numeric?: boolean;
  /** The axis title with its unit ("step"); time axes need none. */
  label?: string;
  /** Ticks exactly here (one per month of a backtest) instead of where uPlot would put them. */
  splits?: number[];
  /** Tick labels instead of the default (times in the zone, or numbers). */
  ticks?: (values: number[]) => string[];
};

export type TimeChartProps = {
  /** Start of each bucket (ms, or a number on a numeric axis); the buckets run back to back and the last ends at `end`. */
  x: number[];
  end: number;
  series: TimeSeries[];
  axes: TimeAxis[];
  /** IANA zone the axis and the table show times in; the browser's unless given. */
  timeZone?: string;
  xAxis?: XAxis;
  /** Bars that are not stacked stand side by side in their bucket (policies per month), not over each other. */
  grouped?: boolean;
  /** What the chart shows, for the accessible summary: "Electricity price per slot". */
  label: string;
  /** How a bucket is named in the tooltip and table ("Tue 14:00", "7 Dec"). */
  xFormat: (ms: number) => string;
  now?: number;
  /** Thin lines at local midnights (charts over hours). */
  dayLines?: boolean;
  /** Fills between two series (by label), e.g. a comfort band between its bounds. */
  band?: { upper: string; lower: string; color: string };
  height?: number;
  /** Shown instead of the chart when there is nothing to draw: it says what to do. */
  empty: ReactNode;
  /** A foldable table of every value; off where the page already shows one. */
  table?: boolean;
  /** Charts with the same key share the hover position. */
  sync?: string;
  onHover?: (index: number | null) => void;
  testId?: string;
};

const BROWSER_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/**
 * The x of a live chart of one reading a second (`at`, ms): each reading stands for the second after
 * it, and is named by its clock time with seconds.
 */
export function perSecondX(at: number[]): Pick<TimeChartProps, 'x' | 'end' | 'xFormat'> {
  return { x: at, end: at.length > 0 ? at.at(-1)! + 1000 : 0, xFormat: (ms) => fmtClock(ms, { seconds: true }) };
}

/**
 * Where grouped bars stand: bar `slot` of `n` in each bucket, the group filling 85 % of the
 * narrowest bucket (months differ by up to three days; one width keeps the bars equal).
 */
function groupedBars(slot: number, n: number, p: () => TimeChartProps): uPlot.Series.BarsPathBuilderDisplay {
  const width = () => {
    const { x, end } = p();
    let w = Infinity;
    for (let i = 0; i < x.length; i++) w = Math.min(w, (x[i + 1] ?? end) - x[i]!);
    return Number.isFinite(w) ? w : 1;
  };
  return {
    x0: {
      unit: 1,
      values: () => {
        const w = width();
        const { x, end } = p();
        return [...x, end].map((t) => t + w * (0.075 + (slot * 0.85) / n));
      },
    },
    size: { unit: 1, values: () => [(width() * 0.85) / n] },
  };
}

const css = (el: Element, color: string) =>
  color.startsWith('--') ? getComputedStyle(el).getPropertyValue(color).trim() || '#888' : color;

/** The bucket [x[i], x[i+1]) holding `t`: a bar is hovered over its whole width, not from its middle on. */
function bucketAt(x: number[], end: number, t: number): number | null {
  if (x.length === 0 || t < x[0]! || t >= end) return null;
  let lo = 0;
  let hi = x.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (x[mid]! <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The index of the point nearest to `t` (lines: a reading is at its instant, not over a bucket). */
function nearestAt(x: number[], t: number): number | null {
  if (x.length === 0) return null;
  let lo = 0;
  let hi = x.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (x[mid]! <= t) lo = mid;
    else hi = mid;
  }
  return Math.abs(t - x[lo]!) <= Math.abs(x[hi]! - t) ? lo : hi;
}

/** Local hour and minute of an instant in a zone. */
function localClock(ms: number, timeZone: string): { hour: number; minute: number } {
  const p = clockFormat(timeZone).formatToParts(ms);
  const hour = Number(p.find((x) => x.type === 'hour')?.value ?? 0);
  return { hour: hour === 24 ? 0 : hour, minute: Number(p.find((x) => x.type === 'minute')?.value ?? 0) };
}
const clockFormats = new Map<string, Intl.DateTimeFormat>();
function clockFormat(timeZone: string): Intl.DateTimeFormat {
  let f = clockFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    clockFormats.set(timeZone, f);
  }
  return f;
}

/**
 * Time-axis tick labels in the zone: times of day in the app's clock style (format.ts fmtClock,
 * with seconds when ticks are under a minute apart) with the date at midnight, days, or months.
 */
export function timeTicks(ticks: number[], timeZone: string): string[] {
  if (ticks.length === 0) return [];
  const span = (ticks.at(-1) ?? 0) - (ticks[0] ?? 0);
  const step = ticks.length > 1 ? span / (ticks.length - 1) : 86_400_000;
  if (step >= 27 * 86_400_000)
    return ticks.map((t) => new Date(t).toLocaleDateString(undefined, { timeZone, month: 'short', year: 'numeric' }));
  const date = (t: number) =>
    new Date(t).toLocaleDateString(undefined, { timeZone, weekday: 'short', day: 'numeric', month: 'short' });
  if (step >= 86_400_000 - 3_600_000) return ticks.map(date);
  const seconds = step < 60_000;
  return ticks.map((t) => {
    const c = localClock(t, timeZone);
    return c.hour === 0 && c.minute === 0 && !seconds ? date(t) : fmtClock(t, { timeZone, seconds });
  });
}

/** Local midnights in [from, to] (whole-hour steps: a midnight is always on a UTC quarter hour). */
function midnights(from: number, to: number, timeZone: string): number[] {
  const out: number[] = [];
  for (let t = Math.ceil(from / 900_000) * 900_000; t <= to; t += 900_000) {
    const c = localClock(t, timeZone);
    if (c.hour === 0 && c.minute === 0) out.push(t);
  }
  return out;
}

/**
 * uPlot once, as a React component: created on mount (and again when the series or axes change
 * shape, or the colour scheme flips), given new data with setData, sized to its container by a
 * ResizeObserver (360 to 1440 px and beyond), destroyed on unmount. The canvas is summarised for
 * screen readers (role="img" with the range and each series' extremes) and every value is in a
 * foldable table; hovering shows the bucket's time and each value with its unit in the legend.
 * The tick labels uPlot paints are also written to data-x-ticks / data-y-ticks, so tests (and
 * anyone inspecting the page) can read what the axes say.
 */
export function TimeChart(props: TimeChartProps) {
  const { x, end, series, axes, timeZone = BROWSER_ZONE, height = 200, testId } = props;
  const numeric = props.xAxis?.numeric ?? false;
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef(props);
  latest.current = props;
  const [scheme, setScheme] = useState(0);
  useEffect(() => {
    const mq = window.matchMedia('(prefers-color-scheme: dark)');
    const flip = () => setScheme((n) => n + 1);
    mq.addEventListener('change', flip);
    return () => mq.removeEventListener('change', flip);
  }, []);

  // Stacked bars are drawn as cumulative heights, the tallest first, so each shows its own part.
  const ordered = useMemo(() => {
    const stacked = series.filter((s) => s.stack && s.kind === 'bars');
    return [...stacked.reverse(), ...series.filter((s) => !(s.stack && s.kind === 'bars'))];
  }, [series]);
  const data = useMemo((): uPlot.AlignedData => {
    const cum = new Map<string, number[]>();
    const drawn = new Map<TimeSeries, (number | null)[]>();
    for (const s of series) {
      if (!(s.stack && s.kind === 'bars')) {
        drawn.set(s, s.values);
        continue;
      }
      const pos = cum.get(`+${s.scale}`) ?? new Array<number>(x.length).fill(0);
      const neg = cum.get(`-${s.scale}`) ?? new Array<number>(x.length).fill(0);
      drawn.set(
        s,
        s.values.map((v, i) => {
          if (v === null || v === 0) return null;
          const base = v > 0 ? pos : neg;
          base[i] = (base[i] ?? 0) + v;
          return base[i]!;
        }),
      );
      cum.set(`+${s.scale}`, pos);
      cum.set(`-${s.scale}`, neg);
    }
    // One point at the end: a step line holds its last bucket's value to the end of the axis.
    return [
      [...x, end],
      ...ordered.map((s) => {
        const v = drawn.get(s) ?? [];
        return [...v.slice(0, x.length), s.kind === 'step' ? (v[x.length - 1] ?? null) : null];
      }),
    ];
  }, [series, ordered, x, end]);

  const shape = JSON.stringify([
    ordered.map((s) => [s.label, s.kind, s.scale, s.color, s.dash]),
    axes.map((a) => [a.scale, a.label, a.side, a.range]),
    props.band,
    props.sync,
    props.xAxis?.numeric,
    props.xAxis?.label,
    props.grouped,
    timeZone,
    height,
    x.length === 0,
  ]);

  useEffect(() => {
    const el = host.current;
    if (!el || x.length === 0) return;
    const p = () => latest.current;
    const muted = css(el, '--muted');
    const line = css(el, '--line');
    const labels = ordered.map((s) => s.label);
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      ms: 1,
      ...(numeric ? {} : { tzDate: (t: number) => uPlot.tzDate(new Date(t), timeZone) }),
      cursor: {
        points: { show: false },
        // Dragging would zoom; these charts show a fixed period, navigated by the page.
        drag: { x: false, y: false },
        // Bars and steps hold over their bucket; a line's value is at its point, so the nearest one.
        dataIdx: (u, _si, _closest, xValue) =>
          p().series.every((s) => s.kind === 'line') ? nearestAt(p().x, xValue) : bucketAt(p().x, p().end, xValue),
        ...(props.sync ? { sync: { key: props.sync } } : {}),
      },
      legend: { live: true },
      scales: {
        x: { time: !numeric, range: () => [p().x[0] ?? 0, p().end] },
        ...Object.fromEntries(
          axes.map((a) => {
            const bars = series.some((s) => s.scale === a.scale && s.kind === 'bars');
            return [
              a.scale,
              {
                range: (_u: uPlot, lo: number, hi: number): uPlot.Range.MinMax => {
                  let min = a.range?.[0] ?? (bars ? Math.min(0, lo) : lo);
                  let max = a.range?.[1] ?? (bars ? Math.max(0, hi) : hi);
                  if (!Number.isFinite(min) || !Number.isFinite(max)) [min, max] = [0, 1];
                  if (max - min < 1e-9) max = min + (Math.abs(min) || 1);
                  const pad = bars ? 0 : (max - min) * 0.05;
                  return [min - (a.range?.[0] !== undefined && a.range[0] !== null ? 0 : pad), max + pad];
                },
              },
            ];
          }),
        ),
      },
      axes: [
        {
          stroke: muted,
          grid: { stroke: line, width: 1 },
          ticks: { stroke: line, width: 1 },
          // "09:00 PM" and "Tue, Dec 8" are ~60 px wide: ticks closer than this run into each other.
          space: numeric ? 50 : 90,
          ...(props.xAxis?.label ? { label: props.xAxis.label, labelSize: 20 } : {}),
          ...(props.xAxis?.splits ? { splits: () => p().xAxis?.splits ?? [] } : {}),
          values: (u, ticks) => {
            const xa = p().xAxis;
            const labels = xa?.ticks ? xa.ticks(ticks) : numeric ? fmtTicks(ticks) : timeTicks(ticks, timeZone);
            // A tick at the very end would have half its label cut off by the edge: it stays unlabelled.
            const out = labels.map((t, i) => ((ticks[i] ?? 0) >= p().end && !xa?.splits ? '' : t));
            u.root.parentElement?.setAttribute(
              'data-x-ticks',
              `${out.filter((t) => t !== '').join(' | ')}${xa?.label ? ` ${xa.label}` : ''}`,
            );
            return out;
          },
        },
        ...axes.map((a, i): uPlot.Axis => ({
          scale: a.scale,
          label: a.label,
          side: a.side === 'right' ? 1 : 3,
          stroke: muted,
          grid: { show: i === 0, stroke: line, width: 1 },
          ticks: { stroke: line, width: 1 },
          size: 56,
          // Short charts still get three or more labelled ticks.
          space: 20,
          values: (u, ticks) => {
            const out = (a.ticks ?? fmtTicks)(ticks);
            u.root.parentElement?.setAttribute(
              `data-y-ticks-${a.scale.toLowerCase()}`,
              `${out.join(' | ')} ${a.label}`,
            );
            return out;
          },
        })),
      ],
      series: [
        {
          label: numeric ? (props.xAxis?.label ?? 'x') : 'Time',
          value: (_u, v) => (v === null || v === undefined ? '–' : p().xFormat(v)),
        },
        ...ordered.map((s): uPlot.Series => {
          const color = css(el, s.color);
          const group = props.grouped ? ordered.filter((q) => q.kind === 'bars' && !q.stack) : [];
          const slot = group.indexOf(s);
          const raw = (idx: number | null | undefined) =>
            idx === null || idx === undefined
              ? null
              : (p().series.find((q) => q.label === s.label)?.values[idx] ?? null);
          return {
            label: s.label,
            scale: s.scale,
            stroke: color,
            width: s.kind === 'bars' ? 0 : 2,
            ...(s.kind === 'bars' ? { fill: color } : {}),
            ...(s.dash ? { dash: [5, 4] } : {}),
            paths:
              s.kind === 'bars'
                ? slot >= 0
                  ? uPlot.paths.bars!({ disp: groupedBars(slot, group.length, p) })
                  : uPlot.paths.bars!({ align: 1, size: [0.85, Infinity, 1] })
                : s.kind === 'step'
                  ? uPlot.paths.stepped!({ align: 1 })
                  : uPlot.paths.linear!(),
            points: { show: false },
            value: (_u, _v, _si, idx) => {
              const v = raw(idx);
              return v === null
                ? '–'
                : p()
                    .series.find((q) => q.label === s.label)!
                    .format(v);
            },
          };
        }),
      ],
      bands: props.band
        ? [
            {
              series: [labels.indexOf(props.band.upper) + 1, labels.indexOf(props.band.lower) + 1],
              fill: css(el, props.band.color),
            },
          ]
        : [],
      hooks: {
        setCursor: [(u) => p().onHover?.(u.cursor.idx ?? null)],
        draw: [
          (u) => {
            const { ctx } = u;
            const top = u.bbox.top;
            const bottom = u.bbox.top + u.bbox.height;
            const vline = (t: number, color: string, dash: number[]) => {
              const px = Math.round(u.valToPos(t, 'x', true));
              if (px < u.bbox.left || px > u.bbox.left + u.bbox.width) return;
              ctx.save();
              ctx.strokeStyle = color;
              ctx.lineWidth = Math.max(1, devicePixelRatio);
              ctx.setLineDash(dash.map((d) => d * devicePixelRatio));
              ctx.beginPath();
              ctx.moveTo(px, top);
              ctx.lineTo(px, bottom);
              ctx.stroke();
              ctx.restore();
            };
            const cur = p();
            if (cur.dayLines) for (const m of midnights(cur.x[0] ?? 0, cur.end, timeZone)) vline(m, muted, [2, 3]);
            if (cur.now !== undefined) vline(cur.now, css(el, '--accent'), [6, 3]);
          },
        ],
      },
    };
    const u = new uPlot(opts, data, el);
    plot.current = u;
    const ro = new ResizeObserver((entries) => {
      const w = Math.floor(entries[0]?.contentRect.width ?? 0);
      if (w > 0 && w !== u.width) u.setSize({ width: w, height });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
    // Created again only when its shape changes; new values go through setData below.
  }, [shape, scheme]);

  useEffect(() => {
    const u = plot.current;
    if (!u) return;
    u.setData(data);
    // The now-line moves without new data.
    u.redraw(false);
  }, [data, props.now]);

  if (x.length === 0)
    return (
      <div className="tchart-empty" data-testid={testId ? `${testId}-empty` : undefined}>
        {props.empty}
      </div>
    );
  return (
    <div className="tchart" data-testid={testId} data-points={x.length}>
      <div ref={host} className="tchart-plot" role="img" aria-label={summary(props, timeZone)} />
      {props.table !== false && (
        <details className="chart-data">
          <summary>Data table</summary>
          <div className="table-scroll">
            <table>
              <caption className="tchart-caption">{props.label}</caption>
              <thead>
                <tr>
                  <th scope="col">{numeric ? (props.xAxis?.label ?? 'x') : `Time (${timeZone})`}</th>
                  {series.map((s) => (
                    <th scope="col" key={s.label}>
                      {s.label}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {x.map((t, i) => (
                  <tr key={t}>
                    <th scope="row">{props.xFormat(t)}</th>
                    {series.map((s) => {
                      const v = s.values[i];
                      return <td key={s.label}>{v === null || v === undefined ? '–' : s.format(v)}</td>;
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      )}
    </div>
  );
}

/** "Electricity price per slot, Mon, Dec 7, 02:00 PM to Wed, Dec 9, 02:00 PM (Europe/Brussels). price (EUR/kWh): 0.22 to 0.32." */
function summary(p: TimeChartProps, timeZone: string): string {
  const at = (ms: number) =>
    new Date(ms).toLocaleString(undefined, {
      timeZone,
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      hour: '2-digit',
      minute: '2-digit',
    });
  const parts = p.xAxis?.numeric
    ? [`${p.label}, ${p.xFormat(p.x[0] ?? 0)} to ${p.xFormat(p.x.at(-1) ?? 0)}.`]
    : [`${p.label}, ${at(p.x[0] ?? 0)} to ${at(p.end)} (${timeZone}).`];
  if (p.now !== undefined && p.now >= (p.x[0] ?? 0) && p.now <= p.end) parts.push(`Dashed line: now, ${at(p.now)}.`);
  for (const s of p.series) {
    const v = s.values.filter((n): n is number => n !== null && Number.isFinite(n));
    if (v.length === 0) continue;
    const lo = Math.min(...v);
    const hi = Math.max(...v);
    parts.push(
      lo === hi ? `${s.label}: ${s.format(lo)} throughout.` : `${s.label}: ${s.format(lo)} to ${s.format(hi)}.`,
    );
  }
  return parts.join(' ');
}
