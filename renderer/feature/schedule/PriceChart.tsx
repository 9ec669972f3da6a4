import type { PriceSlot } from '#contract/index';
import { useCall, useEvent } from '../../api/hooks.ts';
import { BarChart, Legend } from '../../component/chart.tsx';
import { Card, ErrorBanner } from '../../component/ui.tsx';
import { slotLabel } from '../../component/field.tsx';

const HOUR = 3_600_000;
const COLORS = { price: '#8a94a6', cheapest: '#2e9d5b', dearest: '#d0453a' };

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

/** The next 48 hours of prices: a bar per slot, the current time as a line, cheapest and dearest in colour. */
export function PriceChart({ now, timeZone }: { now: number; timeZone: string }) {
  const from = Math.floor(now / HOUR) * HOUR;
  const update = useEvent('price-update');
  const { data: slots, error } = useCall('tariff-slots', { from, to: from + 48 * HOUR }, [from, update]);
  if (!slots)
    return (
      <Card title="Prices, next 48 hours" wide>
        {error ? <ErrorBanner error={error} /> : <p className="muted">Loading…</p>}
      </Card>
    );
  const { cheapest, dearest } = cheapestAndDearest(slots);
  const currency = slots[0]?.currency ?? 'EUR';
  const pick = (which: PriceSlot | undefined) => slots.map((s) => (s === which ? s.price : null));
  const rest = slots.map((s) => (s === cheapest || s === dearest ? null : s.price));
  const first = slots[0];
  const marker = first ? (now - first.start) / (first.end - first.start) : undefined;
  return (
    <Card title="Prices, next 48 hours" wide>
      {slots.length === 0 ? (
        <p data-testid="price-empty" className="muted">
          No prices known for the next 48 hours yet.
        </p>
      ) : (
        <>
          <div data-testid="price-chart" data-slots={slots.length}>
            <BarChart
              label="Electricity price per slot"
              unit={`${currency}/kWh`}
              labels={slots.map((s) => slotLabel(s.start, timeZone))}
              series={[
                { name: 'price', color: COLORS.price, values: rest },
                { name: 'cheapest', color: COLORS.cheapest, values: pick(cheapest) },
                { name: 'dearest', color: COLORS.dearest, values: pick(dearest) },
              ]}
              {...(marker !== undefined ? { marker } : {})}
            />
          </div>
          <Legend
            series={[
              { name: 'price', color: COLORS.price },
              { name: 'cheapest', color: COLORS.cheapest },
              { name: 'dearest', color: COLORS.dearest },
            ]}
          />
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
            {!cheapest && first && <p data-testid="price-flat">Every slot costs {perKWh(first.price, currency)}</p>}
            <p className="muted">
              {slots.length} slots of {first ? (first.end - first.start) / 60_000 : 60} min
            </p>
          </div>
        </>
      )}
    </Card>
  );
}
