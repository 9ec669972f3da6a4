import type { MiningEarnings, SetupItem } from '#contract/index';
import { fmtMoney, fmtPricePerKWh, fmtW } from '../../component/format.ts';
import { money } from '../history/figures.ts';
import type { MoneyRow } from '../dashboard/money.ts';
import { Table } from '../../component/ui.tsx';
import { AssumedBadge } from '../setup/Assumed.tsx';

/**
 * "€ X per day at your price" beside the Start button: expected revenue less the electricity at
 * the tariff's current price, labelled an estimate, with what it used. Null where a figure is missing.
 */
export function netPerDay(e: MiningEarnings | undefined): { net: number; currency: string; text: string } | null {
  if (!e || e.moneyPerDay === null || e.energyCostPerDay === null || !e.market) return null;
  const currency = e.market.currency;
  if (e.tariffCurrency !== null && e.tariffCurrency !== currency) return null;
  const price = e.energyKWhPerDay ? e.energyCostPerDay / e.energyKWhPerDay : null;
  const net = e.moneyPerDay - e.energyCostPerDay;
  return {
    net,
    currency,
    text: `revenue ${fmtMoney(e.moneyPerDay, currency)} − electricity ${fmtMoney(e.energyCostPerDay, currency)} (${fmtW(e.powerW)} at ${fmtPricePerKWh(price, currency)}, the price now)`,
  };
}

export function StartEstimate({
  earnings,
  tariff,
}: {
  earnings: MiningEarnings | undefined;
  /** The tariff's setup item: its price may still be a guess. */
  tariff: SetupItem | undefined;
}) {
  const n = netPerDay(earnings);
  return (
    <div className="start-estimate" data-testid="mining-estimate">
      {n ? (
        <>
          <strong>Estimate: {fmtMoney(n.net, n.currency)} per day at your price</strong>
          <div className="muted small">
            {n.text}; the heat it gives is not counted here.
            <AssumedBadge item={tariff} />
          </div>
        </>
      ) : (
        <span className="muted">
          Estimate per day: needs the network difficulty, the BTC price in the tariff’s currency and a tariff price.
        </span>
      )}
    </div>
  );
}

/** Mining revenue the ledger booked over the last 24 h, 7 and 30 days. */
export function MiningLedger({ rows, currency }: { rows: MoneyRow[]; currency: string | null }) {
  if (!currency) return null;
  return (
    <Table
      className="table"
      testId="mining-ledger"
      head={['Period', 'Expected (hash rate)', 'Credited (accepted shares)']}
    >
      {rows
        .filter((r) => r.key !== 'today')
        .map((r) => (
          <tr key={r.key} data-testid={`mining-ledger-${r.key}`}>
            <td>{r.label}</td>
            <td>{r.totals ? fmtMoney(money(r.totals.revenueExpectedNanos), currency) : '—'}</td>
            <td>{r.totals ? fmtMoney(money(r.totals.revenueCreditedNanos), currency) : '—'}</td>
          </tr>
        ))}
    </Table>
  );
}
