import { LAN_DEVICE_KINDS, type LanDevice, type LanDeviceKind } from '#contract/index';
import { withClient } from '../client.ts';
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

function print(list: LanDevice[]): void {
  if (list.length === 0) {
    console.log('No LAN devices. Add one with: hearth devices add axeos 192.168.1.50');
    return;
  }
  const rows = [
    ['ID', 'NAME', 'KIND', 'ADDRESS', 'STATUS', 'POWER', 'HASH RATE', 'TEMP'],
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
      ];
    }),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows)
    console.log(
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    );
  for (const d of list) if (d.error) console.log(`${d.id}: ${d.error}`);
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

/** `hearth devices`: the LAN heater-miners Hearth reads (AxeOS, cgminer API, Braiins OS): list, add, remove. */
export const devicesCommand: Command = {
  name: 'devices',
  summary: 'LAN heater-miners (AxeOS, cgminer API, Braiins OS): list with their readings, add by address, remove',
  usage: '[list | add KIND ADDRESS[:PORT] | remove ID] [--name NAME] [--user USER] [--json] [--data-dir DIR]',
  options: { ...flagOptions('json'), ...textOptions('name', 'user', 'data-dir') },
  docs: {
    json: JSON_DOC,
    name: { value: 'NAME', text: 'what the device is called (add)', default: 'its model and address' },
    user: { value: 'USER', text: 'the Braiins OS login (add)', default: 'root' },
    'data-dir': DATA_DIR_DOC,
  },
  examples: [
    'hearth devices',
    'hearth devices add axeos 192.168.1.50 --name "Desk Bitaxe"',
    'hearth devices add cgminer 192.168.1.60:4028',
    'hearth devices add braiins 192.168.1.70 --user root',
    'hearth devices remove 3f9c2a1b',
  ],
  details:
    `KIND is axeos (Bitaxe, NerdQAxe; port 80), cgminer (Avalon Nano/Mini heaters and other cgminer API miners; ` +
    `port 4028) or braiins (Braiins OS; port 80). Adding asks the device first and refuses an address that does ` +
    `not answer as that kind. A Braiins OS password is read from ${DEVICE_PASSWORD_ENV}, never from the command ` +
    `line, and stored sealed. The list reads every device now; one that does not answer is shown with why. ` +
    `Power is in W, temperature in °C (the hottest the device reports).`,
  allowPositionals: true,
  async run({ values, positionals }) {
    const [verb = 'list', ...rest] = positionals;
    const json = values['json'] === true;
    const text = (k: string) => (typeof values[k] === 'string' ? values[k] : undefined);
    if (verb !== 'add' && (text('name') !== undefined || text('user') !== undefined))
      throw new UsageError('--name and --user go with hearth devices add');
    return withClient(values, async ({ send }) => {
      if (verb === 'list') {
        if (rest.length > 0) throw new UsageError('hearth devices list takes no arguments');
        const list = await send('device-list', { refresh: true });
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
      throw new UsageError(`hearth devices expects list, add KIND ADDRESS or remove ID, got "${verb}"`);
    });
  },
};
