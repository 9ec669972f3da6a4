import { useState } from 'react';
import type { LedgerSettings, MarketStatus } from '#contract/index';
import { ledgerSettingsSchema } from '#contract/ledger';
import { api } from '../../api/client.ts';
import { useAction, useCall, useEvent, useSave } from '../../api/hooks.ts';
import { fmtFigureSource, fmtMoney, fmtNumber } from '../../component/format.ts';
import { Card, ErrorBanner, Facts, SaveButton } from '../../component/ui.tsx';
import { FormErrors, TextField, useFormErrors } from '../../component/field.tsx';

/** A figure typed as text, named by its aria-label (the row shows no label). */
function DecimalInput({
  label,
  placeholder,
  value,
  onChange,
}: {
  label: string;
  placeholder: string;
  value: string;
  onChange: (text: string) => void;
}) {
  return (
    <input
      aria-label={label}
      inputMode="decimal"
      placeholder={placeholder}
      value={value}
      onChange={(e) => onChange(e.target.value)}
    />
  );
}

/** One figure entered by hand: the box, a button that uses it, and (for an override) one that clears it. */
function ManualFigure({
  label,
  placeholder,
  use,
  valid,
  send,
  clearable = true,
}: {
  label: string;
  placeholder: string;
  use: string;
  valid: (n: number) => boolean;
  send: (n: number | null) => void;
  clearable?: boolean;
}) {
  const [text, setText] = useState('');
  return (
    <div className="row">
      <DecimalInput label={label} placeholder={placeholder} value={text} onChange={setText} />
      <button type="button" onClick={() => send(Number(text))} disabled={text.trim() === '' || !valid(Number(text))}>
        {use}
      </button>
      {clearable && (
        <button type="button" onClick={() => send(null)}>
          Clear
        </button>
      )}
    </div>
  );
}

export function MarketCard() {
  const pushed = useEvent('market-update');
  const { data, error } = useCall('market-status', {}, [pushed]);
  const st: MarketStatus | undefined = pushed ?? data;
  const override = useAction();
  const send = (args: { btcPrice?: number | null; difficulty?: number | null; feesBtc?: number; poolFee?: number }) =>
    override.run(() => api.send('market-override', args));
  return (
    <Card title="Market data">
      <ErrorBanner error={error ?? override.error} />
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
        send={(btcPrice) => send({ btcPrice })}
      />
      <ManualFigure
        label="Manual difficulty"
        placeholder="Difficulty"
        use="Use this difficulty"
        valid={(n) => n >= 1}
        send={(difficulty) => send({ difficulty })}
      />
      <ManualFigure
        label="Mean fees per block (BTC)"
        placeholder="Fees per block, BTC"
        use="Use these fees"
        valid={(n) => n >= 0}
        send={(feesBtc) => feesBtc !== null && send({ feesBtc })}
        clearable={false}
      />
      <ManualFigure
        label="Pool fee (%)"
        placeholder="Pool fee, %"
        use="Use this pool fee"
        valid={(n) => n >= 0 && n <= 100}
        send={(pct) => pct !== null && send({ poolFee: pct / 100 })}
        clearable={false}
      />
    </Card>
  );
}

/**
 * The bill's fields in order. The amounts stay decimal text, as the ledger keeps them; a currency
 * code is upper-cased as typed.
 */
const CHARGE_FIELDS: {
  key: keyof LedgerSettings;
  label: string;
  testId: string;
  decimal?: boolean;
  upper?: boolean;
}[] = [
  { key: 'currency', label: 'Currency', testId: 'ledger-currency', upper: true },
  { key: 'timeZone', label: 'Time zone', testId: 'ledger-tz' },
  { key: 'standingPerDay', label: 'Standing charge per day', testId: 'ledger-standing', decimal: true },
  { key: 'monthlyFee', label: 'Monthly fee', testId: 'ledger-monthly', decimal: true },
];

export function ChargesCard({ onSaved }: { onSaved: () => void }) {
  const { data, error } = useCall('ledger-settings', {});
  const [draft, setDraft] = useState<LedgerSettings | null>(null);
  const save = useSave();
  const errors = useFormErrors(save.error);
  const s = draft ?? data;
  if (!s) return <ErrorBanner error={error} />;
  const edit = (patch: Partial<LedgerSettings>) => {
    save.edited();
    setDraft({ ...s, ...patch });
  };
  const store = () =>
    save.run(async () => {
      const next = await api.send('ledger-configure', errors.check(ledgerSettingsSchema, s));
      setDraft(next);
      // Mining revenue is booked only when the BTC price is in the ledger's currency: keep them together.
      const market = await api.send('market-status', {});
      if (market.currency !== next.currency) {
        await api.send('market-override', { currency: next.currency });
        // Fetching in the new currency may take a while offline; the market card shows the outcome.
        api.send('market-refresh', {}).catch(() => undefined);
      }
    }, onSaved);
  return (
    <FormErrors value={errors.value}>
      <Card title="Bill and time zone">
        <ErrorBanner error={error ?? save.error} />
        {CHARGE_FIELDS.map((f) => (
          <TextField
            key={f.key}
            label={f.label}
            testId={f.testId}
            field={f.key}
            {...(f.decimal ? { inputMode: 'decimal' as const } : {})}
            value={s[f.key]}
            onChange={(text) => edit({ [f.key]: f.upper ? text.toUpperCase() : text })}
          />
        ))}
        <SaveButton name="ledger" state={save} onClick={store} marker=" saved" markerClass="muted">
          Save
        </SaveButton>
      </Card>
    </FormErrors>
  );
}
