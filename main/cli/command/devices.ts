import {
  LAN_DEVICE_KINDS,
  type DeviceScan,
  type DeviceScanInput,
  type LanDevice,
  type LanDeviceKind,
  type PlanApplied,
} from '#contract/index';
import { deviceAdapters } from '#core/device/adapter/registry';
import { withClient, type Send } from '../client.ts';
import { DATA_DIR_DOC, JSON_DOC, UsageError, flagOptions, textOptions, type Command } from '../command.ts';

/** Where a Braiins OS password comes from: never argv, where other users of the machine could read it. */
export const DEVICE_PASSWORD_ENV = 'HEARTH_DEVICE_PASSWORD';

/** "1.23 TH/s" from hashes per second. */
export function hashRateText(h: number | null): string {
  if (h === null) return '-';
  const units = ['H/s', 'kH/s', 'MH/s', 'GH/s', 'TH/s', 'PH/s'];
  let i = 0;
  let v = h;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(v >= 100 ? 0 : 2)} ${units[i]}`;
}

/**
 * What the running plan has a device doing now ("level 2 (15.0 W)", "paused"), "not planned" when
 * the slot has no decision for it (offline, no levels), null when no plan runs (no Hearth is
 * running on the folder: the command opened it itself and starts nothing).
 */
export function actionText(applied: PlanApplied | null, id: string): string | null {
  if (!applied) return null;
  const d = applied.decisions.find((x) => x.device === `lan:${id}`);
  if (!d) return 'not planned';
  return d.job === null ? 'paused' : `level ${d.level} (${d.powerW.toFixed(1)} W)`;
}

/** Rows as left-aligned columns, two spaces apart (the first row is the header). */
function printColumns(rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows)
    console.log(
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    );
}

function print(list: (LanDevice & { action: string | null })[]): void {
  if (list.length === 0) {
    console.log('No LAN devices. Add one with: hearth devices add axeos 192.168.1.50');
    return;
  }
  const rows = [
    ['ID', 'NAME', 'KIND', 'ADDRESS', 'STATUS', 'POWER', 'HASH RATE', 'TEMP', 'NOW'],
    ...list.map((d) => {
      const t = d.telemetry;
      return [
        d.id,
        d.name,
        d.kind,
        `${d.host}:${d.port}`,
        d.status === 'online' && t?.state === 'paused' ? 'paused' : d.status,
        t?.powerW == null ? '-' : `${t.powerW.toFixed(1)} W${t.powerSource === 'estimated' ? ' (est.)' : ''}`,
        hashRateText(t?.hashRate ?? null),
        t?.tempC == null ? '-' : `${t.tempC.toFixed(1)} °C`,
        d.action ?? '-',
      ];
    }),
  ];
  printColumns(rows);
  for (const d of list) if (d.error) console.log(`${d.id}: ${d.error}`);
  if (list.some((d) => d.action === null))
    console.log('NOW: what the plan has each device doing shows while Hearth runs (hearth serve or the app).');
}

/** "192.168.1.50" or "192.168.1.50:4028". */
export function parseAddress(text: string): { host: string; port?: number } {
  const m = /^([A-Za-z0-9.-]+)(?::(\d+))?$/.exec(text);
  if (!m)
    throw new UsageError(
      `"${text}" is not a device address: give an IPv4 address or a host name, with :PORT if it is not the usual one, like 192.168.1.50:4028`,
    );
  if (m[2] === undefined) return { host: m[1]! };
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new UsageError(`the port in "${text}" must be 1 to 65535`);
  return { host: m[1]!, port };
}

/** The kinds' API ports as typed with --port: "axeos=8080". */
export function parsePorts(texts: string[]): NonNullable<DeviceScanInput['ports']> {
  const ports: NonNullable<DeviceScanInput['ports']> = {};
  for (const t of texts) {
    const m = /^([a-z]+)=(\d{1,5})$/.exec(t.trim());
    if (!m || !(LAN_DEVICE_KINDS as readonly string[]).includes(m[1]!) || Number(m[2]) < 1 || Number(m[2]) > 65535)
      throw new UsageError(
        `--port takes KIND=PORT with KIND one of ${LAN_DEVICE_KINDS.join(', ')} and PORT 1 to 65535, like --port axeos=8080; got "${t}"`,
      );
    ports[m[1] as LanDeviceKind] = Number(m[2]);
  }
  return ports;
}

function printScan(scan: DeviceScan, asked: string): void {
  if (scan.found.length === 0) {
    console.log(
      `No devices found in ${scan.range} (${scan.done} of ${scan.total} addresses asked ${asked}). Check that they ` +
        `are on and on this network, scan another range, or add one by its address: hearth devices add axeos 192.168.1.50`,
    );
    return;
  }
  const rows = [
    ['KIND', 'ADDRESS', 'MODEL', 'ADDED'],
    ...scan.found.map((h) => [h.kind, `${h.host}:${h.port}`, h.model ?? '-', h.added ? 'yes' : 'no']),
  ];
  printColumns(rows);
  const first = scan.found.find((h) => !h.added);
  if (first) console.log(`Add one with: hearth devices add ${first.kind} ${first.host}:${first.port}`);
}

/** How often the scan's progress is asked for and shown, ms. */
const SCAN_POLL_MS = 250;

/**
 * Starts a scan and follows it by asking its status (the same through a running Hearth's HTTP API
 * and a folder opened here, which has no events to follow), with its progress on stderr; the first
 * Ctrl-C cancels it. Exit code 130 when cancelled, as for any command stopped by Ctrl-C.
 */
async function scan(
  send: Send,
  range: string | undefined,
  input: Omit<DeviceScanInput, 'range'>,
  json: boolean,
  stopped: Promise<string>,
): Promise<number> {
  if (range === undefined) {
    const { suggestedRange } = await send('device-scan-status', {});
    if (suggestedRange === null)
      throw new UsageError(
        'this machine has no private IPv4 address (10.x, 172.16-31.x or 192.168.x) to scan around: give a range, like hearth devices scan 192.168.1.0/24',
      );
    range = suggestedRange;
    console.error(`Scanning ${range}, this machine's network (give a range to scan another).`);
  }
  const kinds = input.kinds ?? LAN_DEVICE_KINDS;
  const asked = `for ${kinds.map((k) => `${k} on port ${input.ports?.[k] ?? deviceAdapters[k].defaultPort}`).join(', ')}`;
  let s = await send('device-scan', { range, ...input });
  let interrupted = false;
  void stopped.then(() => (interrupted = true));
  const tty = process.stderr.isTTY;
  let shownTenth = -1;
  const show = (end: boolean) => {
    const line = `scanned ${s.done}/${s.total} addresses, ${s.found.length} found`;
    if (tty) process.stderr.write(`\r${line}\x1b[K${end ? '\n' : ''}`);
    else {
      // In a pipe or a log: a line per tenth, not one per poll.
      const tenth = Math.floor((s.done / s.total) * 10);
      if (tenth > shownTenth || end) process.stderr.write(`${line}\n`);
      shownTenth = tenth;
    }
  };
  while (s.state === 'running') {
    show(false);
    await Promise.race([new Promise((r) => setTimeout(r, SCAN_POLL_MS)), stopped]);
    if (interrupted) {
      s = await send('device-scan-cancel', { id: s.id });
      break;
    }
    const now = (await send('device-scan-status', {})).scan;
    if (now?.id !== s.id) throw new Error(`the scan of ${range} was replaced by another one`);
    s = now;
  }
  show(true);
  if (s.state === 'cancelled') console.error(`Cancelled after ${s.done} of ${s.total} addresses.`);
  if (json) console.log(JSON.stringify(s, null, 2));
  else printScan(s, asked);
  return s.state === 'cancelled' ? 130 : 0;
}

/** `hearth devices`: the LAN heater-miners Hearth reads (AxeOS, cgminer API, Braiins OS): list, add, remove. */
export const devicesCommand: Command = {
  name: 'devices',
  summary:
    'LAN heater-miners (AxeOS, cgminer API, Braiins OS): list with their readings, add by address, remove, scan a range for them',
  usage:
    '[list | add KIND ADDRESS[:PORT] | remove ID | scan [RANGE]] [--name NAME] [--user USER] [--kind KIND]... [--port KIND=PORT]... [--json] [--data-dir DIR]',
  options: {
    ...flagOptions('json'),
    ...textOptions('name', 'user', 'data-dir'),
    kind: { type: 'string', multiple: true },
    port: { type: 'string', multiple: true },
  },
  docs: {
    json: JSON_DOC,
    name: { value: 'NAME', text: 'what the device is called (add)', default: 'its model and address' },
    user: { value: 'USER', text: 'the Braiins OS login (add)', default: 'root' },
    kind: { value: 'KIND', text: 'a kind to look for (scan); repeat for several', default: 'all three' },
    port: {
      value: 'KIND=PORT',
      text: "the port a kind's API listens on (scan), like axeos=8080; repeat for several",
      default: 'axeos=80, cgminer=4028, braiins=80',
    },
    'data-dir': DATA_DIR_DOC,
  },
  examples: [
    'hearth devices',
    'hearth devices add axeos 192.168.1.50 --name "Desk Bitaxe"',
    'hearth devices add cgminer 192.168.1.60:4028',
    'hearth devices add braiins 192.168.1.70 --user root',
    'hearth devices remove 3f9c2a1b',
    'hearth devices scan',
    'hearth devices scan 192.168.1.0/24',
    'hearth devices scan 192.168.1.10-60 --kind cgminer',
  ],
  details:
    `KIND is axeos (Bitaxe, NerdQAxe; port 80), cgminer (Avalon Nano/Mini heaters and other cgminer API miners; ` +
    `port 4028) or braiins (Braiins OS; port 80). Adding asks the device first and refuses an address that does ` +
    `not answer as that kind. A Braiins OS password is read from ${DEVICE_PASSWORD_ENV}, never from the command ` +
    `line, and stored sealed. The list reads every device now; one that does not answer is shown with why. ` +
    `Power is in W, temperature in °C (the hottest the device reports).\n\n` +
    `Scan asks each address of RANGE on each kind's API port whether it is that kind, and lists what answered ` +
    `(KIND, ADDRESS, MODEL, and whether it is added already); it only reads, on those ports, and changes nothing. RANGE is A.B.C.0/24 (a /24 ` +
    `to a /32), A.B.C.D-E, A.B.C.D-A.B.C.E within one /24, or one address: at most 256 addresses. Without RANGE ` +
    `it scans the /24 of this machine's private IPv4 address. At most 32 probes run at once, each for at most ` +
    `1.5 s. Progress goes to stderr; Ctrl-C cancels the scan, lists what it found so far and exits with 130.`,
  allowPositionals: true,
  async run({ values, positionals, stopped }) {
    const [verb = 'list', ...rest] = positionals;
    const json = values['json'] === true;
    const text = (k: string) => (typeof values[k] === 'string' ? values[k] : undefined);
    const many = (k: string) => (Array.isArray(values[k]) ? values[k].map(String) : []);
    if (verb !== 'add' && (text('name') !== undefined || text('user') !== undefined))
      throw new UsageError('--name and --user go with hearth devices add');
    if (verb !== 'scan' && (many('kind').length > 0 || many('port').length > 0))
      throw new UsageError('--kind and --port go with hearth devices scan');
    // Checked before a folder is opened: a typo costs nothing.
    let scanInput: Omit<DeviceScanInput, 'range'> = {};
    if (verb === 'scan') {
      if (rest.length > 1) throw new UsageError('hearth devices scan takes one range, like 192.168.1.0/24');
      const kinds = [...new Set(many('kind'))];
      for (const k of kinds)
        if (!(LAN_DEVICE_KINDS as readonly string[]).includes(k))
          throw new UsageError(`--kind "${k}" is not a device kind: use ${LAN_DEVICE_KINDS.join(', ')}`);
      const ports = parsePorts(many('port'));
      scanInput = {
        ...(kinds.length ? { kinds: kinds as LanDeviceKind[] } : {}),
        ...(Object.keys(ports).length ? { ports } : {}),
      };
    }
    return withClient(values, async ({ send }) => {
      if (verb === 'scan') return scan(send, rest[0], scanInput, json, stopped);
      if (verb === 'list') {
        if (rest.length > 0) throw new UsageError('hearth devices list takes no arguments');
        const devices = await send('device-list', { refresh: true });
        const { applied } = (await send('plan-get', {})) as { applied: PlanApplied | null };
        const list = devices.map((d) => ({ ...d, action: actionText(applied, d.id) }));
        if (json) console.log(JSON.stringify(list, null, 2));
        else print(list);
        return 0;
      }
      if (verb === 'add') {
        const [kind, address, ...more] = rest;
        if (kind === undefined || address === undefined || more.length > 0)
          throw new UsageError(
            'hearth devices add needs a kind and an address, like hearth devices add axeos 192.168.1.50',
          );
        if (!(LAN_DEVICE_KINDS as readonly string[]).includes(kind))
          throw new UsageError(`"${kind}" is not a device kind: use ${LAN_DEVICE_KINDS.join(', ')}`);
        const password = process.env[DEVICE_PASSWORD_ENV];
        const d = await send('device-add', {
          kind: kind as LanDeviceKind,
          ...parseAddress(address),
          ...(text('name') !== undefined ? { name: text('name')! } : {}),
          ...(text('user') !== undefined ? { user: text('user')! } : {}),
          ...(password !== undefined && kind === 'braiins' ? { password } : {}),
        });
        if (json) console.log(JSON.stringify(d, null, 2));
        else console.log(`Added ${d.kind} ${d.host}:${d.port} as "${d.name}" (id ${d.id}).`);
        return 0;
      }
      if (verb === 'remove') {
        const [id, ...more] = rest;
        if (id === undefined || more.length > 0)
          throw new UsageError('hearth devices remove needs one id (hearth devices lists them)');
        await send('device-remove', { id });
        if (json) console.log(JSON.stringify({ removed: id }));
        else console.log(`Removed ${id}.`);
        return 0;
      }
      throw new UsageError(`hearth devices expects list, add KIND ADDRESS, remove ID or scan [RANGE], got "${verb}"`);
    });
  },
};
