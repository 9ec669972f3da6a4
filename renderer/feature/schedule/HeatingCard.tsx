import { useState } from 'react';
import { DEFAULT_SOURCE_CAPACITY_W, heatSourceOf } from '#contract/heat-source';
import { heatingArgs, heatingSettingsSchema } from '#contract/heating';
import type { HeatingSettings, HeatLossEstimate, HeatSource, IndoorSource, SensorStatus } from '#contract/index';
import { api } from '../../api/client.ts';
import { useAction, useCall, useEvent } from '../../api/hooks.ts';
import { fmtNumber, fmtTemp, fromDisplayTemp, tempUnit } from '../../component/format.ts';
import { Card, ErrorBanner, PendingCard, SaveButton } from '../../component/ui.tsx';
import {
  ageOf,
  CopFields,
  CurrencyField,
  FormErrors,
  HEAT_SOURCE_OPTIONS,
  NumField,
  NumFields,
  Select,
  TempField,
  TestButton,
  TextField,
  TextFields,
  useFormErrors,
  useSettingsForm,
  type NumSpec,
  type TextSpec,
} from '../../component/field.tsx';
import { WeekGrid } from './WeekGrid.tsx';

function freshIndoor(kind: IndoorSource['kind']): IndoorSource {
  switch (kind) {
    case 'manual':
      return { kind };
    case 'home-assistant':
      return { kind, url: 'http://homeassistant.local:8123', token: '', entityId: 'sensor.living_room_temperature' };
    case 'mqtt':
      return { kind, url: 'mqtt://localhost:1883', topic: 'home/living/temperature' };
    case 'http-json':
      return { kind, url: 'http://', jsonPath: 'temperature' };
  }
}

const BOILER_FIELDS: NumSpec<Extract<HeatSource, { kind: 'gas' | 'oil' }>>[] = [
  { key: 'pricePerKWh', label: 'Fuel price', unit: 'per kWh', testId: 'heat-price' },
  { key: 'efficiency', label: 'Boiler efficiency', unit: '0–1' },
];
const DISTRICT_FIELDS: NumSpec<Extract<HeatSource, { kind: 'district' }>>[] = [
  { key: 'pricePerKWh', label: 'Heat price', unit: 'per kWh', testId: 'heat-price' },
];

function HeatSourceFields({ s, set }: { s: HeatSource; set: (s: HeatSource) => void }) {
  switch (s.kind) {
    case 'gas':
    case 'oil':
      return (
        <div className="form-row">
          <NumFields fields={BOILER_FIELDS} value={s} onChange={set} at="heatSource" />
        </div>
      );
    case 'district':
      return <NumFields fields={DISTRICT_FIELDS} value={s} onChange={set} at="heatSource" />;
    case 'heat-pump':
      return (
        <div className="form-row">
          <CopFields s={s} set={set} />
        </div>
      );
    default:
      return (
        <p className="muted">
          {s.kind === 'resistive'
            ? 'Worth the electricity price of each slot.'
            : 'Heat is worth nothing: Hearth runs for earnings only.'}
        </p>
      );
  }
}

/** Most heat the source can deliver: what the thermal mode may ask of it (none: no source, nothing to set). */
function CapacityField({ s, set }: { s: HeatSource; set: (s: HeatSource) => void }) {
  if (s.kind === 'none') return null;
  return (
    <div className="form-row">
      <NumField
        label="Heat source capacity"
        unit="W"
        step="100"
        value={s.capacityW ?? DEFAULT_SOURCE_CAPACITY_W}
        onChange={(capacityW) => set({ ...s, capacityW })}
        testId="heat-capacity"
        field="heatSource.capacityW"
      />
      <span className="muted">The most heat it can deliver; the thermal mode plans within it.</span>
    </div>
  );
}

/** Rounded as the form shows them: a tenth of a W/K, a whole Wh/K. */
const fitted = (e: HeatLossEstimate) => ({
  heatLossWPerK: Math.round((e.heatLossWPerK ?? 0) * 10) / 10,
  capacityWhPerK: Math.round(e.capacityWhPerK ?? 0),
});

/** The heat-loss fit, or why there is none; "Use these values" saves UA and C into the room settings. */
function EstimateResult({
  estimate,
  onUse,
}: {
  estimate: HeatLossEstimate | Error;
  onUse: (room: HeatingSettings['room']) => Promise<void>;
}) {
  const use = useAction();
  const [used, setUsed] = useState(false);
  if (estimate instanceof Error) return <ErrorBanner error={estimate} />;
  if (estimate.heatLossWPerK === null || estimate.capacityWhPerK === null) {
    return (
      <p className="muted" data-testid="heat-loss-estimate-result">
        No fit yet: {estimate.reason ?? 'no estimate'}
      </p>
    );
  }
  const room = fitted(estimate);
  return (
    <div data-testid="heat-loss-estimate-result">
      <p>
        Fitted to {estimate.samples} hour-long spans of logs: heat loss{' '}
        <strong data-testid="fit-ua">{fmtNumber(room.heatLossWPerK, 1)} W/K</strong>, heat capacity{' '}
        <strong data-testid="fit-c">{fmtNumber(room.capacityWhPerK, 0)} Wh/K</strong>; the model follows the readings to{' '}
        <strong data-testid="fit-rmse">±{estimate.rmseC === null ? '?' : fmtNumber(estimate.rmseC, 2)} °C</strong> (RMSE
        {estimate.rmsW !== null ? `; ±${fmtNumber(estimate.rmsW, 0)} W in power` : ''}).
      </p>
      <div className="form-row">
        <button
          type="button"
          data-testid="fit-use"
          onClick={() =>
            use.run(
              () => onUse(room),
              () => setUsed(true),
            )
          }
        >
          Use these values
        </button>
        {used && <span data-testid="fit-used">Saved as the room's heat loss and capacity.</span>}
      </div>
      <ErrorBanner error={use.error} />
    </div>
  );
}

type Indoor<K extends IndoorSource['kind']> = Extract<IndoorSource, { kind: K }>;

const HOME_ASSISTANT_FIELDS: TextSpec<Indoor<'home-assistant'>>[] = [
  { key: 'url', label: 'Home Assistant URL', testId: 'indoor-url' },
  { key: 'token', label: 'Long-lived token', type: 'password' },
  {
    key: 'entityId',
    label: 'Entity id (a temperature sensor, or a climate.* thermostat)',
    placeholder: 'climate.living_room',
  },
];
const MQTT_FIELDS: TextSpec<Indoor<'mqtt'>>[] = [
  { key: 'url', label: 'Broker URL', testId: 'indoor-url', placeholder: 'mqtt://localhost:1883' },
  { key: 'topic', label: 'Topic', testId: 'indoor-topic' },
  { key: 'jsonPath', label: 'JSON path (empty: plain number)', testId: 'indoor-json-path' },
  { key: 'username', label: 'User name (optional)' },
  { key: 'password', label: 'Password (optional)', type: 'password' },
];
const HTTP_JSON_FIELDS: TextSpec<Indoor<'http-json'>>[] = [
  { key: 'url', label: 'URL', testId: 'indoor-url' },
  { key: 'jsonPath', label: 'JSON path' },
];

/** Optional fields left empty are left out: the core reads an absent JSON path as "plain number". */
function withoutEmpty({ jsonPath, username, password, ...s }: Indoor<'mqtt'>): Indoor<'mqtt'> {
  return {
    ...s,
    ...(jsonPath ? { jsonPath } : {}),
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
  };
}

function IndoorFields({ s, set }: { s: IndoorSource; set: (s: IndoorSource) => void }) {
  switch (s.kind) {
    case 'manual':
      return null;
    case 'home-assistant':
      return (
        <div className="form-row">
          <TextFields fields={HOME_ASSISTANT_FIELDS} value={s} onChange={set} at="indoor" />
        </div>
      );
    case 'mqtt':
      return (
        <div className="form-row">
          <TextFields fields={MQTT_FIELDS} value={s} onChange={(n) => set(withoutEmpty(n))} at="indoor" />
        </div>
      );
    case 'http-json':
      return (
        <div className="form-row">
          <TextFields fields={HTTP_JSON_FIELDS} value={s} onChange={set} at="indoor" />
        </div>
      );
  }
}

function SensorLine({
  label,
  status,
  now,
  testId,
}: {
  label: string;
  status: Pick<SensorStatus, 'state' | 'reason' | 'last'> | undefined;
  now: number;
  testId: string;
}) {
  if (!status) return null;
  return (
    <p
      data-testid={testId}
      className={`status ${status.state === 'ok' ? 'ok' : status.state === 'idle' ? 'muted' : status.state === 'stale' ? 'warn' : 'bad'}`}
    >
      {label}: {status.last ? `${fmtTemp(status.last.c)}, ${ageOf(status.last.at, now)}` : 'no reading yet'} (
      {status.state}){status.reason && <span className="reason"> — {status.reason}</span>}
    </p>
  );
}

function ManualReading({ onDone }: { onDone: () => void }) {
  const [c, setC] = useState(NaN);
  const record = useAction();
  const errors = useFormErrors(record.error);
  return (
    <FormErrors value={errors.value}>
      <div className="form-row">
        <NumField
          label="Room temperature now"
          unit={tempUnit()}
          value={c}
          onChange={setC}
          testId="manual-reading"
          field="c"
        />
        <button
          type="button"
          data-testid="manual-reading-save"
          onClick={() =>
            record.run(
              () =>
                api.send('heating-reading', errors.check(heatingArgs['heating-reading'], { c: fromDisplayTemp(c) })),
              onDone,
            )
          }
        >
          Record
        </button>
        <ErrorBanner error={record.error} />
      </div>
    </FormErrors>
  );
}

const ROOM_FIELDS: NumSpec<HeatingSettings['room']>[] = [
  { key: 'heatLossWPerK', label: 'Room heat loss', unit: 'W/K', testId: 'heat-loss' },
  { key: 'capacityWhPerK', label: 'Room heat capacity', unit: 'Wh/K' },
];
const THERMOSTAT_FIELDS: NumSpec<HeatingSettings['thermostat']>[] = [
  { key: 'hysteresisK', label: 'Hysteresis', unit: 'K' },
  { key: 'minOnMin', label: 'Minimum on', unit: 'min', step: '1' },
  { key: 'minOffMin', label: 'Minimum off', unit: 'min', step: '1' },
];

export function HeatingCard({ now }: { now: number }) {
  const settings = useCall('heating-settings', {});
  const reading = useEvent('indoor-reading');
  const sensorEvent = useEvent('heating-sensor');
  const sensors = useCall('heating-sensors', {}, [reading, sensorEvent]);
  const form = useSettingsForm(
    settings.data,
    (draft) => api.send('heating-configure', draft),
    (stored) => {
      form.setDraft(stored);
      sensors.reload();
    },
    { schema: heatingSettingsSchema },
  );
  const { draft, setDraft, save, store } = form;
  const [estimate, setEstimate] = useState<HeatLossEstimate | Error | null>(null);
  if (!draft) return <PendingCard title="Heating" error={settings.error} />;
  const set = (patch: Partial<HeatingSettings>) => form.edit({ ...draft, ...patch });
  const runEstimate = () => {
    api.send('heating-estimate', {}).then(setEstimate, (err: Error) => setEstimate(err));
  };
  // Only UA and C change in the stored settings: other edits in the form stay unsaved, as they were.
  const useFit = async (room: HeatingSettings['room']) => {
    const stored = await api.send('heating-settings', {});
    const next = await api.send('heating-configure', { ...stored, room });
    setDraft((d) => (d ? { ...d, room: next.room } : d));
  };
  const season = draft.season;
  return (
    <FormErrors value={form.errors}>
      <Card title="Heating schedule" wide>
        <div className="form-row">
          <Select
            label="Mode"
            field="mode"
            value={draft.mode}
            options={[
              ['off', 'Off'],
              ['schedule', 'Schedule only'],
              ['thermostat', 'Thermostat (indoor sensor)'],
              ['predictive', 'Predictive (forecast + room model)'],
              ['thermal', 'Thermal (plan the room, pre-heat when cheap)'],
            ]}
            onChange={(mode) => set({ mode })}
            testId="heating-mode"
          />
          <Select
            label="Season"
            value={season.kind}
            options={[
              ['always', 'All year'],
              ['dates', 'Between dates'],
              ['outdoor-below', 'When colder outside than'],
            ]}
            onChange={(kind) =>
              set({
                season:
                  kind === 'dates'
                    ? { kind, from: '10-01', to: '04-30' }
                    : kind === 'outdoor-below'
                      ? { kind, c: 15 }
                      : { kind },
              })
            }
          />
          {season.kind === 'dates' && (
            <>
              <TextField
                label="From (MM-DD)"
                value={season.from}
                field="season.from"
                onChange={(from) => set({ season: { ...season, from } })}
              />
              <TextField
                label="To (MM-DD)"
                value={season.to}
                field="season.to"
                onChange={(to) => set({ season: { ...season, to } })}
              />
            </>
          )}
          {season.kind === 'outdoor-below' && (
            <TempField
              label="Day mean below"
              value={season.c}
              field="season.c"
              onChange={(c) => set({ season: { ...season, c } })}
            />
          )}
        </div>
        {draft.mode === 'thermal' && (
          <p className="muted" data-testid="thermal-hint">
            Each change sets a comfort band: the room stays at least at its target and at most at its upper bound; the
            plan warms it towards the upper bound while power is cheap.
          </p>
        )}
        <WeekGrid
          schedule={draft.schedule}
          onChange={(schedule) => set({ schedule })}
          band={draft.mode === 'thermal'}
        />
        <div className="form-row">
          <NumFields fields={ROOM_FIELDS} value={draft.room} onChange={(room) => set({ room })} at="room" />
          <button type="button" onClick={runEstimate} data-testid="heat-loss-estimate">
            Estimate from logged data
          </button>
          <button
            type="button"
            onClick={() => set({ room: { heatLossWPerK: 200, capacityWhPerK: 10_000 } })}
            data-testid="typical-house"
            title="Without measurements: a typical 120 m² house"
          >
            Typical house (200 W/K, 10,000 Wh/K)
          </button>
          <NumFields
            fields={THERMOSTAT_FIELDS}
            value={draft.thermostat}
            onChange={(thermostat) => set({ thermostat })}
            at="thermostat"
          />
        </div>
        {estimate && <EstimateResult estimate={estimate} onUse={useFit} />}
      </Card>
      <Card title="What heats the home otherwise">
        <div className="form-row">
          <Select
            label="Heat source"
            value={draft.heatSource.kind}
            options={HEAT_SOURCE_OPTIONS}
            onChange={(k) => {
              // The capacity is the house's, not the fuel's: it stays when the kind changes.
              const fresh = heatSourceOf(k);
              const cap = draft.heatSource.kind === 'none' ? undefined : draft.heatSource.capacityW;
              set({ heatSource: fresh.kind === 'none' || cap === undefined ? fresh : { ...fresh, capacityW: cap } });
            }}
            testId="heat-source"
          />
          <CurrencyField value={draft.currency} field="currency" onChange={(currency) => set({ currency })} />
        </div>
        <HeatSourceFields s={draft.heatSource} set={(heatSource) => set({ heatSource })} />
        <CapacityField s={draft.heatSource} set={(heatSource) => set({ heatSource })} />
      </Card>
      <Card title="Temperatures">
        <Select
          label="Indoor temperature from"
          value={draft.indoor.kind}
          options={[
            ['manual', 'Entered by hand'],
            ['home-assistant', 'Home Assistant'],
            ['mqtt', 'MQTT topic'],
            ['http-json', 'HTTP JSON URL'],
          ]}
          onChange={(k) => set({ indoor: freshIndoor(k) })}
          testId="indoor-kind"
        />
        <IndoorFields s={draft.indoor} set={(indoor) => set({ indoor })} />
        {draft.indoor.kind !== 'manual' && (
          <div className="form-row">
            <TestButton run={() => api.send('heating-test-source', { indoor: draft.indoor })} testId="indoor-test" />
          </div>
        )}
        <SensorLine label="Indoor" status={sensors.data?.indoor} now={now} testId="sensor-indoor" />
        {settings.data?.indoor.kind === 'manual' && <ManualReading onDone={() => sensors.reload()} />}
        <div className="form-row">
          <NumField
            label="Latitude"
            field="location.latitude"
            value={draft.location?.latitude ?? NaN}
            onChange={(latitude) =>
              set({
                location:
                  Number.isNaN(latitude) && !draft.location
                    ? null
                    : { latitude, longitude: draft.location?.longitude ?? 0 },
              })
            }
          />
          <NumField
            label="Longitude"
            field="location.longitude"
            value={draft.location?.longitude ?? NaN}
            onChange={(longitude) => set({ location: { latitude: draft.location?.latitude ?? 0, longitude } })}
          />
          <button type="button" onClick={() => set({ location: null })}>
            No forecast
          </button>
          <TempField
            label="Outdoor without forecast"
            field="fallbackOutdoorC"
            value={draft.fallbackOutdoorC}
            onChange={(fallbackOutdoorC) => set({ fallbackOutdoorC })}
          />
        </div>
        <SensorLine label="Outdoor (Open-Meteo)" status={sensors.data?.outdoor} now={now} testId="sensor-outdoor" />
      </Card>
      <Card wide>
        <ErrorBanner error={save.error} />
        <div className="form-row">
          <SaveButton name="heating" state={save} onClick={store} primary>
            Save heating
          </SaveButton>
        </div>
      </Card>
    </FormErrors>
  );
}
