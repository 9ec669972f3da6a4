import { useCall, useEvent } from '../../api/hooks.ts';
import { energyUnitFor, fmtEnergy, fmtMoney, fmtNumber, NOT_REPORTED } from '../../component/format.ts';
import { Card, ErrorBanner, Table } from '../../component/ui.tsx';
import { kwh, money } from '../history/figures.ts';

/** Days the history of one device shows, today included. */
const HISTORY_DAYS = 14;

/**
 * One device's last 14 local days from the ledger: energy, heat, shares where the device reports
 * them, and the money, newest day first.
 */
export function DeviceHistory({ device, name }: { device: string; name: string }) {
  const booked = useEvent('ledger-slot');
  const { data, error } = useCall('ledger-device-days', { device, days: HISTORY_DAYS }, [device, booked]);
  // A late answer for the device shown before is not this one's history.
  const shown = data?.device === device ? data : undefined;
  const unit = energyUnitFor((shown?.days ?? []).flatMap((d) => [kwh(d.energyMilliWh), kwh(d.heatMilliWh)]));
  const cur = shown?.currency;
  return (
    <Card title={`${name}: the last ${HISTORY_DAYS} days`} wide>
      <ErrorBanner error={error} />
      {!shown && !error && <p className="muted">Loading…</p>}
      {shown && (
        <Table
          testId="device-history"
          className="history-table"
          head={['Day', 'Energy', 'Heat', 'Shares accepted', 'Cost', 'Revenue (expected)', 'Heat credit', 'Net']}
          foot={
            <tr>
              <td>{HISTORY_DAYS} days</td>
              <td>{fmtEnergy(kwh(shown.total.energyMilliWh), unit)}</td>
              <td>{fmtEnergy(kwh(shown.total.heatMilliWh), unit)}</td>
              <td />
              <td>{fmtMoney(money(shown.total.costNanos), cur)}</td>
              <td>{fmtMoney(money(shown.total.revenueExpectedNanos), cur)}</td>
              <td>{fmtMoney(money(shown.total.heatCreditNanos), cur)}</td>
              <td>{fmtMoney(money(shown.total.netNanos), cur)}</td>
            </tr>
          }
        >
          {[...shown.days].reverse().map((d) => (
            <tr key={d.day} data-day={d.day}>
              <td>{d.day}</td>
              <td data-col="energy">{fmtEnergy(kwh(d.energyMilliWh), unit)}</td>
              <td data-col="heat">{fmtEnergy(kwh(d.heatMilliWh), unit)}</td>
              <td data-col="shares">{d.sharesAccepted === null ? NOT_REPORTED : fmtNumber(d.sharesAccepted, 0)}</td>
              <td data-col="cost">{fmtMoney(money(d.costNanos), cur)}</td>
              <td data-col="revenue">{fmtMoney(money(d.revenueExpectedNanos), cur)}</td>
              <td data-col="heat-credit">{fmtMoney(money(d.heatCreditNanos), cur)}</td>
              <td data-col="net">{fmtMoney(money(d.netNanos), cur)}</td>
            </tr>
          ))}
        </Table>
      )}
    </Card>
  );
}
