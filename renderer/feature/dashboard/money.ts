import type { LedgerTotals } from '#contract/index';
import { useCall, useEvent } from '../../api/hooks.ts';

const KEYS: (keyof LedgerTotals)[] = [
  'energyMilliWh',
  'estimatedMilliWh',
  'heatMilliWh',
  'heatMetMilliWh',
  'costNanos',
  'heatCreditNanos',
  'revenueExpectedNanos',
  'revenueCreditedNanos',
  'trainingWork',
  'trainingValueNanos',
  'standingNanos',
  'monthlyFeeNanos',
  'netNanos',
  'slots',
];

/** Sums of ledger totals (exact integers, so the sum is exact too); null for none. */
export function sumTotals(list: LedgerTotals[]): LedgerTotals | null {
  if (list.length === 0) return null;
  const out = Object.fromEntries(KEYS.map((k) => [k, 0])) as LedgerTotals;
  for (const t of list) for (const k of KEYS) out[k] += t[k];
  return out;
}

export type MoneyRow = {
  key: 'today' | '24h' | '7d' | '30d';
  label: string;
  totals: LedgerTotals | null;
  /** What the row leaves out or how it counts, said beside it. */
  note: string;
};

/**
 * Money from the ledger over today, the last 24 hours, 7 and 30 days. Days are the ledger's local
 * days (7 and 30 include today, with the standing charge); the last 24 hours are whole hours from
 * the hourly buckets of today and yesterday, which carry no fixed charges.
 */
export function useMoney(now: number): {
  currency: string | null;
  timeZone: string | null;
  rows: MoneyRow[];
  error: Error | undefined;
} {
  const booked = useEvent('ledger-slot');
  const tick = Math.floor(now / 600_000);
  const days = useCall('ledger-days', { days: 30 }, [booked, tick]);
  const today = useCall('ledger-period', { kind: 'day' }, [booked, tick]);
  const anchor = today.data?.previousAnchor;
  const yesterday = useCall('ledger-period', anchor ? { kind: 'day', anchor } : { kind: 'day' }, [
    anchor,
    booked,
    tick,
  ]);
  const since = now - 24 * 3_600_000;
  const hours = [
    ...(anchor && yesterday.data?.to !== today.data?.to ? (yesterday.data?.buckets ?? []) : []),
    ...(today.data?.buckets ?? []),
  ].filter((b) => b.start >= since);
  const d = days.data?.days ?? [];
  return {
    currency: days.data?.currency ?? today.data?.currency ?? null,
    timeZone: days.data?.timeZone ?? null,
    error: days.error ?? today.error,
    rows: [
      { key: 'today', label: 'Today', totals: d.at(-1) ?? null, note: 'since local midnight' },
      {
        key: '24h',
        label: 'Last 24 h',
        totals: today.data ? sumTotals(hours) : null,
        note: 'whole hours; no standing charge',
      },
      { key: '7d', label: 'Last 7 days', totals: sumTotals(d.slice(-7)), note: 'local days, today included' },
      { key: '30d', label: 'Last 30 days', totals: sumTotals(d), note: 'local days, today included' },
    ],
  };
}
