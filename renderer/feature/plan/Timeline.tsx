import { useEffect, useState } from 'react';
import type { HeatSlot, PlannedSlot } from '#contract/index';
import { useCall, useEvent } from '../../api/hooks.ts';
import { Legend } from '../../component/chart.tsx';
import { fmtMoney, fmtTemp, fmtTime, fmtW, tempUnit } from '../../component/format.ts';

/** One colour per job, in the order jobs first appear in the plan. */
export const JOB_COLORS = ['#2e7dd7', '#e08a1e', '#8e44ad', '#16a085', '#c0392b', '#6d7a8a'];
const PRICE_COLOR = '#8a94a6';
const DEMAND_COLOR = '#d0453a';
const INDOOR_COLOR = '#1c4f8f';
const BAND_COLOR = 'rgba(46, 125, 215, 0.16)';

const W = 720;
const LEFT = 56;
const PRICE_TOP = 14;
const PRICE_BOTTOM = 84;
/** The indoor temperature panel (thermal plans only) sits right under the prices that drive it. */
const TEMP_TOP = 104;
const TEMP_BOTTOM = 184;
const POWER_HEIGHT = 130;

/** Watts each job draws in a slot (decisions of several devices on one job add up). */
function powerByJob(s: PlannedSlot): Map<string, number> {
  const m = new Map<string, number>();
  for (const d of s.decisions) if (d.job !== null && d.powerW > 0) m.set(d.job, (m.get(d.job) ?? 0) + d.powerW);
  return m;
}

export function jobsOf(slots: PlannedSlot[]): string[] {
  const seen: string[] = [];
  for (const s of slots) for (const job of powerByJob(s).keys()) if (!seen.includes(job)) seen.push(job);
  return seen;
}

/** The heat slot covering `ms` (demand may come at another resolution than the plan). */
function demandAt(heat: HeatSlot[], ms: number): number | null {
  const h = heat.find((x) => x.start <= ms && ms < x.end);
  return h ? h.demandW : null;
}

/** Mean heat-source output over a slot, W (thermal plans). */
const sourceW = (s: PlannedSlot, slotMs: number) => (s.sourceHeatKWh * 1000 * 3_600_000) / slotMs;

/**
 * The plan on one time axis: price bars above; a thermal plan's forecast indoor temperature in its
 * comfort band under them; planned power stacked by job below, with the heat demand as a line
 * over it (both in W, so running "into" the demand shows), or, in a thermal plan, the heat
 * source's output (the demand is not what such a plan meets); a dashed line at now. Hovering a
 * slot shows its figures and the planner's reason.
 */
export function Timeline({
  slots,
  heat,
  currency,
  now,
  jobName = (id) => id,
}: {
  slots: PlannedSlot[];
  heat: HeatSlot[];
  currency: string;
  now: number;
  jobName?: (id: string) => string;
}) {
  const [hover, setHover] = useState<number | null>(null);
  const first = slots[0];
  if (!first) return null;
  const slotMs = slots.length > 1 ? (slots[1]?.start ?? first.start + 900_000) - first.start : 900_000;
  const n = slots.length;
  const bw = (W - LEFT - 4) / n;
  const x = (i: number) => LEFT + i * bw;
  const jobs = jobsOf(slots);
  const color = (job: string) => JOB_COLORS[jobs.indexOf(job) % JOB_COLORS.length] ?? JOB_COLORS[0];
  const powers = slots.map(powerByJob);
  const thermal = slots.some((s) => s.indoorC !== undefined);
  const demand = thermal
    ? slots.map((s) => sourceW(s, slotMs))
    : slots.map((s) => demandAt(heat, s.start + slotMs / 2));
  const demandName = thermal ? 'heat source' : 'heat demand';
  const powerTop = thermal ? TEMP_BOTTOM + 20 : TEMP_TOP;
  const powerBottom = powerTop + POWER_HEIGHT;
  const height = powerBottom + 18;

  const pLo = Math.min(0, ...slots.map((s) => s.price));
  const pHi = Math.max(pLo + 1e-9, ...slots.map((s) => s.price));
  const yPrice = (v: number) => PRICE_BOTTOM - ((v - pLo) / (pHi - pLo)) * (PRICE_BOTTOM - PRICE_TOP);
  const maxPower = Math.max(0, ...powers.map((m) => [...m.values()].reduce((a, b) => a + b, 0)));
  const maxDemand = Math.max(0, ...demand.map((d) => d ?? 0));
  // A small PC against a whole room's demand would draw as a hairline: the scale follows the
  // power then, and the demand line is clipped at the top with its peak written there.
  const clipped = maxPower > 0 && maxDemand > 3 * maxPower;
  const wHi = Math.max(1, clipped ? maxPower * 1.25 : Math.max(maxPower, maxDemand));
  const yPower = (v: number) => powerBottom - (Math.min(v, wHi) / wHi) * (powerBottom - powerTop);

  // The band and the forecast share one °C scale with half a kelvin of air above and below.
  const temps = slots
    .flatMap((s) => [s.indoorC, s.comfort?.minC, s.comfort?.maxC])
    .filter((v): v is number => v !== undefined && Number.isFinite(v));
  const tLo = Math.floor((Math.min(...temps) - 0.5) * 2) / 2;
  const tHi = Math.max(tLo + 1, Math.ceil((Math.max(...temps) + 0.5) * 2) / 2);
  const yTemp = (c: number) => TEMP_BOTTOM - ((c - tLo) / (tHi - tLo)) * (TEMP_BOTTOM - TEMP_TOP);
  // The band holds at each slot's end and the planner keeps it through the slot: steps, like the prices.
  let upper = '';
  let lower = '';
  slots.forEach((s, i) => {
    if (!s.comfort) return;
    upper += `${upper === '' ? 'M' : 'L'}${x(i).toFixed(1)},${yTemp(s.comfort.maxC).toFixed(1)}L${(x(i) + bw).toFixed(1)},${yTemp(s.comfort.maxC).toFixed(1)}`;
    lower = `L${(x(i) + bw).toFixed(1)},${yTemp(s.comfort.minC).toFixed(1)}L${x(i).toFixed(1)},${yTemp(s.comfort.minC).toFixed(1)}${lower}`;
  });
  const bandPath = upper === '' ? '' : `${upper}${lower}Z`;
  // The forecast is a temperature at each slot's end, so the line joins those points.
  let indoorPath = '';
  slots.forEach((s, i) => {
    if (s.indoorC === undefined) return;
    indoorPath += `${indoorPath === '' ? 'M' : 'L'}${(x(i) + bw).toFixed(1)},${yTemp(s.indoorC).toFixed(1)}`;
  });

  let demandPath = '';
  demand.forEach((d, i) => {
    if (d === null) return;
    const y = yPower(d).toFixed(1);
    // A step per slot: demand is a mean over the slot, not a point.
    demandPath += `${demandPath === '' || demand[i - 1] === null ? 'M' : 'L'}${x(i).toFixed(1)},${y}L${(x(i) + bw).toFixed(1)},${y}`;
  });
  const nowIndex = (now - first.start) / slotMs;
  const showNow = nowIndex >= 0 && nowIndex <= n;
  // Every 6 h; not one so near the right edge that its label ("12:00 AM", ~45 px) would be cut off.
  const ticks = slots
    .map((s, i) => ({ s, i }))
    .filter(
      ({ s, i }) => new Date(s.start).getMinutes() === 0 && new Date(s.start).getHours() % 6 === 0 && x(i) <= W - 46,
    );
  const hovered = hover === null ? undefined : slots[hover];

  return (
    <div className="timeline" data-testid="plan-timeline" data-slots={n} onMouseLeave={() => setHover(null)}>
      <svg
        className="chart"
        viewBox={`0 0 ${W} ${height}`}
        role="img"
        aria-label={
          thermal
            ? 'Plan timeline: price, forecast indoor temperature in the comfort band, planned power by job and heat source output per slot'
            : 'Plan timeline: price, planned power by job and heat demand per slot'
        }
      >
        {/* Value and unit on two lines: together they are wider than the axis margin and ran into the first bar. */}
        <text x={2} y={PRICE_TOP + 4} className="axis">
          {pHi.toFixed(4)}
        </text>
        <text x={2} y={PRICE_TOP + 16} className="axis">{`${currency}/kWh`}</text>
        <text x={2} y={PRICE_BOTTOM} className="axis">{`${pLo.toFixed(4)}`}</text>
        <text x={2} y={powerTop + 4} className="axis">{`${Math.round(wHi)} W`}</text>
        <text x={2} y={powerBottom} className="axis">
          0 W
        </text>
        {thermal && (
          <g data-testid="timeline-temperature">
            <text x={2} y={TEMP_TOP + 4} className="axis" data-testid="timeline-temp-max">
              {fmtTemp(tHi)}
            </text>
            <text x={2} y={TEMP_BOTTOM} className="axis" data-testid="timeline-temp-min">
              {fmtTemp(tLo)}
            </text>
            <line x1={LEFT} x2={W} y1={TEMP_BOTTOM} y2={TEMP_BOTTOM} className="zero" />
            <path d={bandPath} fill={BAND_COLOR} stroke="none" data-testid="timeline-band" />
            <path d={indoorPath} fill="none" stroke={INDOOR_COLOR} strokeWidth={1.5} data-testid="timeline-indoor" />
          </g>
        )}
        <line x1={LEFT} x2={W} y1={yPrice(0)} y2={yPrice(0)} className="zero" />
        <line x1={LEFT} x2={W} y1={powerBottom} y2={powerBottom} className="zero" />
        {slots.map((s, i) => {
          const y1 = yPrice(Math.max(0, s.price));
          const y2 = yPrice(Math.min(0, s.price));
          return (
            <rect
              key={`p${s.start}`}
              data-price={s.price}
              x={x(i) + bw * 0.1}
              width={Math.max(0.5, bw * 0.8)}
              y={y1}
              height={Math.max(0.5, y2 - y1)}
              fill={PRICE_COLOR}
            />
          );
        })}
        {powers.map((m, i) => {
          let base = 0;
          return jobs.map((job) => {
            const w = m.get(job) ?? 0;
            if (w <= 0) return null;
            const y1 = yPower(base + w);
            const y2 = yPower(base);
            base += w;
            return (
              <rect
                key={`${job}-${i}`}
                className="timeline-power"
                data-job={job}
                data-w={w}
                x={x(i) + bw * 0.1}
                width={Math.max(0.5, bw * 0.8)}
                y={y1}
                height={Math.max(0.5, y2 - y1)}
                fill={color(job)}
              />
            );
          });
        })}
        {clipped && (
          <text x={W - 4} y={powerTop - 4} textAnchor="end" className="axis" data-testid="timeline-demand-clipped">
            {`${demandName} up to ${Math.round(maxDemand)} W, above this scale`}
          </text>
        )}
        <path d={demandPath} fill="none" stroke={DEMAND_COLOR} strokeWidth={1.5} data-testid="timeline-demand" />
        {ticks.map(({ s, i }) => (
          <text key={`t${s.start}`} x={x(i)} y={height - 4} className="axis">
            {fmtTime(s.start)}
          </text>
        ))}
        {showNow && (
          <line
            data-testid="timeline-now"
            x1={x(nowIndex)}
            x2={x(nowIndex)}
            y1={PRICE_TOP - 8}
            y2={powerBottom}
            className="now"
          />
        )}
        {slots.map((s, i) => (
          <rect
            key={`h${s.start}`}
            className={hover === i ? 'timeline-hit hovered' : 'timeline-hit'}
            data-testid="timeline-slot"
            x={x(i)}
            width={bw}
            y={0}
            height={powerBottom}
            onMouseEnter={() => setHover(i)}
          >
            <title>{`${fmtTime(s.start)}: ${s.reason}`}</title>
          </rect>
        ))}
      </svg>
      <Legend
        series={[
          { name: `price (${currency}/kWh)`, color: PRICE_COLOR },
          ...jobs.map((job) => ({ name: `${jobName(job)} (W)`, color: color(job) ?? PRICE_COLOR })),
          ...(thermal
            ? [
                { name: `forecast indoor (${tempUnit()})`, color: INDOOR_COLOR },
                { name: 'comfort band', color: BAND_COLOR },
              ]
            : []),
          { name: `${demandName} (W)`, color: DEMAND_COLOR },
        ]}
      />
      <div className="timeline-tooltip" data-testid="timeline-tooltip" hidden={!hovered}>
        {hovered && (
          <>
            <strong>
              {fmtTime(hovered.start)}–{fmtTime(hovered.start + slotMs)}
            </strong>{' '}
            {hovered.price.toFixed(5)} {currency}/kWh ·{' '}
            {fmtW([...(powers[hover ?? 0]?.values() ?? [])].reduce((a, b) => a + b, 0))}
            {jobs
              .filter((j) => (powers[hover ?? 0]?.get(j) ?? 0) > 0)
              .map((j) => ` · ${jobName(j)} ${fmtW(powers[hover ?? 0]?.get(j))}`)
              .join('')}{' '}
            · {demandName} {fmtW(demand[hover ?? 0])}
            {hovered.indoorC !== undefined && ` · indoor ${fmtTemp(hovered.indoorC)} at the end`}
            {hovered.comfort && ` (band ${fmtTemp(hovered.comfort.minC)}–${fmtTemp(hovered.comfort.maxC)})`} · net{' '}
            {fmtMoney(hovered.net, currency)}
            <div data-testid="timeline-reason">{hovered.reason}</div>
          </>
        )}
      </div>
    </div>
  );
}

/** The timeline with what it needs besides the plan: heat demand for the same slots, the tariff's currency, a ticking now. */
export function PlanTimeline({ slots }: { slots: PlannedSlot[] }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(t);
  }, []);
  const from = slots[0]?.start ?? 0;
  const last = slots.at(-1)?.start ?? from;
  const to = last + (slots.length > 1 ? last - (slots.at(-2)?.start ?? last) : 900_000) || from + 1;
  const heatingChanged = useEvent('indoor-reading');
  const heat = useCall('heating-demand', { from, to }, [from, to, heatingChanged]);
  const prices = useCall('tariff-slots', { from, to: from + 1 }, [from]);
  const queue = useCall('job-list', {}, [slots]);
  // The planner names queued jobs "job:<id>"; people know them by name.
  const jobName = (id: string) => {
    const m = /^job:(\d+)$/.exec(id);
    const job = m ? queue.data?.find((j) => j.id === Number(m[1])) : undefined;
    return job ? job.name : id;
  };
  return (
    <Timeline
      slots={slots}
      heat={heat.data ?? []}
      currency={prices.data?.[0]?.currency ?? 'EUR'}
      now={now}
      jobName={jobName}
    />
  );
}
