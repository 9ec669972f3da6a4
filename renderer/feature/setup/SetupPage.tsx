import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import type { HeatSource, SetupStatus, SetupTopic, TariffConfig } from '#contract/index';
import { DEFAULT_COP } from '#contract/heat-source';
import { api } from '../../api/client.ts';
import { useAction, useCall, type Action } from '../../api/hooks.ts';
import { fmtW } from '../../component/format.ts';
import { ErrorBanner } from '../../component/ui.tsx';
import { importPriceText } from '../schedule/upload.ts';

const STEPS = ['Electricity price', 'Heating', 'Devices', 'What to run'] as const;
const TOPICS: SetupTopic[] = ['tariff', 'heating', 'devices', 'mining'];

/** A number typed in a field, or why it is not one (said at the field). */
function parse(text: string, what: string, min: number, max: number): number | string {
  const n = Number(text.trim().replace(',', '.'));
  if (text.trim() === '' || !Number.isFinite(n)) return `${what}: type a number`;
  if (n < min || n > max) return `${what} must be between ${min} and ${max}`;
  return n;
}

/** A labelled input; `error` is shown under it and marks it invalid. */
function Field({
  label,
  value,
  onChange,
  error,
  type = 'text',
  unit,
  testId,
}: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  error?: string | undefined;
  type?: string;
  unit?: string;
  testId?: string;
}) {
  const id = useId();
  return (
    <div className="setup-field">
      <label htmlFor={id}>
        {label}
        {unit ? ` (${unit})` : ''}
      </label>
      <input
        id={id}
        type={type}
        inputMode={type === 'text' ? 'decimal' : undefined}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-err` : undefined}
        data-testid={testId}
      />
      {error && (
        <div className="field-error" id={`${id}-err`}>
          {error}
        </div>
      )}
    </div>
  );
}

function Choice<T extends string>({
  legend,
  value,
  options,
  onChange,
}: {
  legend: string;
  value: T;
  options: [T, string][];
  onChange: (v: T) => void;
}) {
  const name = useId();
  return (
    <fieldset className="setup-choice">
      <legend>{legend}</legend>
      {options.map(([v, label]) => (
        <label key={v}>
          <input type="radio" name={name} value={v} checked={v === value} onChange={() => onChange(v)} /> {label}
        </label>
      ))}
    </fieldset>
  );
}

/** The step's buttons: keep the guess as it is (while it is one), save and go on, skip the setup. */
function StepButtons({
  act,
  assumed,
  keepLabel,
  onKeep,
  onSave,
  saveLabel = 'Save and continue',
  onSkip,
}: {
  act: Action;
  assumed: boolean;
  keepLabel: string;
  onKeep: () => void;
  onSave: () => void;
  saveLabel?: string;
  onSkip: () => void;
}) {
  return (
    <div className="setup-row setup-buttons">
      <button type="button" className="primary" disabled={act.busy} onClick={onSave} data-testid="setup-save">
        {saveLabel}
      </button>
      {assumed && (
        <button type="button" disabled={act.busy} onClick={onKeep} data-testid="setup-keep">
          {keepLabel}
        </button>
      )}
      <button type="button" className="link" disabled={act.busy} onClick={onSkip} data-testid="setup-skip">
        Skip the setup
      </button>
    </div>
  );
}

type StepProps = {
  status: SetupStatus;
  act: Action;
  next: () => void;
  skip: () => void;
  keep: (topic: SetupTopic) => void;
};

function TariffStep({ status, act, next, skip, keep }: StepProps) {
  const settings = useCall('tariff-settings', {});
  const [kind, setKind] = useState<'fixed' | 'time-of-use' | 'file'>('fixed');
  const [currency, setCurrency] = useState('EUR');
  const [price, setPrice] = useState('0.30');
  const [cheapPrice, setCheapPrice] = useState('0.15');
  const [from, setFrom] = useState('22:00');
  const [to, setTo] = useState('06:00');
  const [file, setFile] = useState<{ name: string; text: string } | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const item = status.items.find((i) => i.topic === 'tariff')!;
  const loaded = useRef(false);
  useEffect(() => {
    const t = settings.data?.tariff;
    if (!t || loaded.current) return;
    loaded.current = true;
    if (t.kind === 'fixed') {
      setPrice(String(t.price));
      setCurrency(t.currency);
    } else if (t.kind === 'csv') {
      setKind('file');
      setCurrency(t.currency);
    } else if (t.kind === 'time-of-use') {
      setKind('time-of-use');
      setCurrency(t.currency);
      setPrice(String(t.defaultPrice));
      const z = t.zones[0];
      if (z) {
        setCheapPrice(String(z.price));
        setFrom(z.from);
        setTo(z.to);
      }
    }
  }, [settings.data]);

  const save = () => {
    const errs: Record<string, string> = {};
    const p = parse(price, kind === 'fixed' ? 'The price' : 'The normal price', 0, 10);
    if (typeof p === 'string' && kind !== 'file') errs['price'] = p;
    const c = parse(cheapPrice, 'The cheap price', 0, 10);
    if (kind === 'time-of-use' && typeof c === 'string') errs['cheap'] = c;
    if (!/^[A-Z]{3}$/.test(currency.trim().toUpperCase()))
      errs['currency'] = 'The currency is a three-letter code, like EUR';
    // Prices imported before stay in use when no new file is chosen.
    const keepFile = kind === 'file' && !file && settings.data?.tariff.kind === 'csv';
    if (kind === 'file' && !file && !keepFile) errs['file'] = 'Choose a price file (CSV with start and price columns)';
    setErrors(errs);
    if (Object.keys(errs).length > 0 || !settings.data) return;
    const cur = currency.trim().toUpperCase();
    act.run(async () => {
      let tariff: TariffConfig;
      if (kind === 'fixed') tariff = { kind: 'fixed', price: p as number, currency: cur };
      else if (kind === 'time-of-use')
        tariff = {
          kind: 'time-of-use',
          currency: cur,
          defaultPrice: p as number,
          zones: [{ days: [0, 1, 2, 3, 4, 5, 6], from, to, price: c as number }],
        };
      else {
        if (file) await importPriceText(file.text, { currency: cur }, () => undefined);
        tariff = { kind: 'csv', currency: cur };
      }
      return api.send('tariff-configure', { ...settings.data!, tariff });
    }, next);
  };
  return (
    <>
      <p>
        What does a kWh of electricity cost you? Hearth plans the work for cheap hours and counts the cost at this
        price. Now in use: <strong>{item.value}</strong>
        {item.assumed && ' (assumed: a default nobody confirmed)'}.
      </p>
      <Choice
        legend="How your electricity is priced"
        value={kind}
        onChange={setKind}
        options={[
          ['fixed', 'One fixed price'],
          ['time-of-use', 'Cheaper hours every day (time of use)'],
          ['file', 'Hourly prices from a file (day-ahead prices)'],
        ]}
      />
      <Field
        label="Currency"
        value={currency}
        onChange={setCurrency}
        error={errors['currency']}
        testId="setup-currency"
      />
      {kind !== 'file' && (
        <Field
          label={kind === 'fixed' ? 'Price' : 'Normal price'}
          unit={`${currency}/kWh`}
          value={price}
          onChange={setPrice}
          error={errors['price']}
          testId="setup-price"
        />
      )}
      {kind === 'time-of-use' && (
        <>
          <Field
            label="Cheap price"
            unit={`${currency}/kWh`}
            value={cheapPrice}
            onChange={setCheapPrice}
            error={errors['cheap']}
            testId="setup-cheap-price"
          />
          <Field label="Cheap from" type="time" value={from} onChange={setFrom} testId="setup-cheap-from" />
          <Field label="Cheap until" type="time" value={to} onChange={setTo} testId="setup-cheap-to" />
          <p className="muted small">
            Every day, in the tariff’s time zone ({settings.data?.timeZone ?? '…'}); a range may pass midnight. Several
            zones or weekdays: the Schedules page.
          </p>
        </>
      )}
      {kind === 'file' && (
        <div className="setup-field">
          <label htmlFor="setup-price-file">Price file (CSV: a start column and a price column, per kWh)</label>
          <input
            id="setup-price-file"
            type="file"
            accept=".csv,text/csv"
            aria-invalid={errors['file'] ? true : undefined}
            onChange={(e) => {
              const f = e.target.files?.[0];
              if (f) void f.text().then((text) => setFile({ name: f.name, text }));
            }}
            data-testid="setup-price-file"
          />
          {errors['file'] && <div className="field-error">{errors['file']}</div>}
          <p className="muted small">
            Providers that publish day-ahead prices (aWATTar, ENTSO-E, Tibber, Octopus …) are set on the{' '}
            <a href="#/schedules">Schedules</a> page.
          </p>
        </div>
      )}
      <StepButtons
        act={act}
        assumed={item.assumed}
        keepLabel={`Keep ${item.value}`}
        onKeep={() => keep('tariff')}
        onSave={save}
        onSkip={skip}
      />
    </>
  );
}

type SourceKind = HeatSource['kind'];
const SOURCES: [SourceKind, string][] = [
  ['gas', 'Gas boiler'],
  ['heat-pump', 'Heat pump'],
  ['resistive', 'Electric heaters'],
  ['oil', 'Oil boiler'],
  ['district', 'District heating'],
  ['none', 'No other heating'],
];

function HeatingStep({ status, act, next, skip, keep }: StepProps) {
  const settings = useCall('heating-settings', {});
  const [kind, setKind] = useState<SourceKind>('gas');
  const [price, setPrice] = useState('0.10');
  const [eff, setEff] = useState('90');
  const [copWarm, setCopWarm] = useState('3.5');
  const [copCold, setCopCold] = useState('2.5');
  const [ua, setUa] = useState('60');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const item = status.items.find((i) => i.topic === 'heating')!;
  const loaded = useRef(false);
  useEffect(() => {
    const h = settings.data;
    if (!h || loaded.current) return;
    loaded.current = true;
    const s = h.heatSource;
    setKind(s.kind);
    if ('pricePerKWh' in s) setPrice(String(s.pricePerKWh));
    if ('efficiency' in s) setEff(String(Math.round(s.efficiency * 100)));
    if (s.kind === 'heat-pump') {
      const warm = s.cop.at(-1);
      const cold = s.cop[0];
      if (warm) setCopWarm(String(warm.cop));
      if (cold) setCopCold(String(cold.cop));
    }
    setUa(String(h.room.heatLossWPerK));
  }, [settings.data]);
  const priced = kind === 'gas' || kind === 'oil' || kind === 'district';
  const save = () => {
    const errs: Record<string, string> = {};
    const p = parse(price, 'The price', 0, 10);
    const e = parse(eff, 'The efficiency', 10, 100);
    const w = parse(copWarm, 'The COP at 7 °C', 0.5, 10);
    const c = parse(copCold, 'The COP at −7 °C', 0.5, 10);
    const u = parse(ua, 'The heat loss', 1, 10_000);
    if (priced && typeof p === 'string') errs['price'] = p;
    if ((kind === 'gas' || kind === 'oil') && typeof e === 'string') errs['eff'] = e;
    if (kind === 'heat-pump' && typeof w === 'string') errs['warm'] = w;
    if (kind === 'heat-pump' && typeof c === 'string') errs['cold'] = c;
    if (typeof u === 'string') errs['ua'] = u;
    setErrors(errs);
    if (Object.keys(errs).length > 0 || !settings.data) return;
    let heatSource: HeatSource;
    if (kind === 'gas' || kind === 'oil')
      heatSource = { kind, pricePerKWh: p as number, efficiency: (e as number) / 100 };
    else if (kind === 'district') heatSource = { kind, pricePerKWh: p as number };
    else if (kind === 'heat-pump')
      heatSource = {
        kind,
        cop: [
          { outdoorC: DEFAULT_COP[0]!.outdoorC, cop: c as number },
          { outdoorC: DEFAULT_COP[1]!.outdoorC, cop: w as number },
        ],
      };
    else heatSource = { kind };
    const h = settings.data;
    act.run(
      () => api.send('heating-configure', { ...h, heatSource, room: { ...h.room, heatLossWPerK: u as number } }),
      next,
    );
  };
  return (
    <>
      <p>
        The PC’s heat replaces heat your heating would have made: Hearth counts it at what that heat costs. Now in use:{' '}
        <strong>{item.value}</strong>
        {item.assumed && ' (assumed: a default nobody confirmed)'}.
      </p>
      <Choice legend="How the room is heated otherwise" value={kind} onChange={setKind} options={SOURCES} />
      {priced && (
        <Field
          label={kind === 'district' ? 'Heat price' : 'Fuel price'}
          unit={`${settings.data?.currency ?? 'EUR'}/kWh`}
          value={price}
          onChange={setPrice}
          error={errors['price']}
          testId="setup-heat-price"
        />
      )}
      {(kind === 'gas' || kind === 'oil') && (
        <Field
          label="Boiler efficiency"
          unit="%"
          value={eff}
          onChange={setEff}
          error={errors['eff']}
          testId="setup-efficiency"
        />
      )}
      {kind === 'heat-pump' && (
        <>
          <Field label="COP at 7 °C outside" value={copWarm} onChange={setCopWarm} error={errors['warm']} />
          <Field label="COP at −7 °C outside" value={copCold} onChange={setCopCold} error={errors['cold']} />
        </>
      )}
      {kind === 'resistive' && (
        <p className="muted small">Electric heat costs the electricity price: the PC’s heat is worth exactly that.</p>
      )}
      <Field
        label="Heat the room loses per kelvin between inside and outside"
        unit="W/K"
        value={ua}
        onChange={setUa}
        error={errors['ua']}
        testId="setup-ua"
      />
      <p className="muted small">
        The weekly setpoints, the season and an indoor sensor are on the <a href="#/schedules">Schedules</a> page.
      </p>
      <StepButtons
        act={act}
        assumed={item.assumed}
        keepLabel={`Keep ${item.value.split(';')[0]}`}
        onKeep={() => keep('heating')}
        onSave={save}
        onSkip={skip}
      />
    </>
  );
}

function DevicesStep({ status, act, next, skip, keep }: StepProps) {
  const hw = useCall('hardware-info', {});
  const item = status.items.find((i) => i.topic === 'devices')!;
  const cpu = hw.data?.cpu;
  return (
    <>
      <p>The devices Hearth found and may run work on:</p>
      <ErrorBanner error={hw.error} />
      {hw.data ? (
        <ul data-testid="setup-devices">
          <li>
            CPU: {cpu!.model} ({cpu!.physicalCores} cores, {cpu!.logicalCores} threads), rated {fmtW(cpu!.ratedPowerW)}{' '}
            {cpu!.ratedPowerSource === 'known-model'
              ? '(from its model)'
              : cpu!.ratedPowerSource === 'user'
                ? '(as you set it)'
                : '(an estimate: 10 W per core)'}
          </li>
          {hw.data.gpus.map((g) => (
            <li key={g.index}>
              GPU {g.index}: {g.model}
              {g.powerLimitW !== null ? `, power limit ${fmtW(g.powerLimitW)}` : ''}
            </li>
          ))}
          {hw.data.gpus.length === 0 && <li>No GPU reported.</li>}
        </ul>
      ) : (
        <p className="muted">Looking at the hardware…</p>
      )}
      <p className="muted small">
        A different rated power or devices described by hand: the <a href="#/devices">Devices</a> page.
      </p>
      <StepButtons
        act={act}
        assumed={false}
        keepLabel=""
        onKeep={() => undefined}
        saveLabel="These are right, continue"
        onSave={() => (item.assumed ? keep('devices') : next())}
        onSkip={skip}
      />
    </>
  );
}

function RunStep({ act, skip, finish }: StepProps & { finish: () => void }) {
  const mining = useCall('mining-settings-get', {});
  const [what, setWhat] = useState<'mining' | 'training' | 'nothing'>('training');
  const [url, setUrl] = useState('');
  const [user, setUser] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const pools = mining.data?.pools ?? [];
  const save = () => {
    if (what === 'mining') {
      const errs: Record<string, string> = {};
      if (pools.length === 0 && !/^stratum\+(tcp|ssl):\/\/.+:\d+$/.test(url.trim()))
        errs['url'] = 'The pool address looks like stratum+tcp://pool.example.com:3333';
      if (pools.length === 0 && user.trim() === '') errs['user'] = 'Give the worker name the pool knows you by';
      setErrors(errs);
      if (Object.keys(errs).length > 0) return;
      act.run(async () => {
        if (pools.length === 0)
          await api.send('mining-settings-set', { pools: [{ url: url.trim(), user: user.trim(), password: 'x' }] });
        return true;
      }, finish);
    } else if (what === 'training') {
      act.run(() => api.send('job-create', { name: 'Built-in language model', spec: { kind: 'train' } }), finish);
    } else finish();
  };
  return (
    <>
      <p>What should the PC do when heat or cheap power makes it worth it?</p>
      <Choice
        legend="What to run"
        value={what}
        onChange={setWhat}
        options={[
          ['training', 'Train the built-in language model (a training job; no download)'],
          ['mining', pools.length > 0 ? `Mine at ${pools[0]!.url}` : 'Mine Bitcoin at a pool'],
          ['nothing', 'Nothing yet'],
        ]}
      />
      {what === 'mining' && pools.length === 0 && (
        <>
          <Field label="Pool address" value={url} onChange={setUrl} error={errors['url']} testId="setup-pool-url" />
          <Field label="Worker name" value={user} onChange={setUser} error={errors['user']} testId="setup-pool-user" />
        </>
      )}
      <p className="muted small">
        Either runs only in slots where the plan finds it worth it; a mode switch per job on the Dashboard changes that.
      </p>
      <StepButtons
        act={act}
        assumed={false}
        keepLabel=""
        onKeep={() => undefined}
        saveLabel="Finish"
        onSave={save}
        onSkip={skip}
      />
    </>
  );
}

function Steps({ at, children }: { at: number; children: ReactNode }) {
  return (
    <>
      <ol className="setup-steps">
        {STEPS.map((s, i) => (
          <li key={s} aria-current={i === at ? 'step' : undefined} className={i < at ? 'done' : undefined}>
            {s}
          </li>
        ))}
      </ol>
      {children}
    </>
  );
}

/**
 * The first-run setup: the price, the heating, the devices and what to run, one step at a time.
 * Every step can be kept as it is (which confirms the guess), saved, or the whole setup skipped;
 * Settings opens it again.
 */
export function SetupPage() {
  const status = useCall('setup-status', {});
  const [step, setStep] = useState(0);
  const act = useAction();
  const heading = useRef<HTMLHeadingElement>(null);
  // The first step keeps the app's own focus (the page's title); later steps announce themselves.
  useEffect(() => {
    if (step > 0) heading.current?.focus();
  }, [step]);
  const next = () => {
    status.reload();
    setStep((s) => Math.min(STEPS.length - 1, s + 1));
  };
  const done = (state: 'completed' | 'skipped') =>
    act.run(
      () => api.send('setup-finish', { state }),
      () => (location.hash = '#/'),
    );
  const keep = (topic: SetupTopic) => act.run(() => api.send('setup-confirm', { topic }), next);
  if (!status.data) return <ErrorBanner error={status.error} />;
  const props: StepProps = { status: status.data, act, next, skip: () => done('skipped'), keep };
  return (
    <div className="setup">
      <section className="card wide" aria-labelledby="setup-step-heading">
        {/* Focus moves here on each step, so a screen reader hears where it is. */}
        <h2 id="setup-step-heading" ref={heading} tabIndex={-1}>
          Step {step + 1} of {STEPS.length}: {STEPS[step]}
        </h2>
        <Steps at={step}>
          {step === 0 && <TariffStep {...props} />}
          {step === 1 && <HeatingStep {...props} />}
          {step === 2 && <DevicesStep {...props} />}
          {step === 3 && <RunStep {...props} finish={() => done('completed')} />}
        </Steps>
        <ErrorBanner error={act.error} />
        {step > 0 && (
          <button type="button" className="link" onClick={() => setStep(step - 1)}>
            Back
          </button>
        )}
      </section>
      <p className="muted small">
        Still guessed:{' '}
        {TOPICS.map((t) => status.data!.items.find((i) => i.topic === t)!)
          .filter((i) => i.assumed)
          .map((i) => `${i.topic} (${i.value})`)
          .join('; ') || 'nothing'}
        .
      </p>
    </div>
  );
}
