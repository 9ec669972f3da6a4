import { useEffect, useMemo, useState } from 'react';
import type { HeatSlot, PlannedSlot } from '#contract/index';
import { useCall, useEvent } from '../../api/hooks.ts';
import { TimeChart, type TimeSeries } from '../../component/chart.tsx';
import { slotLabel } from '../../component/field.tsx';
import { fmtMoney, fmtTemp, fmtTime, fmtUnit, fmtW, tempUnit, toDisplayTemp } from '../../component/format.ts';
import { jobNamer } from '../job/job-name.ts';

/** One colour per job, in the order jobs first appear in the plan (the backtest's SVG chart takes these). */
export const JOB_COLORS = ['#2e7dd7', '#e08a1e', '#8e44ad', '#16a085', '#c0392b', '#6d7a8a'];
/** The same order as page colours, so the timeline reads in light and dark. */
const JOB_VARS = ['--chart-job-1', '--chart-job-2', '--chart-job-3', '--chart-job-4', '--chart-job-5', '--chart-job-6'];

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

const TIME_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/**
 * The plan on one time axis, as charts that share the hover: the price per slot; a thermal plan's
 * forecast indoor temperature in its comfort band; planned power stacked by job with the heat
 * demand as a step line over it (both in W, so running "into" the demand shows), or, in a thermal
 * plan, the heat source's output (the demand is not what such a plan meets). Midnights dotted, now
 * dashed. Hovering a slot shows its figures and the planner's reason.
 */
export function Timeline({
  slots,
  heat,
  currency,
  now,
  jobName = (id) => id,
  timeZone = TIME_ZONE,
}: {
  slots: PlannedSlot[];
  heat: HeatSlot[];
  currency: string;
  now: number;
  jobName?: (id: string) => string;
  timeZone?: string;
}) {
  const [hover, setHover] = useState<number | null>(null);
  const first = slots[0];
  const slotMs = slots.length > 1 ? (slots[1]?.start ?? 0) - (first?.start ?? 0) : 900_000;
  const x = useMemo(() => slots.map((s) => s.start), [slots]);
  const end = (slots.at(-1)?.start ?? 0) + slotMs;
  const jobs = useMemo(() => jobsOf(slots), [slots]);
  const powers = useMemo(() => slots.map(powerByJob), [slots]);
  const thermal = slots.some((s) => s.indoorC !== undefined);
  const demand = useMemo(
    () => (thermal ? slots.map((s) => sourceW(s, slotMs)) : slots.map((s) => demandAt(heat, s.start + slotMs / 2))),
    [thermal, slots, slotMs, heat],
  );
  const demandName = thermal ? 'heat source' : 'heat demand';
  const price = (v: number) => `${v.toFixed(5)} ${currency}/kWh`;
  const temp = (v: number) => fmtUnit(v, tempUnit(), 1);

  const maxPower = Math.max(0, ...powers.map((m) => [...m.values()].reduce((a, b) => a + b, 0)));
  const maxDemand = Math.max(0, ...demand.map((d) => d ?? 0));
  // A small PC against a whole room's demand would draw as a hairline: the scale follows the
  // power then, and the demand line runs off the top with its peak written above the chart.
  const clipped = maxPower > 0 && maxDemand > 3 * maxPower;

  const priceSeries = useMemo(
    (): TimeSeries[] => [
      {
        label: `price (${currency}/kWh)`,
        color: '--chart-price',
        kind: 'bars',
        scale: 'price',
        values: slots.map((s) => s.price),
        format: (v) => `${v.toFixed(5)} ${currency}/kWh`,
      },
    ],
    [slots, currency],
  );
  const powerSeries = useMemo(
    (): TimeSeries[] => [
      ...jobs.map((job, k): TimeSeries => ({
        label: `${jobName(job)} (W)`,
        color: JOB_VARS[k % JOB_VARS.length] ?? '--chart-job-1',
        kind: 'bars',
        scale: 'W',
        stack: true,
        values: powers.map((m) => m.get(job) ?? null),
        format: (v) => fmtW(v),
      })),
      {
        label: `${demandName} (W)`,
        color: '--chart-demand',
        kind: 'step',
        scale: 'W',
        values: demand,
        format: (v) => fmtW(v),
      },
    ],
    // jobName changes identity each render; the names it gives change with the job list.
    [jobs, powers, demand, demandName, jobs.map(jobName).join('\n')],
  );
  const tempSeries = useMemo((): TimeSeries[] => {
    const t = (c: number | undefined) => (c === undefined ? null : toDisplayTemp(c));
    return [
      {
        label: `forecast indoor (${tempUnit()})`,
        color: '--chart-indoor',
        kind: 'step',
        scale: 'T',
        values: slots.map((s) => t(s.indoorC)),
        format: temp,
      },
      {
        label: `comfort band max (${tempUnit()})`,
        color: '--chart-band',
        kind: 'step',
        scale: 'T',
        values: slots.map((s) => t(s.comfort?.maxC)),
        format: temp,
      },
      {
        label: `comfort band min (${tempUnit()})`,
        color: '--chart-band',
        kind: 'step',
        scale: 'T',
        values: slots.map((s) => t(s.comfort?.minC)),
        format: temp,
      },
    ];
  }, [slots]);
  if (!first) return null;
  const common = {
    x,
    end,
    timeZone,
    now,
    dayLines: true,
    sync: 'plan',
    table: false,
    onHover: setHover,
    xFormat: (ms: number) => slotLabel(ms, timeZone),
    empty: null,
  } as const;
  const hovered = hover === null ? undefined : slots[hover];
  const hoveredPower = hover === null ? undefined : powers[hover];
  const showNow = now >= first.start && now <= end;

  return (
    <div className="timeline" data-testid="plan-timeline" data-slots={slots.length} onMouseLeave={() => setHover(null)}>
      <p className="muted" data-testid="timeline-key">
        {showNow && <span data-testid="timeline-now">Dashed line: now ({fmtTime(now)}). </span>}
        Dotted lines: midnight. Times in {timeZone}.
      </p>
      <TimeChart
        {...common}
        testId="timeline-price"
        label="Planned slots: electricity price"
        height={140}
        series={priceSeries}
        axes={[{ scale: 'price', label: `${currency}/kWh` }]}
      />
      {thermal && (
        <div data-testid="timeline-temperature">
          <TimeChart
            {...common}
            testId="timeline-temp"
            label="Forecast indoor temperature in its comfort band"
            height={150}
            series={tempSeries}
            band={{ upper: tempSeries[1]!.label, lower: tempSeries[2]!.label, color: '--chart-band' }}
            axes={[{ scale: 'T', label: tempUnit() }]}
          />
        </div>
      )}
      {clipped && (
        <p className="muted" data-testid="timeline-demand-clipped">
          {`${demandName} up to ${fmtW(maxDemand)}, above this scale`}
        </p>
      )}
      <TimeChart
        {...common}
        testId="timeline-power"
        label={`Planned power by job and ${demandName}`}
        height={180}
        series={powerSeries}
        axes={[{ scale: 'W', label: 'W', range: clipped ? [0, maxPower * 1.25] : [0, null] }]}
      />
      <div className="timeline-tooltip" data-testid="timeline-tooltip" hidden={!hovered} aria-live="polite">
        {hovered && (
          <>
            <strong>
              {slotLabel(hovered.start, timeZone)}–{fmtTime(hovered.start + slotMs)}
            </strong>{' '}
            {price(hovered.price)} · {fmtW([...(hoveredPower?.values() ?? [])].reduce((a, b) => a + b, 0))}
            {jobs
              .filter((j) => (hoveredPower?.get(j) ?? 0) > 0)
              .map((j) => ` · ${jobName(j)} ${fmtW(hoveredPower?.get(j))}`)
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
  const jobName = jobNamer(queue.data);
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
