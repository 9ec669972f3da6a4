import { useEffect, useMemo, useState } from 'react';
import type { FleetRole, FleetSettings, FleetStatus } from '#contract/index';
import { fleetSettingsSchema } from '#contract/fleet';
import { api } from '../../api/client.ts';
import { useCall, useEvent } from '../../api/hooks.ts';
import { FormErrors, Select, TextField, useSettingsForm } from '../../component/field.tsx';
import { Card, ErrorBanner, SaveButton } from '../../component/ui.tsx';

const ROLES: [FleetRole, string][] = [
  ['off', 'Off: this node plans only itself'],
  ['planner', 'Planner: this node plans every node'],
  ['agent', 'Agent: another node plans this one'],
];

/** One line on where this node stands; `refused` and `disconnected` say why, from the core. */
function statusText(s: FleetStatus): { text: string; tone: 'ok' | 'bad' | 'muted' } {
  const online = s.nodes.filter((n) => n.online).length;
  const others = `${online} other node${online === 1 ? '' : 's'} online`;
  switch (s.state) {
    case 'off':
      return { text: 'Off: this node plans itself and talks to no other node.', tone: 'muted' };
    case 'connecting':
      return { text: 'Connecting to the broker…', tone: 'muted' };
    case 'planning':
      return { text: `Planning as "${s.node}": ${others}.`, tone: 'ok' };
    case 'following':
      return { text: s.message ?? `Following the schedule of "${s.planner ?? 'the planner'}".`, tone: 'ok' };
    case 'idle':
      return {
        text: `Idle: ${s.message ?? `no schedule from "${s.planner ?? 'the planner'}" for now`}.`,
        tone: 'muted',
      };
    case 'refused':
    case 'disconnected':
      return { text: s.message ?? s.state, tone: 'bad' };
  }
}

/**
 * Several Hearth nodes under one plan (docs/fleet.md): which role this node has, over the same
 * MQTT broker as the Home Assistant link. The planning node is chosen here, never elected.
 */
export function FleetCard() {
  const fetched = useCall('fleet-status', {});
  const pushed = useEvent('fleet-status');
  const [status, setStatus] = useState<FleetStatus | undefined>();
  useEffect(() => setStatus(fetched.data), [fetched.data]);
  useEffect(() => {
    if (pushed) setStatus(pushed);
  }, [pushed]);
  // Made once per answer: the form takes a new stored copy as the draft.
  const stored = useMemo<FleetSettings | undefined>(
    () =>
      fetched.data
        ? { role: fetched.data.role, planner: fetched.data.role === 'agent' ? fetched.data.planner : null }
        : undefined,
    [fetched.data],
  );
  const form = useSettingsForm(
    stored,
    (d: FleetSettings) => api.send('fleet-configure', d),
    (s) => setStatus(s),
    { schema: fleetSettingsSchema },
  );
  const d = form.draft;
  const line = status ? statusText(status) : null;
  return (
    <FormErrors value={form.errors}>
      <Card title="Several Hearth nodes">
        <p className="muted">
          Several PCs running Hearth in one home can share one plan over the broker set in Home Assistant (MQTT): the
          planner plans every node&apos;s devices within one electrical limit, each agent runs its part and idles when
          its schedule ends. Choose one planner; a second one is refused.
        </p>
        <ErrorBanner error={fetched.error ?? form.save.error} />
        {line && (
          <p className={`status ${line.tone}`} data-testid="fleet-status" data-state={status?.state} role="status">
            {line.text}
          </p>
        )}
        {status?.override && (
          <p className="muted" data-testid="fleet-override">
            This run of <code>hearth serve</code> was started with <code>--fleet</code>: its role holds until the server
            stops; a role saved here applies from the next start.
          </p>
        )}
        {d && (
          <div className="settings-form">
            <Select
              label="This node's role"
              value={d.role}
              options={ROLES}
              onChange={(role) => form.edit({ role, planner: role === 'agent' ? d.planner : null })}
              testId="fleet-role"
              field="role"
            />
            {d.role === 'agent' && (
              <TextField
                label="The planning node's id (its MQTT node id)"
                value={d.planner ?? ''}
                onChange={(t) => form.edit({ ...d, planner: t.trim() === '' ? null : t.trim() })}
                testId="fleet-planner"
                field="planner"
              />
            )}
            <SaveButton name="fleet" state={form.save} onClick={form.store}>
              Save
            </SaveButton>
          </div>
        )}
      </Card>
    </FormErrors>
  );
}
