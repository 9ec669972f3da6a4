import { useEffect, useState } from 'react';
import type { PresenceAction, PresenceSettings } from '#contract/index';
import { presenceSettingsSchema } from '#contract/scheduler';
import { api } from '../../api/client.ts';
import { useCall, useEvent, useSave } from '../../api/hooks.ts';
import { fmtDuration } from '../../component/format.ts';
import { Card, ErrorBanner, Facts, SaveButton } from '../../component/ui.tsx';
import { Check, FormErrors, useFieldError, useFormErrors, useNumberText } from '../../component/field.tsx';

type Rule = { action: PresenceAction; capPct: number };

/**
 * A number read between words as one phrase ("at 50 % of …"). The box keeps what is typed; an
 * empty box is NaN, which the schema names, rather than a silent 0.
 */
function NumberInWords({
  before,
  after,
  min,
  max,
  step,
  value,
  onChange,
  testId,
  field,
}: {
  before: string;
  after: string;
  min: number;
  max: number;
  step: number;
  value: number;
  onChange: (n: number) => void;
  testId: string;
  field: string;
}) {
  const [text, onInput] = useNumberText(value, onChange);
  const error = useFieldError(field);
  return (
    <label className={error.invalid ? 'invalid' : undefined}>
      {before}{' '}
      <input
        type="number"
        min={min}
        max={max}
        step={step}
        value={text}
        {...error.props}
        onChange={(e) => onInput(e.target.value)}
        data-testid={testId}
      />{' '}
      {after}
      {error.message}
    </label>
  );
}

function RuleFields({
  rule,
  onChange,
  testId,
  label,
  at,
}: {
  rule: Rule;
  onChange: (r: Rule) => void;
  testId: string;
  label: string;
  /** Where the rule is in the settings sent ("userActive"). */
  at: string;
}) {
  return (
    <>
      <select
        aria-label={`${label} what to do`}
        value={rule.action}
        onChange={(e) => onChange({ ...rule, action: e.target.value as PresenceAction })}
        data-testid={`${testId}-action`}
      >
        <option value="pause">pause work</option>
        <option value="cap">cap power</option>
      </select>
      {rule.action === 'cap' && (
        <NumberInWords
          before=" at"
          after="% of the device's maximum"
          min={0}
          max={100}
          step={5}
          value={rule.capPct}
          onChange={(capPct) => onChange({ ...rule, capPct })}
          testId={`${testId}-cap`}
          field={`${at}.capPct`}
        />
      )}
    </>
  );
}

/** The programs that hold work, one per line; a refused name is shown at the box. */
function ProgramNames({ value, onChange }: { value: string; onChange: (text: string) => void }) {
  const error = useFieldError('programs.names');
  return (
    <label className={error.invalid ? 'invalid' : undefined}>
      While one of these programs runs (one name per line, e.g. game.exe):
      <br />
      <textarea
        rows={3}
        value={value}
        {...error.props}
        onChange={(e) => onChange(e.target.value)}
        data-testid="presence-programs"
      />
      {error.message}
    </label>
  );
}

type Switched = Rule & { enabled: boolean };

/** A rule that is switched on or off (while the user is active, on battery): its checkbox, then what it does. */
function SwitchedRule({
  label,
  rule,
  onChange,
  testId,
  at,
}: {
  label: string;
  rule: Switched;
  onChange: (r: Switched) => void;
  testId: string;
  at: string;
}) {
  return (
    <p>
      <Check checked={rule.enabled} onChange={(enabled) => onChange({ ...rule, enabled })} testId={testId}>
        {label}
      </Check>{' '}
      <RuleFields rule={rule} onChange={(r) => onChange({ ...rule, ...r })} testId={testId} label={label} at={at} />
    </p>
  );
}

/** Presence rules: pause or cap work while the user is active, a listed program runs, or on battery. */
export function PresenceCard() {
  const changed = useEvent('presence-changed');
  const { data, error, reload } = useCall('presence-get', {}, [changed]);
  const [form, setForm] = useState<PresenceSettings | null>(null);
  const [programs, setPrograms] = useState('');
  const save = useSave();
  const errors = useFormErrors(save.error);
  useEffect(() => {
    if (data && !form) {
      setForm(data.settings);
      setPrograms(data.settings.programs.names.join('\n'));
    }
  }, [data, form]);
  const edit = (f: PresenceSettings) => {
    save.edited();
    setForm(f);
  };
  const store = () => {
    if (!form) return;
    const names = programs
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '');
    save.run(
      () =>
        api.send(
          'presence-set',
          errors.check(presenceSettingsSchema, { ...form, programs: { ...form.programs, names } }),
        ),
      (s) => {
        setForm(s.settings);
        reload();
      },
    );
  };
  const idle = !data
    ? '…'
    : data.idleAvailable && data.idleSec !== null
      ? `${fmtDuration(data.idleSec * 1000)} since the last input`
      : 'not available (only the desktop app can read it; `hearth serve` cannot)';
  return (
    <FormErrors value={errors.value}>
      <Card title="Presence rules">
        <ErrorBanner error={error ?? save.error} />
        {data && (
          <Facts
            testId="presence-status"
            rows={[
              ['Idle time', idle],
              ['Listed programs running', data.runningPrograms.length ? data.runningPrograms.join(', ') : 'none'],
              [
                'Power source',
                data.onBattery === null ? 'no battery reported' : data.onBattery ? 'on battery' : 'on mains',
              ],
              [
                'Holding now',
                data.active.length ? data.active.map((r) => r.reason).join('; ') : 'no rule: the plan runs',
              ],
            ]}
          />
        )}
        {form && (
          <div className="presence-form">
            <SwitchedRule
              label="While I use the computer:"
              rule={form.userActive}
              onChange={(userActive) => edit({ ...form, userActive })}
              testId="presence-user"
              at="userActive"
            />
            <p>
              <NumberInWords
                before="Resume after idle for"
                after="min"
                min={0.5}
                max={720}
                step={0.5}
                value={form.resumeAfterIdleMin}
                onChange={(resumeAfterIdleMin) => edit({ ...form, resumeAfterIdleMin })}
                testId="presence-resume"
                field="resumeAfterIdleMin"
              />
            </p>
            <p>
              <ProgramNames
                value={programs}
                onChange={(text) => {
                  save.edited();
                  setPrograms(text);
                }}
              />
              <br />
              <RuleFields
                rule={form.programs}
                onChange={(r) => edit({ ...form, programs: { ...form.programs, ...r } })}
                testId="presence-programs"
                label="While a listed program runs:"
                at="programs"
              />
            </p>
            <SwitchedRule
              label="On battery:"
              rule={form.battery}
              onChange={(battery) => edit({ ...form, battery })}
              testId="presence-battery"
              at="battery"
            />
            <SaveButton name="presence" state={save} onClick={store} marker=" Saved.">
              Save rules
            </SaveButton>
          </div>
        )}
      </Card>
    </FormErrors>
  );
}
