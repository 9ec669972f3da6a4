import { useEffect, useState } from 'react';
import type { DeviceScan, DeviceScanHit, DeviceScanInput, LanDevice, LanDeviceKind } from '#contract/index';
import { deviceScanSchema, LAN_DEVICE_KINDS } from '#contract/device';
import { api } from '../../api/client.ts';
import { useAction, useCall, useEvent } from '../../api/hooks.ts';
import { FormErrors, TextField, useFormErrors } from '../../component/field.tsx';
import { NOT_REPORTED } from '../../component/format.ts';
import { Card, ErrorBanner, Table } from '../../component/ui.tsx';
import { KIND_NAMES, type AddPrefill } from './LanDevices.tsx';

type Ports = Record<LanDeviceKind, string>;
const NO_PORTS: Ports = { axeos: '', cgminer: '', braiins: '' };

/** What Scan sends: only the ports typed (the others are each kind's default). */
function inputOf(range: string, ports: Ports): DeviceScanInput {
  const typed = LAN_DEVICE_KINDS.filter((k) => ports[k].trim() !== '').map((k) => [k, Number(ports[k])] as const);
  return { range: range.trim(), ...(typed.length > 0 ? { ports: Object.fromEntries(typed) } : {}) };
}

/** "scanned 11 of 11 addresses, 3 found". */
const progressText = (s: DeviceScan) => `scanned ${s.done} of ${s.total} addresses, ${s.found.length} found`;

/**
 * The scan on request: a range of addresses asked for each kind of device, with progress as it
 * runs, and an Add for each device found. Nothing scans by itself.
 */
export function ScanCard({
  devices,
  onPrefill,
}: {
  devices: LanDevice[] | undefined;
  onPrefill: (p: AddPrefill) => void;
}) {
  const status = useCall('device-scan-status', {});
  const pushed = useEvent('device-scan');
  const [scan, setScan] = useState<DeviceScan | null>(null);
  const [range, setRange] = useState<string | null>(null);
  const [ports, setPorts] = useState<Ports>(NO_PORTS);
  const start = useAction();
  const cancel = useAction();
  const add = useAction();
  const errors = useFormErrors(start.error);
  useEffect(() => {
    if (status.data?.scan) setScan(status.data.scan);
  }, [status.data]);
  useEffect(() => {
    if (pushed) setScan(pushed);
  }, [pushed]);
  // The suggested range fills the box once, unless the person typed first.
  const shownRange = range ?? status.data?.suggestedRange ?? '';
  const running = scan?.state === 'running';
  const added = (h: DeviceScanHit) => h.added || (devices ?? []).some((d) => d.host === h.host && d.port === h.port);
  const addHit = (h: DeviceScanHit) => {
    // A Braiins OS device needs its login: the form takes it from here.
    if (h.kind === 'braiins') onPrefill({ kind: h.kind, host: h.host, port: h.port, nonce: Date.now() });
    else add.run(() => api.send('device-add', { kind: h.kind, host: h.host, port: h.port }));
  };

  return (
    <FormErrors value={errors.value}>
      <Card title="Find devices on the network">
        <p className="muted">
          Asks each address in the range whether a heater-miner answers there (AxeOS on port 80, cgminer on 4028,
          Braiins OS on 80), at most 256 addresses, only when you press Scan.
        </p>
        <ErrorBanner error={start.error ?? cancel.error ?? status.error} />
        <div className="form-row">
          <TextField
            label="Addresses"
            placeholder="192.168.1.0/24"
            value={shownRange}
            onChange={setRange}
            testId="device-scan-range"
            field="range"
          />
        </div>
        {status.data && status.data.suggestedRange === null && range === null && (
          <p className="muted small" data-testid="device-scan-hint">
            Hearth found no private network address on this machine to suggest: enter your network&apos;s range, such as
            192.168.1.0/24 or 192.168.1.10-40.
          </p>
        )}
        <details>
          <summary>Ports other than the defaults</summary>
          <div className="form-row">
            {LAN_DEVICE_KINDS.map((k) => (
              <TextField
                key={k}
                label={`${KIND_NAMES[k]} port`}
                inputMode="numeric"
                value={ports[k]}
                onChange={(p) => setPorts((all) => ({ ...all, [k]: p }))}
                testId={`device-scan-port-${k}`}
                field={`ports.${k}`}
              />
            ))}
          </div>
        </details>
        <div className="form-row">
          <button
            type="button"
            className="primary"
            data-testid="device-scan-start"
            disabled={start.busy || running}
            onClick={() =>
              start.run(
                () => api.send('device-scan', errors.check(deviceScanSchema, inputOf(shownRange, ports))),
                setScan,
              )
            }
          >
            Scan
          </button>
          {running && scan && (
            <button
              type="button"
              data-testid="device-scan-cancel"
              disabled={cancel.busy}
              onClick={() => cancel.run(() => api.send('device-scan-cancel', { id: scan.id }), setScan)}
            >
              Cancel
            </button>
          )}
        </div>
        {scan && (
          <div className="backtest-progress" data-testid="device-scan-state" data-state={scan.state}>
            <progress value={scan.done} max={Math.max(1, scan.total)} aria-label={`Scan of ${scan.range}`} />
            <span data-testid="device-scan-progress">
              {scan.state === 'running' ? '' : scan.state === 'done' ? 'Done: ' : 'Cancelled: '}
              {progressText(scan)} ({scan.range})
            </span>
          </div>
        )}
        <ErrorBanner error={add.error} />
        {scan && scan.found.length > 0 && (
          <Table testId="device-scan-found" head={['Kind', 'Address', 'Model', '']} label="Devices found">
            {scan.found.map((h) => (
              <tr key={`${h.host}:${h.port}`} data-testid={`scan-hit-${h.host}:${h.port}`}>
                <td>{KIND_NAMES[h.kind]}</td>
                <td>{`${h.host}:${h.port}`}</td>
                <td>{h.model ?? NOT_REPORTED}</td>
                <td>
                  {added(h) ? (
                    <span className="muted">added</span>
                  ) : (
                    <button type="button" disabled={add.busy} onClick={() => addHit(h)}>
                      {h.kind === 'braiins' ? 'Add…' : 'Add'}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </Table>
        )}
      </Card>
    </FormErrors>
  );
}
