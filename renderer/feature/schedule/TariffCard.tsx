import { useEffect, useMemo, useState } from 'react';
import type { TariffConfig, TariffSettings, TariffStatus, TimeZone } from '#contract/index';
import { tariffSettingsInputSchema } from '#contract/tariff';
import { api } from '../../api/client.ts';
import { importPriceText, progressText, spanText, type ImportProgress } from './upload.ts';
import { FieldsError, useAction, useCall, useEvent, type FieldIssue } from '../../api/hooks.ts';
import { Card, ErrorBanner, PendingCard, SaveButton } from '../../component/ui.tsx';
import {
  ageOf,
  Check,
  CurrencyField,
  FormErrors,
  NumField,
  Select,
  TestButton,
  TextField,
  useSettingsForm,
} from '../../component/field.tsx';

type Kind = TariffConfig['kind'];

const KINDS: [Kind, string][] = [
  ['fixed', 'Fixed price'],
  ['time-of-use', 'Time of use (zones)'],
  ['csv', 'Imported CSV'],
  ['awattar', 'aWATTar (DE/AT)'],
  ['energi-data-service', 'Energi Data Service (DK)'],
  ['octopus-agile', 'Octopus Agile (UK)'],
  ['entsoe', 'ENTSO-E Transparency'],
  ['tibber', 'Tibber'],
  ['home-assistant', 'Home Assistant price sensor'],
];

/** A starting configuration for each kind, so switching the select gives a form to fill. */
function fresh(kind: Kind, currency: string): TariffConfig {
  switch (kind) {
    case 'fixed':
      return { kind, price: 0.3, currency };
    case 'time-of-use':
      return {
        kind,
        currency,
        defaultPrice: 0.32,
        zones: [{ days: [1, 2, 3, 4, 5], from: '22:00', to: '06:00', price: 0.22 }],
      };
    case 'csv':
      return { kind, currency };
    case 'awattar':
      return { kind, country: 'de' };
    case 'energi-data-service':
      return { kind, area: 'DK1', currency: 'DKK' };
    case 'octopus-agile':
      return { kind, product: 'AGILE-24-10-01', region: 'C' };
    case 'entsoe':
      return { kind, zone: '10YBE----------2', token: '' };
    case 'tibber':
      return { kind, token: '' };
    case 'home-assistant':
      return { kind, url: 'http://homeassistant.local:8123', entityId: '', token: '' };
  }
}

const EVERY_DAY = [1, 2, 3, 4, 5, 6, 7];

/**
 * Weekdays as typed: "1,2,3", "1 2 3" or ranges such as "1-5". A word that is not a day becomes NaN,
 * so the schema names it instead of the form dropping it.
 */
export function parseDays(text: string): number[] {
  return text
    .split(/[,\s]+/)
    .filter(Boolean)
    .flatMap((part) => {
      const range = /^(\d+)\s*[-–]\s*(\d+)$/.exec(part);
      if (!range) return [Number(part)];
      const [from, to] = [Number(range[1]), Number(range[2])];
      return to >= from && to - from < 7 ? Array.from({ length: to - from + 1 }, (_, k) => from + k) : [NaN];
    });
}

/** "1-5", "6,7": the days as a person writes them. */
function daysText(days: number[]): string {
  const runs: string[] = [];
  for (let i = 0; i < days.length;) {
    let j = i;
    while (j + 1 < days.length && days[j + 1] === (days[j] ?? 0) + 1) j++;
    runs.push(j - i >= 2 ? `${days[i]}-${days[j]}` : days.slice(i, j + 1).join(','));
    i = j + 1;
  }
  return runs.join(',');
}

/**
 * The days box keeps what the person types ("1-" on the way to "1-5"); a zone stored without days
 * (every day) shows 1-7, so an emptied box is a zone without days, which is refused.
 */
function DaysField({
  days,
  onChange,
  field,
}: {
  days: number[] | undefined;
  onChange: (d: number[]) => void;
  field: string;
}) {
  const shown = daysText(days ?? EVERY_DAY);
  const [text, setText] = useState(shown);
  useEffect(() => {
    setText((t) => (daysText(parseDays(t)) === shown ? t : shown));
  }, [shown]);
  return (
    <TextField
      label="Days (1 = Mon … 7 = Sun)"
      value={text}
      field={field}
      placeholder="1-5"
      testId={`${field}-input`}
      onChange={(t) => {
        setText(t);
        onChange(parseDays(t));
      }}
    />
  );
}

function ZoneRows({
  zones,
  onChange,
  prefix,
  at,
}: {
  zones: TimeZone[];
  onChange: (z: TimeZone[]) => void;
  prefix: string;
  /** Where the zones are in the settings sent: "tariff.zones" or "charges.zones". */
  at: string;
}) {
  const set = (i: number, patch: Partial<TimeZone>) =>
    onChange(zones.map((z, j) => (j === i ? { ...z, ...patch } : z)));
  return (
    <div data-testid={`${prefix}-zones`}>
      {zones.map((z, i) => (
        <div className="form-row" key={i}>
          <DaysField days={z.days} field={`${at}.${i}.days`} onChange={(days) => set(i, { days })} />
          <TextField
            label="From"
            type="time"
            value={z.from}
            field={`${at}.${i}.from`}
            testId={`${prefix}-zone-${i}-from`}
            onChange={(s) => set(i, { from: s })}
          />
          <TextField
            label="To"
            type="time"
            value={z.to}
            field={`${at}.${i}.to`}
            testId={`${prefix}-zone-${i}-to`}
            onChange={(s) => set(i, { to: s })}
          />
          <NumField
            label="Price"
            unit="per kWh"
            value={z.price}
            field={`${at}.${i}.price`}
            testId={`${prefix}-zone-${i}-price`}
            onChange={(n) => set(i, { price: n })}
          />
          <button type="button" onClick={() => onChange(zones.filter((_, j) => j !== i))}>
            Remove
          </button>
        </div>
      ))}
      <button
        type="button"
        onClick={() => onChange([...zones, { days: EVERY_DAY, from: '00:00', to: '06:00', price: 0 }])}
      >
        Add zone
      </button>
    </div>
  );
}

/**
 * Reads a chosen CSV file in the page and sends it to the core in chunks (ten years of
 * quarter hours is 12 MB), showing the upload's and the import's
 * progress; all rows or none are stored.
 */
function CsvImport() {
  const [result, setResult] = useState<string | null>(null);
  const [progress, setProgress] = useState<ImportProgress | null>(null);
  const load = useAction();
  const [unit, setUnit] = useState<'' | 'per-kwh' | 'per-mwh' | 'cents-per-kwh'>('');
  const onFile = (file: File | undefined) => {
    if (!file) return;
    setResult(null);
    setProgress({ phase: 'upload', rows: 0, percent: 0 });
    load.run(
      async () => {
        try {
          return await importPriceText(await file.text(), unit ? { unit } : {}, setProgress);
        } finally {
          setProgress(null);
        }
      },
      (r) =>
        setResult(
          `${file.name}: ${r.slots.toLocaleString('en')} slots of ${r.resolution} min over ${spanText(r.from, r.to)}, ${r.message}; spot mean ${r.mean.toFixed(5)}, min ${r.min.toFixed(5)}, max ${r.max.toFixed(5)} ${r.currency}/kWh`,
        ),
    );
  };
  return (
    <>
      <div className="form-row">
        <Select
          label="Unit (if the header does not say)"
          value={unit}
          options={[
            ['', 'from the header'],
            ['per-kwh', 'per kWh'],
            ['per-mwh', 'per MWh'],
            ['cents-per-kwh', 'cents per kWh'],
          ]}
          onChange={setUnit}
        />
        <label>
          CSV file (start, price)
          <input
            type="file"
            accept=".csv,text/csv"
            data-testid="csv-file"
            onChange={(e) => onFile(e.target.files?.[0])}
          />
        </label>
      </div>
      {progress && (
        <div className="backtest-progress" data-testid="csv-progress">
          <progress value={progress.percent} max={100} /> {progressText(progress)}
        </div>
      )}
      <ErrorBanner error={load.error} />
      {result && <p data-testid="csv-result">{result}</p>}
      <p className="muted">Or from a shell: `hearth prices import FILE`.</p>
    </>
  );
}

/** A price the person enters per kWh, with the currency it is in beside it. */
function PriceRow({
  label,
  price,
  currency,
  onChange,
  testId,
  field,
}: {
  label: string;
  price: number;
  currency: string;
  onChange: (price: number, currency: string) => void;
  testId?: string;
  field: string;
}) {
  return (
    <div className="form-row">
      <NumField
        label={label}
        unit={`${currency}/kWh`}
        value={price}
        onChange={(p) => onChange(p, currency)}
        testId={testId}
        field={field}
      />
      <CurrencyField value={currency} field="tariff.currency" onChange={(c) => onChange(price, c)} />
    </div>
  );
}

function ProviderFields({ t, set }: { t: TariffConfig; set: (t: TariffConfig) => void }) {
  switch (t.kind) {
    case 'fixed':
      return (
        <PriceRow
          label="Price"
          price={t.price}
          currency={t.currency}
          onChange={(price, currency) => set({ ...t, price, currency })}
          testId="tariff-price"
          field="tariff.price"
        />
      );
    case 'time-of-use':
      return (
        <>
          <PriceRow
            label="Price outside the zones"
            price={t.defaultPrice}
            currency={t.currency}
            onChange={(defaultPrice, currency) => set({ ...t, defaultPrice, currency })}
            testId="tou-default-price"
            field="tariff.defaultPrice"
          />
          <ZoneRows prefix="tou" at="tariff.zones" zones={t.zones} onChange={(zones) => set({ ...t, zones })} />
        </>
      );
    case 'csv':
      return (
        <>
          <div className="form-row">
            <CurrencyField
              value={t.currency}
              field="tariff.currency"
              onChange={(currency) => set({ ...t, currency })}
            />
          </div>
          <CsvImport />
        </>
      );
    case 'awattar':
      return (
        <Select
          label="Country"
          value={t.country}
          options={[
            ['de', 'Germany'],
            ['at', 'Austria'],
          ]}
          onChange={(country) => set({ ...t, country })}
        />
      );
    case 'energi-data-service':
      return (
        <div className="form-row">
          <Select
            label="Price area"
            value={t.area}
            options={[
              ['DK1', 'DK1 (west)'],
              ['DK2', 'DK2 (east)'],
            ]}
            onChange={(area) => set({ ...t, area })}
          />
          <Select
            label="Currency"
            value={t.currency}
            options={[
              ['DKK', 'DKK'],
              ['EUR', 'EUR'],
            ]}
            onChange={(currency) => set({ ...t, currency })}
          />
        </div>
      );
    case 'octopus-agile':
      return (
        <div className="form-row">
          <TextField
            label="Product code"
            value={t.product}
            field="tariff.product"
            onChange={(product) => set({ ...t, product: product.toUpperCase() })}
          />
          <TextField
            label="Region letter (A–P)"
            value={t.region}
            field="tariff.region"
            onChange={(region) => set({ ...t, region: region.toUpperCase() })}
          />
        </div>
      );
    case 'entsoe':
      return (
        <div className="form-row">
          <TextField
            label="Bidding zone (EIC)"
            value={t.zone}
            field="tariff.zone"
            onChange={(zone) => set({ ...t, zone })}
          />
          <TextField
            label="Security token"
            type="password"
            value={t.token}
            onChange={(token) => set({ ...t, token })}
            testId="tariff-token"
            field="tariff.token"
          />
        </div>
      );
    case 'tibber':
      return (
        <div className="form-row">
          <TextField
            label="API token"
            type="password"
            value={t.token}
            onChange={(token) => set({ ...t, token })}
            testId="tariff-token"
            field="tariff.token"
          />
          <TextField
            label="Home id (optional)"
            field="tariff.homeId"
            value={t.homeId ?? ''}
            onChange={(homeId) => set(homeId ? { ...t, homeId } : { kind: 'tibber', token: t.token })}
          />
        </div>
      );
    case 'home-assistant':
      return (
        <>
          <div className="form-row">
            <TextField
              label="Home Assistant URL"
              value={t.url}
              field="tariff.url"
              testId="tariff-ha-url"
              onChange={(url) => set({ ...t, url })}
            />
            <TextField
              label="Price sensor (entity id)"
              value={t.entityId}
              field="tariff.entityId"
              placeholder="sensor.nordpool_kwh_se3_sek_3_10_025"
              testId="tariff-ha-entity"
              onChange={(entityId) => set({ ...t, entityId: entityId.trim() })}
            />
          </div>
          <div className="form-row">
            <TextField
              label="Long-lived access token"
              type="password"
              value={t.token}
              onChange={(token) => set({ ...t, token })}
              testId="tariff-token"
              field="tariff.token"
            />
            <TextField
              label="Attribute with the prices (optional)"
              field="tariff.attribute"
              placeholder="raw_today"
              testId="tariff-ha-attribute"
              value={t.attribute ?? ''}
              onChange={(attribute) => {
                const { attribute: _old, ...rest } = t;
                set(attribute ? { ...rest, attribute } : rest);
              }}
            />
          </div>
          <p className="muted">
            Reads Nord Pool&apos;s raw_today/raw_tomorrow or a Tibber-style today/tomorrow list from the sensor&apos;s
            attributes, in the sensor&apos;s unit (EUR/kWh, c/kWh, öre/kWh, EUR/MWh…). If the sensor already includes
            grid charges and VAT, leave them at 0 below.
          </p>
        </>
      );
  }
}

export function TariffStatusLine({ status, now }: { status: TariffStatus | undefined; now: number }) {
  if (!status) return null;
  const cls =
    status.state === 'ok' ? 'ok' : status.state === 'stale' ? 'warn' : status.state === 'error' ? 'bad' : 'muted';
  return (
    <p data-testid="tariff-status" className={`status ${cls}`}>
      Prices: {status.state}
      {status.fetchedAt !== null && `, fetched ${ageOf(status.fetchedAt, now)}`}
      {status.knownUntil !== null && `, known until ${new Date(status.knownUntil).toLocaleString()}`}
      {status.reason && <span className="reason"> — {status.reason}</span>}
    </p>
  );
}

/** Where the settings hold a price below zero, by path. */
export function negativePrices(s: TariffSettings): string[] {
  const t = s.tariff;
  const prices: [string, number][] = [['charges.perKWh', s.charges.perKWh]];
  if (t.kind === 'fixed') prices.push(['tariff.price', t.price]);
  if (t.kind === 'time-of-use') {
    prices.push(['tariff.defaultPrice', t.defaultPrice]);
    t.zones.forEach((z, i) => prices.push([`tariff.zones.${i}.price`, z.price]));
  }
  (s.charges.zones ?? []).forEach((z, i) => prices.push([`charges.zones.${i}.price`, z.price]));
  return prices.filter(([, p]) => p < 0).map(([path]) => path);
}

const NEGATIVE_OK = 'The negative price is right';

/**
 * Stored zones with an empty days list mean every day, as zones without one do: both show 1-7, so
 * that only a box the person emptied sends an empty list (which the schema refuses).
 */
function everyDayAsAbsent(s: TariffSettings): TariffSettings {
  const fix = (zones: TimeZone[]) => zones.map(({ days, ...z }) => (days && days.length > 0 ? { ...z, days } : z));
  return {
    ...s,
    tariff: s.tariff.kind === 'time-of-use' ? { ...s.tariff, zones: fix(s.tariff.zones) } : s.tariff,
    charges: s.charges.zones ? { ...s.charges, zones: fix(s.charges.zones) } : s.charges,
  };
}

export function TariffCard({ now }: { now: number }) {
  const settings = useCall('tariff-settings', {});
  const update = useEvent('price-update');
  const statusEvent = useEvent('tariff-status');
  const status = useCall('tariff-status', {}, [update, statusEvent]);
  // Negative prices are real (day-ahead markets clear below zero), but in a tariff typed by hand a
  // minus sign is more often a slip, and it makes the planner run everything in that zone: asked once.
  const [negativeOk, setNegativeOk] = useState(false);
  const stored = useMemo(() => settings.data && everyDayAsAbsent(settings.data), [settings.data]);
  const form = useSettingsForm(stored, (draft) => api.send('tariff-configure', draft), settings.reload, {
    schema: tariffSettingsInputSchema,
    before: (d) => {
      const negative = negativePrices(d);
      if (negative.length > 0 && !negativeOk)
        throw new FieldsError(
          negative.map((field): FieldIssue => ({
            field,
            message: `A negative price means your supplier pays you for every kWh you use. If your tariff really does, tick "${NEGATIVE_OK}" and save again.`,
          })),
        );
    },
  });
  const { draft, edit: setDraft, save, store } = form;
  if (!draft) return <PendingCard title="Electricity tariff" error={settings.error} />;

  const currency = 'currency' in draft.tariff ? draft.tariff.currency : 'EUR';
  const hasNegative = negativePrices(draft).length > 0;

  return (
    <FormErrors value={form.errors}>
      <Card title="Electricity tariff" wide>
        <div className="form-row">
          <Select
            label="Tariff"
            field="tariff.kind"
            value={draft.tariff.kind}
            options={KINDS}
            onChange={(k) => setDraft({ ...draft, tariff: fresh(k, currency) })}
            testId="tariff-kind"
          />
          <TextField
            label="Time zone"
            value={draft.timeZone}
            onChange={(timeZone) => setDraft({ ...draft, timeZone })}
            testId="tariff-tz"
            field="timeZone"
          />
        </div>
        <ProviderFields t={draft.tariff} set={(tariff) => setDraft({ ...draft, tariff })} />
        <h3>Charges and tax on spot prices</h3>
        <div className="form-row">
          <NumField
            label="Grid charges"
            unit="per kWh"
            value={draft.charges.perKWh}
            onChange={(perKWh) => setDraft({ ...draft, charges: { ...draft.charges, perKWh } })}
            testId="charges-per-kwh"
            field="charges.perKWh"
          />
          <NumField
            label="Tax / VAT"
            unit="%"
            value={Math.round(draft.charges.tax * 10000) / 100}
            onChange={(pct) => setDraft({ ...draft, charges: { ...draft.charges, tax: pct / 100 } })}
            testId="charges-tax"
            field="charges.tax"
          />
        </div>
        <ZoneRows
          prefix="charges"
          at="charges.zones"
          zones={draft.charges.zones ?? []}
          onChange={(zones) => setDraft({ ...draft, charges: { ...draft.charges, zones } })}
        />
        <p className="muted">
          Price paid = (spot + charges) × (1 + tax). Fixed and time-of-use prices are used as entered.
        </p>
        {hasNegative && (
          <Check checked={negativeOk} onChange={setNegativeOk} testId="tariff-negative-ok">
            {NEGATIVE_OK}: my supplier pays me for power in that zone
          </Check>
        )}
        <ErrorBanner error={save.error} />
        <div className="form-row">
          <SaveButton name="tariff" state={save} onClick={store} primary>
            {save.busy ? 'Checking with the provider…' : 'Save tariff'}
          </SaveButton>
          <TestButton run={() => api.send('tariff-test', draft)} testId="tariff-test" />
        </div>
        <TariffStatusLine status={status.data} now={now} />
      </Card>
    </FormErrors>
  );
}
