/** The ledger's slots CSV (what `hearth history --import` reads), for seeding a server's data folder. */
export const LEDGER_CSV_HEADER =
  'start_utc,end_utc,device,job,energy_kwh,energy_source,heat_kwh,heat_met_kwh,currency,price_per_kwh,cost,heat_credit,revenue_expected,revenue_credited,training_work,training_value';

const Q = 15 * 60_000;

/** One row per 15-minute slot from `from` to `to` (ms, UTC); `columns` is everything after the two times. */
export function ledgerCsv(from: number, to: number, columns: string): string {
  const lines = [LEDGER_CSV_HEADER];
  for (let t = from; t < to; t += Q)
    lines.push(`${new Date(t).toISOString()},${new Date(t + Q).toISOString()},${columns}`);
  return `${lines.join('\n')}\n`;
}
