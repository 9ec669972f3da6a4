import { useId } from 'react';
import type { RunMode, RunModes, RunModeTarget } from '#contract/index';
import { api } from '../../api/client.ts';
import { useAction } from '../../api/hooks.ts';
import { ErrorBanner } from '../../component/ui.tsx';

const MODES: [RunMode, string, string][] = [
  ['off', 'Off', 'never runs'],
  ['plan', 'Plan', 'the planner decides by price and heat'],
  ['now', 'Now', 'runs now whatever the price, until switched back'],
  ['heat', 'Heat only', 'runs only while the heating needs heat'],
];

export function modeOf(modes: RunModes | undefined, target: RunModeTarget): RunMode {
  if (!modes) return 'plan';
  return ('device' in target ? modes.devices[target.device] : modes.jobs[String(target.job)]) ?? 'plan';
}

/**
 * The segmented mode control (evcc's off / plan / now), a real radio group: one tab stop, arrow
 * keys move between the modes, the choice is announced. Choosing saves at once; the group stays
 * enabled while it saves, since disabling it would drop the keyboard focus mid-choice.
 */
export function ModeSwitch({
  target,
  modes,
  name,
  onChanged,
}: {
  target: RunModeTarget;
  modes: RunModes | undefined;
  /** What the switch is for, as a person reads it ("CPU", "training job 3"). */
  name: string;
  onChanged: (m: RunModes) => void;
}) {
  const id = useId();
  const act = useAction();
  const current = modeOf(modes, target);
  const choose = (mode: RunMode) => act.run(() => api.send('run-mode-set', { target, mode }), onChanged);
  const slug = 'device' in target ? target.device : `job-${target.job}`;
  return (
    <>
      <fieldset className="mode-switch" data-testid={`mode-${slug}`} aria-busy={act.busy}>
        <legend>Mode for {name}</legend>
        {MODES.map(([mode, label, hint]) => (
          <label key={mode} className={mode === current ? 'mode-on' : undefined} title={hint}>
            <input type="radio" name={id} value={mode} checked={mode === current} onChange={() => choose(mode)} />
            {label}
          </label>
        ))}
      </fieldset>
      <p className="muted mode-hint">{MODES.find((m) => m[0] === current)![2]}</p>
      <ErrorBanner error={act.error} />
    </>
  );
}
