import { useEffect, useState } from 'react';
import type { PresenceAction, PresenceSettings } from '#contract/index';
import { api } from '../../api/client.ts';
import { useCall, useEvent } from '../../api/hooks.ts';
import { fmtDuration } from '../../component/format.ts';
import { Card, ErrorBanner, Facts } from '../../component/ui.tsx';

type Rule = { action: PresenceAction; capPct: number };

function RuleFields({ rule, onChange, testId }: { rule: Rule; onChange: (r: Rule) => void; testId: string }) {
  return (
    <>
      <select
        value={rule.action}
        onChange={(e) => onChange({ ...rule, action: e.target.value as PresenceAction })}
        data-testid={`${testId}-action`}
      >
        <option value="pause">pause work</option>
        <option value="cap">cap power</option>
      </select>
      {rule.action === 'cap' && (
        <label>
          {' '}
          at{' '}
          <input
            type="number"
            min={0}
            max={100}
            step={5}
            value={rule.capPct}
            onChange={(e) => onChange({ ...rule, capPct: Number(e.target.value) })}
            data-testid={`${testId}-cap`}
          />{' '}
          % of the device&apos;s maximum
        </label>
      )}
    </>
  );
}

/** Presence rules: pause or cap work while the user is active, a listed program runs, or on battery. */
export function PresenceCard() {
  const changed = useEvent('presence-changed');
  const { data, error, reload } = useCall('presence-get', {}, [changed]);
  const [form, setForm] = useState<PresenceSettings | null>(null);
  const [programs, setPrograms] = useState('');
  const [saveError, setSaveError] = useState<Error | undefined>();
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (data && !form) {
      setForm(data.settings);
      setPrograms(data.settings.programs.names.join('\n'));
    }
  }, [data, form]);
  const save = () => {
    if (!form) return;
    const names = programs
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '');
    api.send('presence-set', { ...form, programs: { ...form.programs, names } }).then(
      (s) => {
        setSaveError(undefined);
        setForm(s.settings);
        setSaved(true);
        reload();
      },
      (e: Error) => {
        setSaved(false);
        setSaveError(e);
      },
    );
  };
  const idle = !data
    ? '…'
    : data.idleAvailable && data.idleSec !== null
      ? `${fmtDuration(data.idleSec * 1000)} since the last input`
      : 'not available (only the desktop app can read it; `hearth serve` cannot)';
  return (
    <Card title="Presence rules">
      <ErrorBanner error={error ?? saveError} />
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
          <p>
            <label>
              <input
                type="checkbox"
                checked={form.userActive.enabled}
                onChange={(e) => setForm({ ...form, userActive: { ...form.userActive, enabled: e.target.checked } })}
                data-testid="presence-user"
              />{' '}
              While I use the computer:
            </label>{' '}
            <RuleFields
              rule={form.userActive}
              onChange={(r) => setForm({ ...form, userActive: { ...form.userActive, ...r } })}
              testId="presence-user"
            />
          </p>
          <p>
            <label>
              Resume after idle for{' '}
              <input
                type="number"
                min={0.5}
                max={720}
                step={0.5}
                value={form.resumeAfterIdleMin}
                onChange={(e) => setForm({ ...form, resumeAfterIdleMin: Number(e.target.value) })}
                data-testid="presence-resume"
              />{' '}
              min
            </label>
          </p>
          <p>
            <label>
              While one of these programs runs (one name per line, e.g. game.exe):
              <br />
              <textarea
                rows={3}
                value={programs}
                onChange={(e) => setPrograms(e.target.value)}
                data-testid="presence-programs"
              />
            </label>
            <br />
            <RuleFields
              rule={form.programs}
              onChange={(r) => setForm({ ...form, programs: { ...form.programs, ...r } })}
              testId="presence-programs"
            />
          </p>
          <p>
            <label>
              <input
                type="checkbox"
                checked={form.battery.enabled}
                onChange={(e) => setForm({ ...form, battery: { ...form.battery, enabled: e.target.checked } })}
                data-testid="presence-battery"
              />{' '}
              On battery:
            </label>{' '}
            <RuleFields
              rule={form.battery}
              onChange={(r) => setForm({ ...form, battery: { ...form.battery, ...r } })}
              testId="presence-battery"
            />
          </p>
          <button onClick={save} data-testid="presence-save">
            Save rules
          </button>
          {saved && <span data-testid="presence-saved"> Saved.</span>}
        </div>
      )}
    </Card>
  );
}
