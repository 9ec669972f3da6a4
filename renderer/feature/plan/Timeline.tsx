import { useEffect, useState } from 'react';
import type { HeatSlot, PlannedSlot } from '#contract/index';
import { useCall, useEvent } from '../../api/hooks.ts';
import { Legend } from '../../component/chart.tsx';
import { fmtMoney, fmtTime, fmtW } from '../../component/format.ts';

/** One colour per job, in the order jobs first appear in the plan. */
export const JOB_COLORS = ['#2e7dd7', '#e08a1e', '#8e44ad', '#16a085', '#c0392b', '#6d7a8a'];
const PRICE_COLOR = '#8a94a6';
const DEMAND_COLOR = '#d0453a';

const W = 720;
const LEFT = 56;
const PRICE_TOP = 14;
const PRICE_BOTTOM = 84;
const POWER_TOP = 104;
const POWER_BOTTOM = 234;
const HEIGHT = 252;

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

/**
 * The plan on one time axis: price bars above; planned power stacked by job below, with the heat
 * demand as a line over it (both in W, so running "into" the demand shows); a dashed line at now.
 * Hovering a slot shows its figures and the planner's reason.
 */
export function Timeline({ slots, heat, currency, now, jobName = (id) => id }: { slots: PlannedSlot[]; heat: HeatSlot[]; currency: string; now: number; jobName?: (id: string) => string }) {
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
  const demand = slots.map((s) => demandAt(heat, s.start + slotMs / 2));

  const pLo = Math.min(0, ...slots.map((s) => s.price));
  const pHi = Math.max(pLo + 1e-9, ...slots.map((s) => s.price));
  const yPrice = (v: number) => PRICE_BOTTOM - ((v - pLo) / (pHi - pLo)) * (PRICE_BOTTOM - PRICE_TOP);
  const maxPower = Math.max(0, ...powers.map((m) => [...m.values()].reduce((a, b) => a + b, 0)));
  const maxDemand = Math.max(0, ...demand.map((d) => d ?? 0));
  // A small PC against a whole room's demand would draw as a hairline: the scale follows the
  // power then, and the demand line is clipped at the top with its peak written there.
  const clipped = maxPower > 0 && maxDemand > 3 * maxPower;
  const wHi = Math.max(1, clipped ? maxPower * 1.25 : Math.max(maxPower, maxDemand));
  const yPower = (v: number) => POWER_BOTTOM - (Math.min(v, wHi) / wHi) * (POWER_BOTTOM - POWER_TOP);

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
  const ticks = slots.map((s, i) => ({ s, i })).filter(({ s, i }) => new Date(s.start).getMinutes() === 0 && new Date(s.start).getHours() % 6 === 0 && x(i) <= W - 46);
  const hovered = hover === null ? undefined : slots[hover];

  return (
    <div className="timeline" data-testid="plan-timeline" data-slots={n} onMouseLeave={() => setHover(null)}>
      <svg className="chart" viewBox={`0 0 ${W} ${HEIGHT}`} role="img" aria-label="Plan timeline: price, planned power by job and heat demand per slot">
        {/* Value and unit on two lines: together they are wider than the axis margin and ran into the first bar. */}
        <text x={2} y={PRICE_TOP + 4} className="axis">{pHi.toFixed(4)}</text>
        <text x={2} y={PRICE_TOP + 16} className="axis">{`${currency}/kWh`}</text>
        <text x={2} y={PRICE_BOTTOM} className="axis">{`${pLo.toFixed(4)}`}</text>
        <text x={2} y={POWER_TOP + 4} className="axis">{`${Math.round(wHi)} W`}</text>
        <text x={2} y={POWER_BOTTOM} className="axis">0 W</text>
        <line x1={LEFT} x2={W} y1={yPrice(0)} y2={yPrice(0)} className="zero" />
        <line x1={LEFT} x2={W} y1={POWER_BOTTOM} y2={POWER_BOTTOM} className="zero" />
        {slots.map((s, i) => {
          const y1 = yPrice(Math.max(0, s.price));
          const y2 = yPrice(Math.min(0, s.price));
          return <rect key={`p${s.start}`} data-price={s.price} x={x(i) + bw * 0.1} width={Math.max(0.5, bw * 0.8)} y={y1} height={Math.max(0.5, y2 - y1)} fill={PRICE_COLOR} />;
        })}
        {powers.map((m, i) => {
          let base = 0;
          return jobs.map((job) => {
            const w = m.get(job) ?? 0;
            if (w <= 0) return null;
            const y1 = yPower(base + w);
            const y2 = yPower(base);
            base += w;
            return <rect key={`${job}-${i}`} className="timeline-power" data-job={job} data-w={w} x={x(i) + bw * 0.1} width={Math.max(0.5, bw * 0.8)} y={y1} height={Math.max(0.5, y2 - y1)} fill={color(job)} />;
          });
        })}
        {clipped && (
          <text x={W - 4} y={POWER_TOP - 4} textAnchor="end" className="axis" data-testid="timeline-demand-clipped">
            {`heat demand up to ${Math.round(maxDemand)} W, above this scale`}
          </text>
        )}
        <path d={demandPath} fill="none" stroke={DEMAND_COLOR} strokeWidth={1.5} data-testid="timeline-demand" />
        {ticks.map(({ s, i }) => (
          <text key={`t${s.start}`} x={x(i)} y={HEIGHT - 4} className="axis">
            {fmtTime(s.start)}
          </text>
        ))}
        {showNow && <line data-testid="timeline-now" x1={x(nowIndex)} x2={x(nowIndex)} y1={PRICE_TOP - 8} y2={POWER_BOTTOM} className="now" />}
        {slots.map((s, i) => (
          <rect
            key={`h${s.start}`}
            className={hover === i ? 'timeline-hit hovered' : 'timeline-hit'}
            data-testid="timeline-slot"
            x={x(i)}
            width={bw}
            y={0}
            height={POWER_BOTTOM}
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
          { name: 'heat demand (W)', color: DEMAND_COLOR },
        ]}
      />
      <div className="timeline-tooltip" data-testid="timeline-tooltip" hidden={!hovered}>
        {hovered && (
          <>
            <strong>
              {fmtTime(hovered.start)}–{fmtTime(hovered.start + slotMs)}
            </strong>{' '}
            {hovered.price.toFixed(5)} {currency}/kWh · {fmtW([...(powers[hover ?? 0]?.values() ?? [])].reduce((a, b) => a + b, 0))}
            {jobs
              .filter((j) => (powers[hover ?? 0]?.get(j) ?? 0) > 0)
              .map((j) => ` · ${jobName(j)} ${fmtW(powers[hover ?? 0]?.get(j))}`)
              .join('')}{' '}
            · heat demand {fmtW(demand[hover ?? 0])} · net {fmtMoney(hovered.net, currency)}
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
  return <Timeline slots={slots} heat={heat.data ?? []} currency={prices.data?.[0]?.currency ?? 'EUR'} now={now} jobName={jobName} />;
}
