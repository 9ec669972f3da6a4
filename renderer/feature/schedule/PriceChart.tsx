import { useMemo } from 'react';
import type { PriceSlot } from '#contract/index';
import { useCall, useEvent } from '../../api/hooks.ts';
import { TimeChart, type TimeSeries } from '../../component/chart.tsx';
import { Card, ErrorBanner } from '../../component/ui.tsx';
import { slotLabel } from '../../component/field.tsx';

const HOUR = 3_600_000;

/** Price per kWh with the precision exchanges publish (five decimals), never rounded to look nicer. */
const perKWh = (v: number, currency: string) => `${v.toFixed(5)} ${currency}/kWh`;

export function cheapestAndDearest(slots: PriceSlot[]): {
  cheapest: PriceSlot | undefined;
  dearest: PriceSlot | undefined;
} {
  let cheapest: PriceSlot | undefined;
  let dearest: PriceSlot | undefined;
  for (const s of slots) {
    if (!cheapest || s.price < cheapest.price) cheapest = s;
    if (!dearest || s.price > dearest.price) dearest = s;
  }
  // A flat price has no cheapest or dearest slot: marking one would suggest a difference.
  if (cheapest && dearest && cheapest.price === dearest.price) return { cheapest: undefined, dearest: undefined };
  return { cheapest, dearest };
}

/** The next 48 hours of prices: a bar per slot on a time axis in the tariff's zone, midnights and now marked, cheapest and dearest in colour. */
export function PriceChart({ now, timeZone: initialZone }: { now: number; timeZone: string }) {
  const from = Math.floor(now / HOUR) * HOUR;
  const update = useEvent('price-update');
  const { data: slots, error } = useCall('tariff-slots', { from, to: from + 48 * HOUR }, [from, update]);
  // A saved tariff brings new prices, and perhaps a new zone to show their times in.
  const settings = useCall('tariff-settings', {}, [update]);
  const timeZone = settings.data?.timeZone ?? initialZone;
  const series = useMemo((): TimeSeries[] => {
    const list = slots ?? [];
    const { cheapest, dearest } = cheapestAndDearest(list);
    const currency = list[0]?.currency ?? 'EUR';
    const unit = `${currency}/kWh`;
    const pick = (which: PriceSlot | undefined) => list.map((s) => (s === which ? s.price : null));
    const format = (v: number) => perKWh(v, currency);
    return [
      {
        label: `price (${unit})`,
        color: '--chart-price',
        kind: 'bars',
        scale: 'price',
        format,
        values: list.map((s) => (s === cheapest || s === dearest ? null : s.price)),
      },
      {
        label: `cheapest (${unit})`,
        color: '--chart-cheap',
        kind: 'bars',
        scale: 'price',
        format,
        values: pick(cheapest),
      },
      {
        label: `dearest (${unit})`,
        color: '--chart-dear',
        kind: 'bars',
        scale: 'price',
        format,
        values: pick(dearest),
      },
    ];
  }, [slots]);
  const x = useMemo(() => (slots ?? []).map((s) => s.start), [slots]);
  if (!slots)
    return (
      <Card title="Prices, next 48 hours" wide>
        {error ? <ErrorBanner error={error} /> : <p className="muted">Loading…</p>}
      </Card>
    );
  const { cheapest, dearest } = cheapestAndDearest(slots);
  const currency = slots[0]?.currency ?? 'EUR';
  const first = slots[0];
  return (
    <Card title="Prices, next 48 hours" wide>
      <div data-testid="price-chart" data-slots={slots.length}>
        <TimeChart
          testId="price-timechart"
          label="Electricity price per slot"
          x={x}
          end={slots.at(-1)?.end ?? from}
          series={series}
          axes={[{ scale: 'price', label: `${currency}/kWh` }]}
          timeZone={timeZone}
          xFormat={(ms) => slotLabel(ms, timeZone)}
          now={now}
          dayLines
          empty={
            <p data-testid="price-empty" className="muted">
              No prices for the next 48 hours yet: choose a tariff in the card below (fixed, time-of-use or a day-ahead
              provider), or import a price file with <code>hearth prices import FILE</code>.
            </p>
          }
        />
      </div>
      {first && (
        <div className="stats">
          {cheapest && (
            <p data-testid="price-cheapest">
              Cheapest: {slotLabel(cheapest.start, timeZone)}, {perKWh(cheapest.price, currency)}
            </p>
          )}
          {dearest && (
            <p data-testid="price-dearest">
              Dearest: {slotLabel(dearest.start, timeZone)}, {perKWh(dearest.price, currency)}
            </p>
          )}
          {!cheapest && <p data-testid="price-flat">Every slot costs {perKWh(first.price, currency)}</p>}
          <p className="muted">
            {slots.length} slots of {(first.end - first.start) / 60_000} min, times in {timeZone}
          </p>
        </div>
      )}
    </Card>
  );
}
