import { useEffect, useState } from 'react';
import { DEFAULT_PLANNER_TIME_LIMIT_SEC } from '#contract/defaults';
import type { PlanLimitSettings } from '#contract/index';
import { api } from '../../api/client.ts';
import { useCall } from '../../api/hooks.ts';
import { fromDisplayTemp, tempUnit, toDisplayTemp } from '../../component/format.ts';
import { Card, ErrorBanner } from '../../component/ui.tsx';
import { NumField, TextField } from '../schedule/field.tsx';

/** The planner's limits: total power cap, quiet hours with their own cap, minimum run/pause, temperature limit. */
export function LimitsCard() {
  const { data, error } = useCall('plan-limits-get', {});
  const [form, setForm] = useState<PlanLimitSettings | null>(null);
  const [saveError, setSaveError] = useState<Error | undefined>();
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (data && !form) setForm(data);
  }, [data, form]);
  if (!form) return <Card title="Limits">{error ? <ErrorBanner error={error} /> : '…'}</Card>;
  const edit = (f: PlanLimitSettings) => {
    setSaved(false);
    setForm(f);
  };
  const save = () =>
    api.send('plan-limits-set', form).then(
      (l) => {
        setSaveError(undefined);
        setForm(l);
        setSaved(true);
      },
      (e: Error) => setSaveError(e),
    );
  return (
    <Card title="Limits">
      <ErrorBanner error={saveError} />
      <div className="presence-form" data-testid="limits-form">
        <p>
          <label>
            <input
              type="checkbox"
              checked={form.powerCapW !== null}
              onChange={(e) => edit({ ...form, powerCapW: e.target.checked ? (data?.powerCapW ?? 500) : null })}
              data-testid="limits-cap-on"
            />{' '}
            Cap the total power of all devices
          </label>{' '}
          {form.powerCapW !== null && (
            <NumField
              label="at"
              unit="W"
              value={form.powerCapW}
              onChange={(n) => edit({ ...form, powerCapW: n })}
              testId="limits-cap"
            />
          )}
        </p>
        <p>
          <label>
            <input
              type="checkbox"
              checked={form.quiet.enabled}
              onChange={(e) => edit({ ...form, quiet: { ...form.quiet, enabled: e.target.checked } })}
              data-testid="limits-quiet-on"
            />{' '}
            Quiet hours (this computer&apos;s clock)
          </label>{' '}
          <TextField
            label="from"
            value={form.quiet.from}
            onChange={(from) => edit({ ...form, quiet: { ...form.quiet, from } })}
            placeholder="22:00"
            testId="limits-quiet-from"
          />{' '}
          <TextField
            label="to"
            value={form.quiet.to}
            onChange={(to) => edit({ ...form, quiet: { ...form.quiet, to } })}
            placeholder="07:00"
            testId="limits-quiet-to"
          />{' '}
          <NumField
            label="total power at most"
            unit="W"
            value={form.quiet.capW}
            onChange={(capW) => edit({ ...form, quiet: { ...form.quiet, capW } })}
            testId="limits-quiet-cap"
          />
        </p>
        <p>
          <NumField
            label="Run at least"
            unit="min"
            value={form.minRunMin}
            onChange={(minRunMin) => edit({ ...form, minRunMin })}
            testId="limits-min-run"
          />{' '}
          <NumField
            label="pause at least"
            unit="min"
            value={form.minPauseMin}
            onChange={(minPauseMin) => edit({ ...form, minPauseMin })}
            testId="limits-min-pause"
          />{' '}
          <NumField
            label="Stop a device at"
            unit={tempUnit()}
            value={toDisplayTemp(form.maxTempC)}
            onChange={(t) => edit({ ...form, maxTempC: fromDisplayTemp(t) })}
            testId="limits-max-temp"
          />
        </p>
        <p>
          <NumField
            label="Search for the best plan for at most"
            unit="s"
            value={form.timeLimitSec ?? DEFAULT_PLANNER_TIME_LIMIT_SEC}
            onChange={(timeLimitSec) => edit({ ...form, timeLimitSec })}
            testId="limits-time-limit"
          />{' '}
          <span className="muted">past it the plan says how far from the best it may be</span>
        </p>
        <button onClick={() => void save()} data-testid="limits-save">
          Save limits
        </button>
        {saved && <span data-testid="limits-saved"> Saved: the plan is being redone.</span>}
      </div>
    </Card>
  );
}
