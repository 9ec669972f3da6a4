/**
 * Small dependency-free SVG charts. They scale to their container's width through viewBox, so
 * they need no layout measuring and render the same in tests and in the app.
 */
export type Series = { name: string; color: string; values: (number | null)[] };

const W = 600;

function extent(series: Series[], includeZero = true): [number, number] {
  let lo = includeZero ? 0 : Infinity;
  let hi = includeZero ? 0 : -Infinity;
  for (const s of series) {
    for (const v of s.values) {
      if (v === null) continue;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (hi === lo) hi = lo + 1;
  return [lo, hi];
}

/**
 * Lines over an index axis; `null` breaks the line (missing data is not drawn as zero). `zero`
 * false: the axis spans the data only (a room's 18–22 °C would be a flat line on a 0–22 scale).
 */
export function LineChart({
  series,
  height = 160,
  unit,
  label,
  zero = true,
}: {
  series: Series[];
  height?: number;
  unit: string;
  label: string;
  zero?: boolean;
}) {
  const [lo, hi] = extent(series, zero);
  const n = Math.max(2, ...series.map((s) => s.values.length));
  const x = (i: number) => (i / (n - 1)) * (W - 40) + 36;
  const y = (v: number) => height - 16 - ((v - lo) / (hi - lo)) * (height - 28);
  return (
    <svg className="chart" viewBox={`0 0 ${W} ${height}`} role="img" aria-label={label}>
      <text x={2} y={12} className="axis">{`${hi.toPrecision(3)} ${unit}`}</text>
      <text x={2} y={height - 4} className="axis">{`${lo.toPrecision(3)} ${unit}`}</text>
      {series.map((s) => {
        let d = '';
        s.values.forEach((v, i) => {
          if (v === null) return;
          d += `${d === '' || s.values[i - 1] === null ? 'M' : 'L'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
        });
        return <path key={s.name} d={d} fill="none" stroke={s.color} strokeWidth={1.5} />;
      })}
    </svg>
  );
}

/** Bars, stacked when several series are given (negative values stack downwards). */
export function BarChart({
  series,
  labels,
  height = 180,
  unit,
  label,
  marker,
}: {
  series: Series[];
  labels?: string[];
  height?: number;
  unit: string;
  label: string;
  marker?: number;
}) {
  const n = Math.max(1, ...series.map((s) => s.values.length));
  const pos = new Array<number>(n).fill(0);
  const neg = new Array<number>(n).fill(0);
  for (const s of series)
    s.values.forEach((v, i) => {
      if (v === null) return;
      if (v >= 0) pos[i] = (pos[i] ?? 0) + v;
      else neg[i] = (neg[i] ?? 0) + v;
    });
  const lo = Math.min(0, ...neg);
  const hi = Math.max(lo + 1e-9, ...pos);
  const bw = (W - 40) / n;
  const y = (v: number) => height - 16 - ((v - lo) / (hi - lo)) * (height - 28);
  const upTop = new Array<number>(n).fill(0);
  const downTop = new Array<number>(n).fill(0);
  return (
    <svg className="chart" viewBox={`0 0 ${W} ${height}`} role="img" aria-label={label}>
      <text x={2} y={12} className="axis">{`${hi.toPrecision(3)} ${unit}`}</text>
      <text x={2} y={height - 4} className="axis">{`${lo.toPrecision(3)} ${unit}`}</text>
      <line x1={36} x2={W} y1={y(0)} y2={y(0)} className="zero" />
      {series.map((s) =>
        s.values.map((v, i) => {
          if (v === null || v === 0) return null;
          const base = v >= 0 ? (upTop[i] ?? 0) : (downTop[i] ?? 0);
          const top = base + v;
          if (v >= 0) upTop[i] = top;
          else downTop[i] = top;
          const y1 = y(Math.max(base, top));
          const y2 = y(Math.min(base, top));
          return (
            <rect
              key={`${s.name}-${i}`}
              x={36 + i * bw + bw * 0.1}
              width={Math.max(1, bw * 0.8)}
              y={y1}
              height={Math.max(0.5, y2 - y1)}
              fill={s.color}
            >
              <title>{`${labels?.[i] ?? i}: ${s.name} ${v.toPrecision(4)} ${unit}`}</title>
            </rect>
          );
        }),
      )}
      {marker !== undefined && <line x1={36 + marker * bw} x2={36 + marker * bw} y1={0} y2={height} className="now" />}
    </svg>
  );
}

export function Legend({ series }: { series: Pick<Series, 'name' | 'color'>[] }) {
  return (
    <div className="legend">
      {series.map((s) => (
        <span key={s.name}>
          <i style={{ background: s.color }} /> {s.name}
        </span>
      ))}
    </div>
  );
}

/** Bars side by side per label, one per series (comparisons such as net per month per policy). */
export function GroupedBarChart({
  series,
  labels,
  height = 180,
  unit,
  label,
  format,
}: {
  series: Series[];
  labels: string[];
  height?: number;
  unit: string;
  label: string;
  format?: (v: number) => string;
}) {
  const [lo, hi] = extent(series);
  const groups = Math.max(1, labels.length);
  const gw = (W - 40) / groups;
  const bw = (gw * 0.8) / Math.max(1, series.length);
  const y = (v: number) => height - 28 - ((v - lo) / (hi - lo)) * (height - 40);
  const show = format ?? ((v: number) => `${v.toPrecision(4)} ${unit}`);
  return (
    <svg className="chart" viewBox={`0 0 ${W} ${height}`} role="img" aria-label={label}>
      <text x={2} y={12} className="axis">{`${hi.toPrecision(3)} ${unit}`}</text>
      <text x={2} y={height - 16} className="axis">{`${lo.toPrecision(3)} ${unit}`}</text>
      <line x1={36} x2={W} y1={y(0)} y2={y(0)} className="zero" />
      {labels.map((l, g) => (
        <text key={`l${l}`} x={36 + g * gw + gw * 0.1} y={height - 4} className="axis">
          {l}
        </text>
      ))}
      {series.map((s, k) =>
        s.values.map((v, g) => {
          if (v === null) return null;
          const y1 = y(Math.max(0, v));
          const y2 = y(Math.min(0, v));
          return (
            <rect
              key={`${s.name}-${g}`}
              data-series={s.name}
              x={36 + g * gw + gw * 0.1 + k * bw}
              width={Math.max(1, bw * 0.9)}
              y={y1}
              height={Math.max(0.5, y2 - y1)}
              fill={s.color}
            >
              <title>{`${labels[g] ?? g}: ${s.name} ${show(v)}`}</title>
            </rect>
          );
        }),
      )}
    </svg>
  );
}
