import { useState } from 'react';
import type { LedgerSettings, MarketStatus } from '#contract/index';
import { api } from '../../api/client.ts';
import { useCall, useEvent } from '../../api/hooks.ts';
import { fmtFigureSource, fmtMoney, fmtNumber } from '../../component/format.ts';
import { Card, ErrorBanner, Facts } from '../../component/ui.tsx';

/** One figure entered by hand: the box, a button that overrides the fetched figure, and one that clears it. */
function ManualFigure({
  label,
  placeholder,
  use,
  valid,
  send,
}: {
  label: string;
  placeholder: string;
  use: string;
  valid: (n: number) => boolean;
  send: (n: number | null) => void;
}) {
  const [text, setText] = useState('');
  return (
    <div className="row">
      <input
        aria-label={label}
        inputMode="decimal"
        placeholder={placeholder}
        value={text}
        onChange={(e) => setText(e.target.value)}
      />
      <button type="button" onClick={() => send(Number(text))} disabled={!valid(Number(text))}>
        {use}
      </button>
      <button type="button" onClick={() => send(null)}>
        Clear
      </button>
    </div>
  );
}

export function MarketCard() {
  const pushed = useEvent('market-update');
  const { data, error } = useCall('market-status', {}, [pushed]);
  const st: MarketStatus | undefined = pushed ?? data;
  const [fees, setFees] = useState('');
  const [poolFeePct, setPoolFeePct] = useState('');
  const [err, setErr] = useState<Error | undefined>();
  const send = async (args: {
    btcPrice?: number | null;
    difficulty?: number | null;
    feesBtc?: number;
    poolFee?: number;
  }) => {
    try {
      setErr(undefined);
      await api.send('market-override', args);
    } catch (e) {
      setErr(e as Error);
    }
  };
  return (
    <Card title="Market data">
      <ErrorBanner error={error ?? err} />
      {st && (
        <Facts
          testId="market-facts"
          rows={[
            ['BTC price', st.btcPrice.value === null ? 'unknown' : fmtMoney(st.btcPrice.value, st.currency)],
            [
              'Price source',
              <span key="p" data-testid="market-price-state">
                {fmtFigureSource(st.btcPrice)}
              </span>,
            ],
            ['Network difficulty', st.difficulty.value === null ? 'unknown' : fmtNumber(st.difficulty.value, 0)],
            ['Difficulty source', fmtFigureSource(st.difficulty)],
            [
              'Block reward counted',
              <span
                key="r"
                data-testid="market-reward"
              >{`${st.subsidyBtc} BTC subsidy + ${st.feesBtc} BTC mean fees, less a ${fmtNumber(st.poolFee * 100, 2)} % pool fee`}</span>,
            ],
          ]}
        />
      )}
      <ManualFigure
        label="Manual BTC price"
        placeholder="BTC price"
        use="Use this price"
        valid={(n) => n > 0}
        send={(btcPrice) => void send({ btcPrice })}
      />
      <ManualFigure
        label="Manual difficulty"
        placeholder="Difficulty"
        use="Use this difficulty"
        valid={(n) => n >= 1}
        send={(difficulty) => void send({ difficulty })}
      />
      <div className="row">
        <input
          aria-label="Mean fees per block (BTC)"
          inputMode="decimal"
          placeholder="Fees per block, BTC"
          value={fees}
          onChange={(e) => setFees(e.target.value)}
        />
        <input
          aria-label="Pool fee (%)"
          inputMode="decimal"
          placeholder="Pool fee, %"
          value={poolFeePct}
          onChange={(e) => setPoolFeePct(e.target.value)}
        />
        <button
          type="button"
          data-testid="market-fees-save"
          disabled={
            (fees === '' || !(Number(fees) >= 0)) &&
            (poolFeePct === '' || !(Number(poolFeePct) >= 0 && Number(poolFeePct) <= 100))
          }
          onClick={() =>
            void send({
              ...(fees !== '' ? { feesBtc: Number(fees) } : {}),
              ...(poolFeePct !== '' ? { poolFee: Number(poolFeePct) / 100 } : {}),
            })
          }
        >
          Use these fees
        </button>
      </div>
    </Card>
  );
}

export function ChargesCard({ onSaved }: { onSaved: () => void }) {
  const { data, error } = useCall('ledger-settings', {});
  const [draft, setDraft] = useState<LedgerSettings | null>(null);
  const [err, setErr] = useState<Error | undefined>();
  const [saved, setSaved] = useState(false);
  const s = draft ?? data;
  if (!s) return <ErrorBanner error={error} />;
  const edit = (patch: Partial<LedgerSettings>) => {
    setSaved(false);
    setDraft({ ...s, ...patch });
  };
  const save = async () => {
    try {
      setErr(undefined);
      const next = await api.send('ledger-configure', s);
      setDraft(next);
      // Mining revenue is booked only when the BTC price is in the ledger's currency: keep them together.
      const market = await api.send('market-status', {});
      if (market.currency !== next.currency) {
        await api.send('market-override', { currency: next.currency });
        // Fetching in the new currency may take a while offline; the market card shows the outcome.
        api.send('market-refresh', {}).catch(() => undefined);
      }
      setSaved(true);
      onSaved();
    } catch (e) {
      setErr(e as Error);
    }
  };
  return (
    <Card title="Bill and time zone">
      <ErrorBanner error={error ?? err} />
      <label>
        Currency{' '}
        <input
          data-testid="ledger-currency"
          value={s.currency}
          onChange={(e) => edit({ currency: e.target.value.toUpperCase() })}
        />
      </label>
      <label>
        Time zone{' '}
        <input data-testid="ledger-tz" value={s.timeZone} onChange={(e) => edit({ timeZone: e.target.value })} />
      </label>
      <label>
        Standing charge per day{' '}
        <input
          data-testid="ledger-standing"
          inputMode="decimal"
          value={s.standingPerDay}
          onChange={(e) => edit({ standingPerDay: e.target.value })}
        />
      </label>
      <label>
        Monthly fee{' '}
        <input
          data-testid="ledger-monthly"
          inputMode="decimal"
          value={s.monthlyFee}
          onChange={(e) => edit({ monthlyFee: e.target.value })}
        />
      </label>
      <button type="button" data-testid="ledger-save" onClick={() => void save()}>
        Save
      </button>
      {saved && <span className="muted"> saved</span>}
    </Card>
  );
}
