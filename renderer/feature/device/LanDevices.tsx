import { useEffect, useMemo, useState } from 'react';
import type { DeviceAddInput, DeviceZone, LanDevice, LanDeviceKind } from '#contract/index';
import { deviceAddSchema, deviceConfigureSchema } from '#contract/device';
import { api } from '../../api/client.ts';
import { useAction, useCall, useEvent, useSave } from '../../api/hooks.ts';
import { FormErrors, NumField, Select, TextField, useFormErrors, useSettingsForm } from '../../component/field.tsx';
import { Card, ErrorBanner, SaveButton } from '../../component/ui.tsx';

/** The kinds as people know the devices behind them. */
export const KIND_NAMES: Record<LanDeviceKind, string> = {
  axeos: 'AxeOS (Bitaxe, NerdQAxe)',
  cgminer: 'cgminer API (Avalon Mini 3, Nano 3)',
  braiins: 'Braiins OS (Antminer)',
};
const KIND_OPTIONS = Object.entries(KIND_NAMES) as [LanDeviceKind, string][];

export const ZONE_NAMES: Record<DeviceZone, string> = {
  home: 'In the home',
  unheated: 'Unheated',
};
/** What the zone means for the plan, said under its select. */
const ZONE_NOTES: Record<DeviceZone, string> = {
  home: 'In the heated space: its heat counts towards what the home needs.',
  unheated:
    'Outside the heated space (a garage, a shed): its heat counts for nothing, so it runs only where mining pays.',
};
const ZONE_OPTIONS = Object.entries(ZONE_NAMES) as [DeviceZone, string][];

/**
 * The LAN devices as the core last pushed them (`device-update`, on every reading and change), or
 * as asked on opening the page, whichever came last; `reload` asks again.
 */
export function useLanDevices(): { devices: LanDevice[] | undefined; error: Error | undefined } {
  const pushed = useEvent('device-update');
  const fetched = useCall('device-list', {});
  const [devices, setDevices] = useState<LanDevice[] | undefined>();
  useEffect(() => {
    if (fetched.data) setDevices(fetched.data);
  }, [fetched.data]);
  useEffect(() => {
    if (pushed) setDevices(pushed);
  }, [pushed]);
  return { devices, error: fetched.error };
}

/** A device found by a scan, handed to the form (a Braiins OS device needs its login typed). */
export type AddPrefill = { kind: LanDeviceKind; host: string; port: number; nonce: number };

type AddDraft = { kind: LanDeviceKind; host: string; port: string; name: string; user: string; password: string };
const EMPTY: AddDraft = { kind: 'axeos', host: '', port: '', name: '', user: '', password: '' };

/** What Add sends: empty optional boxes are left out (the core then uses the kind's port, the model's name). */
function inputOf(d: AddDraft): DeviceAddInput {
  const port = d.port.trim();
  return {
    kind: d.kind,
    host: d.host.trim(),
    ...(port === '' ? {} : { port: Number(port) }),
    ...(d.name.trim() === '' ? {} : { name: d.name.trim() }),
    ...(d.kind === 'braiins' ? { user: d.user.trim() === '' ? 'root' : d.user.trim(), password: d.password } : {}),
  };
}

/** Adds a heater-miner on the LAN: the core asks it first and refuses one that does not answer as its kind. */
export function AddDeviceCard({ prefill }: { prefill: AddPrefill | null }) {
  const [draft, setDraft] = useState<AddDraft>(EMPTY);
  const save = useSave();
  const errors = useFormErrors(save.error);
  useEffect(() => {
    if (prefill) setDraft({ ...EMPTY, kind: prefill.kind, host: prefill.host, port: String(prefill.port) });
  }, [prefill]);
  const edit = (patch: Partial<AddDraft>) => {
    save.edited();
    setDraft((d) => ({ ...d, ...patch }));
  };
  const add = () =>
    save.run(
      () => api.send('device-add', errors.check(deviceAddSchema, inputOf(draft))),
      () => setDraft((d) => ({ ...EMPTY, kind: d.kind })),
    );
  return (
    <FormErrors value={errors.value}>
      <Card title="Add a device on the network">
        <p className="muted">
          A heater-miner on your network (Bitaxe, NerdQAxe, Avalon, an Antminer on Braiins OS). Hearth asks it once
          before adding it, then reads it on its own timer (every 30 s unless device.polling says otherwise).
        </p>
        <ErrorBanner error={save.error} />
        <div className="form-row">
          <Select
            label="Kind"
            value={draft.kind}
            options={KIND_OPTIONS}
            onChange={(kind) => edit({ kind })}
            testId="device-add-kind"
            field="kind"
          />
        </div>
        <div className="form-row">
          <TextField
            label="Address"
            placeholder="192.168.1.50"
            value={draft.host}
            onChange={(host) => edit({ host })}
            testId="device-add-host"
            field="host"
          />
          <TextField
            label="Port (optional)"
            placeholder={draft.kind === 'cgminer' ? '4028' : '80'}
            inputMode="numeric"
            value={draft.port}
            onChange={(port) => edit({ port })}
            testId="device-add-port"
            field="port"
          />
        </div>
        <div className="form-row">
          <TextField
            label="Name (optional)"
            placeholder="the model and address"
            value={draft.name}
            onChange={(name) => edit({ name })}
            testId="device-add-name"
            field="name"
          />
        </div>
        {draft.kind === 'braiins' && (
          <div className="form-row">
            <TextField
              label="User"
              placeholder="root"
              value={draft.user}
              onChange={(user) => edit({ user })}
              testId="device-add-user"
              field="user"
            />
            <TextField
              label="Password (stored sealed)"
              type="password"
              value={draft.password}
              onChange={(password) => edit({ password })}
              testId="device-add-password"
              field="password"
            />
          </div>
        )}
        <SaveButton name="device-add" state={save} onClick={add} marker="Added." primary>
          {save.busy ? 'Asking the device…' : 'Add'}
        </SaveButton>
      </Card>
    </FormErrors>
  );
}

type SettingsDraft = { id: string; name: string; zone: DeviceZone; minRunMin: number; minPauseMin: number };

/** A LAN device's name, zone and minimum run and pause; and its removal, asked twice. */
export function DeviceSettingsCard({ device, onRemoved }: { device: LanDevice; onRemoved: () => void }) {
  const { id, name, zone, minRunMin, minPauseMin } = device;
  // A new copy arrives with every reading: only a change of what the form edits replaces the draft.
  const stored = useMemo(() => ({ id, name, zone, minRunMin, minPauseMin }), [id, name, zone, minRunMin, minPauseMin]);
  const form = useSettingsForm<SettingsDraft, LanDevice>(
    stored,
    (d) => api.send('device-configure', d),
    () => undefined,
    { schema: deviceConfigureSchema },
  );
  const remove = useAction();
  const [confirming, setConfirming] = useState(false);
  useEffect(() => setConfirming(false), [id]);
  const d = form.draft;
  return (
    <FormErrors value={form.errors}>
      <Card title={`Settings of ${device.name}`}>
        <ErrorBanner error={form.save.error ?? remove.error} />
        {d && (
          <>
            <div className="form-row">
              <TextField
                label="Name"
                value={d.name}
                onChange={(n) => form.edit({ ...d, name: n })}
                testId="device-settings-name"
                field="name"
              />
            </div>
            <div className="form-row">
              <Select
                label="Where it stands"
                value={d.zone}
                options={ZONE_OPTIONS}
                onChange={(z) => form.edit({ ...d, zone: z })}
                testId="device-settings-zone"
                field="zone"
              />
            </div>
            <p className="muted small" data-testid="device-settings-zone-note">
              {ZONE_NOTES[d.zone]}
            </p>
            <div className="form-row">
              <NumField
                label="Minimum run"
                unit="min"
                step="1"
                value={d.minRunMin}
                onChange={(n) => form.edit({ ...d, minRunMin: n })}
                testId="device-settings-min-run"
                field="minRunMin"
              />
              <NumField
                label="Minimum pause"
                unit="min"
                step="1"
                value={d.minPauseMin}
                onChange={(n) => form.edit({ ...d, minPauseMin: n })}
                testId="device-settings-min-pause"
                field="minPauseMin"
              />
            </div>
            <p className="muted small">
              Once started it runs at least the minimum run, and once paused it stays paused at least the minimum pause:
              fewer starts are easier on its fans and power supply.
            </p>
            <SaveButton name="device-settings" state={form.save} onClick={form.store}>
              Save
            </SaveButton>
          </>
        )}
        <div className="form-row">
          {confirming ? (
            <>
              <span>Remove {device.name}? Hearth stops reading and planning it; its history stays in the ledger.</span>
              <button
                type="button"
                data-testid="device-remove-confirm"
                disabled={remove.busy}
                onClick={() => remove.run(() => api.send('device-remove', { id }), onRemoved)}
              >
                Remove
              </button>
              <button type="button" data-testid="device-remove-cancel" onClick={() => setConfirming(false)}>
                Keep it
              </button>
            </>
          ) : (
            <button type="button" data-testid="device-remove" onClick={() => setConfirming(true)}>
              Remove…
            </button>
          )}
        </div>
      </Card>
    </FormErrors>
  );
}
