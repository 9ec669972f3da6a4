import { useEffect, useState } from 'react';
import { DEFAULT_PLANNER_TIME_LIMIT_SEC } from '#contract/defaults';
import type { PlanLimitSettings } from '#contract/index';
import { planLimitSettingsSchema } from '#contract/scheduler';
import { api } from '../../api/client.ts';
import { useCall, useSave } from '../../api/hooks.ts';
import { Card, ErrorBanner, SaveButton } from '../../component/ui.tsx';
import {
  Check,
  FormErrors,
  NumField,
  NumFields,
  TempField,
  TextFields,
  useFormErrors,
  type NumSpec,
  type TextSpec,
} from '../../component/field.tsx';

const QUIET_FIELDS: TextSpec<PlanLimitSettings['quiet']>[] = [
  { key: 'from', label: 'from', placeholder: '22:00', testId: 'limits-quiet-from' },
  { key: 'to', label: 'to', placeholder: '07:00', testId: 'limits-quiet-to' },
];
const RUN_FIELDS: NumSpec<PlanLimitSettings>[] = [
  { key: 'minRunMin', label: 'Run at least', unit: 'min', testId: 'limits-min-run' },
  { key: 'minPauseMin', label: 'pause at least', unit: 'min', testId: 'limits-min-pause' },
];

/** The planner's limits: total power cap, quiet hours with their own cap, minimum run/pause, temperature limit. */
export function LimitsCard() {
  const { data, error } = useCall('plan-limits-get', {});
  const [form, setForm] = useState<PlanLimitSettings | null>(null);
  const save = useSave();
  const errors = useFormErrors(save.error);
  useEffect(() => {
    if (data && !form) setForm(data);
  }, [data, form]);
  if (!form) return <Card title="Limits">{error ? <ErrorBanner error={error} /> : '…'}</Card>;
  const edit = (f: PlanLimitSettings) => {
    save.edited();
    setForm(f);
  };
  const store = () => save.run(() => api.send('plan-limits-set', errors.check(planLimitSettingsSchema, form)), setForm);
  return (
    <FormErrors value={errors.value}>
      <Card title="Limits">
        <ErrorBanner error={save.error} />
        <div className="presence-form" data-testid="limits-form">
          <p>
            <Check
              checked={form.powerCapW !== null}
              onChange={(on) => edit({ ...form, powerCapW: on ? (data?.powerCapW ?? 500) : null })}
              testId="limits-cap-on"
            >
              Home electrical limit (fuse): all planned devices together, LAN miners and other Hearth nodes included,
              stay at or below
            </Check>{' '}
            {form.powerCapW !== null && (
              <NumField
                label="limit"
                unit="W"
                value={form.powerCapW}
                onChange={(n) => edit({ ...form, powerCapW: n })}
                testId="limits-cap"
                field="powerCapW"
              />
            )}
          </p>
          <p>
            <Check
              checked={form.quiet.enabled}
              onChange={(enabled) => edit({ ...form, quiet: { ...form.quiet, enabled } })}
              testId="limits-quiet-on"
            >
              Quiet hours (this computer&apos;s clock)
            </Check>{' '}
            <TextFields
              fields={QUIET_FIELDS}
              value={form.quiet}
              onChange={(quiet) => edit({ ...form, quiet })}
              at="quiet"
            />{' '}
            <NumField
              label="total power at most"
              unit="W"
              value={form.quiet.capW}
              onChange={(capW) => edit({ ...form, quiet: { ...form.quiet, capW } })}
              testId="limits-quiet-cap"
              field="quiet.capW"
            />
          </p>
          <p>
            <NumFields fields={RUN_FIELDS} value={form} onChange={edit} at="" />{' '}
            <TempField
              label="Stop a device at"
              value={form.maxTempC}
              onChange={(maxTempC) => edit({ ...form, maxTempC })}
              testId="limits-max-temp"
              field="maxTempC"
            />
          </p>
          <p>
            <NumField
              label="Search for the best plan for at most"
              unit="s"
              value={form.timeLimitSec ?? DEFAULT_PLANNER_TIME_LIMIT_SEC}
              onChange={(timeLimitSec) => edit({ ...form, timeLimitSec })}
              testId="limits-time-limit"
              field="timeLimitSec"
            />{' '}
            <span className="muted">past it the plan says how far from the best it may be</span>
          </p>
          <SaveButton name="limits" state={save} onClick={store} marker=" Saved: the plan is being redone.">
            Save limits
          </SaveButton>
        </div>
      </Card>
    </FormErrors>
  );
}
