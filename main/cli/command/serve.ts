import os from 'node:os';
import path from 'node:path';
import { mqttUrlSchema } from '#contract/home';
import { fleetSettingsSchema, type FleetSettings } from '#contract/index';
import { InstanceLockedError } from '#core/instance-lock';
import { updateServerToken } from '#transport/discovery';
import { parseAllowedHost } from '#transport/http';
import { rotateToken, TOKEN_FILE } from '#transport/token';
import { isLoopback, startServer, type ServeOptions } from '../../server/serve.ts';
import { dataDirOf } from '../client.ts';
import { DATA_DIR_DOC, flagOptions, numberOption, UsageError, type Command, textOptions } from '../command.ts';

export const DEFAULT_PORT = 7420;
/**
 * After every part stopped, the process leaves at the latest this long after: a stray handle (a
 * child's pipe, a timer) must not keep a stopped server alive.
 */
const EXIT_AFTER_STOP_MS = 500;

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Run Hearth headless and serve its page to a browser (127.0.0.1 only unless --host says otherwise)',
  usage:
    '[--port N] [--host ADDRESS] [--allowed-host NAME]... [--tls | --tls-cert FILE --tls-key FILE] [--mqtt URL] [--fleet planner|agent:NODE|off] [--data-dir DIR] | --rotate-token',
  options: {
    ...textOptions('port', 'host', 'tls-cert', 'tls-key', 'mqtt', 'fleet', 'data-dir'),
    'allowed-host': { type: 'string', multiple: true },
    ...flagOptions('tls', 'rotate-token'),
  },
  docs: {
    port: { value: 'N', text: 'the port to listen on (0: any free port)', default: '7420' },
    host: {
      value: 'ADDRESS',
      text: 'the address to bind; anything but loopback is reachable from other machines and is served over HTTPS',
      default: '127.0.0.1',
    },
    'allowed-host': {
      value: 'NAME',
      text: 'another name (or NAME:PORT) the browser may use in the address, like heater.local; repeat for each',
    },
    tls: { text: 'serve HTTPS with a self-signed certificate also on loopback (beyond loopback it is on anyway)' },
    'tls-cert': { value: 'FILE', text: 'serve HTTPS with this PEM certificate (with --tls-key)' },
    'tls-key': { value: 'FILE', text: 'the PEM private key of --tls-cert' },
    mqtt: {
      value: 'URL',
      text: 'connect to this MQTT broker (mqtt://host:1883, mqtts://…) for this run, winning over the stored one: Home Assistant discovery, state, commands, the plan. User name and password from HEARTH_MQTT_USERNAME and HEARTH_MQTT_PASSWORD or the settings, never the command line',
    },
    fleet: {
      value: 'ROLE',
      text: "this node's role among several Hearth nodes for this run, winning over the stored one: planner (plans every agent too), agent:NODE (runs the schedule the planning node NODE sends) or off. They talk over the MQTT broker of --mqtt or the settings (docs/fleet.md)",
    },
    'rotate-token': {
      text: 'replace the access token kept in the data folder and exit; a running server refuses the old one at once',
    },
    'data-dir': DATA_DIR_DOC,
  },
  examples: [
    'hearth serve --port 7420',
    'hearth serve --host 0.0.0.0 --allowed-host heater.local',
    'hearth serve --rotate-token',
    'hearth serve --mqtt mqtt://homeassistant.local:1883',
    'hearth serve --mqtt mqtt://homeassistant.local:1883 --fleet agent:den',
  ],
  details:
    'The access token is kept in the data folder (access-token, readable by you only), so a bookmarked address ' +
    'keeps working after a restart. Beyond loopback, Hearth serves HTTPS with the certificate you give, or one it ' +
    'signs itself on first start and keeps in the data folder; compare the fingerprint it prints with the one ' +
    'your browser shows before you accept it. One Hearth runs on a data folder at a time.',
  async run({ values, stopped }) {
    const dataDir = dataDirOf(values);
    if (values['rotate-token'] === true) {
      const token = rotateToken(dataDir);
      const told = updateServerToken(dataDir, token);
      console.log(`New access token stored in ${path.join(dataDir, TOKEN_FILE)}:`);
      console.log(token);
      console.log(
        told
          ? 'The running `hearth serve` on this folder refuses the old token from now on and closes the pages that used it; open Hearth with ?token=<the new token>.'
          : 'The next `hearth serve` on this folder uses it: open Hearth with ?token=<the new token>.',
      );
      return 0;
    }
    const port = numberOption(values['port'], 'port', { min: 0, max: 65535 }) ?? DEFAULT_PORT;
    const host = typeof values['host'] === 'string' ? values['host'] : '127.0.0.1';
    if (host.trim() === '') throw new UsageError('--host expects an address such as 127.0.0.1');
    const allowedHosts = (values['allowed-host'] as string[] | undefined) ?? [];
    for (const a of allowedHosts) {
      try {
        parseAllowedHost(a);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
    }
    const certFile = values['tls-cert'];
    const keyFile = values['tls-key'];
    if ((typeof certFile === 'string') !== (typeof keyFile === 'string'))
      throw new UsageError('--tls-cert and --tls-key go together: give both files, or neither');
    const tls: ServeOptions['tls'] =
      typeof certFile === 'string' && typeof keyFile === 'string'
        ? { certFile: path.resolve(certFile), keyFile: path.resolve(keyFile) }
        : values['tls'] === true
          ? 'self-signed'
          : undefined;

    const mqtt = mqttOption(values['mqtt']);
    const fleet = fleetOption(values['fleet']);

    let server;
    try {
      server = await startServer({
        dataDir,
        host,
        port,
        allowedHosts,
        ...(tls !== undefined ? { tls } : {}),
        ...(mqtt ? { mqtt } : {}),
        ...(fleet ? { fleet } : {}),
      });
    } catch (err) {
      if (err instanceof InstanceLockedError) throw new UsageError(err.message);
      throw err;
    }
    console.log(`Hearth is running. Open ${server.url}`);
    if (server.tls) {
      console.log(
        `TLS certificate SHA-256 fingerprint: ${server.tls.fingerprint} (${server.tls.generated ? 'self-signed, kept in ' : ''}${server.tls.certFile})`,
      );
    }
    const scheme = server.tls ? 'https' : 'http';
    const wildcard = host === '0.0.0.0' || host === '::';
    const bracketed = (h: string) => (h.includes(':') ? `[${h}]` : h);
    const others = [
      ...(wildcard ? lanAddresses(host === '::').map((a) => `${bracketed(a)}:${server.http.port}`) : []),
      ...allowedHosts.map((a) => parseAllowedHost(a)).map((a) => `${a.name}:${a.port ?? server.http.port}`),
    ];
    for (const h of others) console.log(`  also at ${scheme}://${h}/`);
    if (mqtt) console.log(`MQTT: connecting to ${mqtt.url} (Home Assistant discovery, state, commands, the plan)`);
    if (fleet && fleet.role !== 'off')
      console.log(
        `Fleet: ${fleet.role === 'planner' ? 'planning this node and its agents' : `an agent of ${fleet.planner}`} over the MQTT broker`,
      );
    console.log(`data: ${dataDir}`);
    if (!isLoopback(host)) {
      console.log(
        `warning: listening on ${host}, reachable from other machines; anyone with the token controls Hearth. ` +
          `Rotate the token with: hearth serve --rotate-token`,
      );
    }
    const signal = await stopped;
    console.log(`\n${signal}: stopping (saving the last telemetry, closing the ledger)...`);
    const { stuck } = await server.stop();
    const code = stuck.length === 0 ? 0 : 1;
    if (code === 0) console.log('stopped cleanly');
    else
      console.error(`did not stop cleanly: ${stuck.join('; ')}. Exiting anyway; the ledger keeps what it committed.`);
    // Whatever still holds the event loop (a hung module, a child's pipe) must not keep the process.
    setTimeout(() => process.exit(code), code === 0 ? EXIT_AFTER_STOP_MS : 0).unref();
    return code;
  },
};

/**
 * `--mqtt URL`, checked: a broker URL without credentials in it (the command line is seen by every
 * user of the machine); they come from HEARTH_MQTT_USERNAME / HEARTH_MQTT_PASSWORD or the settings.
 */
function mqttOption(value: unknown): { url: string; username: string | null; password: string | null } | null {
  if (value === undefined) return null;
  const parsed = mqttUrlSchema.safeParse(value);
  if (!parsed.success) throw new UsageError(`--mqtt: ${parsed.error.issues[0]?.message ?? 'not a broker URL'}`);
  const url = parsed.data;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`--mqtt: ${url} is not a URL; enter the broker as mqtt://host:1883`);
  }
  if (u.username || u.password)
    throw new UsageError(
      '--mqtt: leave the user name and password out of the URL (others on this machine can read the command line); set HEARTH_MQTT_USERNAME and HEARTH_MQTT_PASSWORD, or store them in the settings',
    );
  const env = (k: string) => (process.env[k] ? process.env[k] : null);
  return { url, username: env('HEARTH_MQTT_USERNAME'), password: env('HEARTH_MQTT_PASSWORD') };
}

/** `--fleet planner | agent:NODE | off`, checked with the contract's schema. */
function fleetOption(value: unknown): FleetSettings | null {
  if (value === undefined) return null;
  const text = String(value).trim();
  const [role, planner, ...rest] = text.split(':');
  const parsed = fleetSettingsSchema.safeParse({ role, planner: planner ?? null });
  if (!parsed.success || rest.length > 0 || (role !== 'agent' && planner !== undefined))
    throw new UsageError(
      `--fleet: ${parsed.success ? `${text} is not a role` : (parsed.error.issues[0]?.message ?? `${text} is not a role`)}; give planner, agent:NODE (NODE: the planning node's id) or off`,
    );
  return parsed.data;
}

/** This machine's addresses another machine may use (link-local IPv6 needs a zone a URL cannot carry). */
function lanAddresses(withV6: boolean): string[] {
  const out: string[] = [];
  for (const list of Object.values(os.networkInterfaces()))
    for (const a of list ?? []) {
      if (a.internal) continue;
      if (a.family === 'IPv4') out.push(a.address);
      else if (withV6 && !a.address.startsWith('fe80')) out.push(a.address);
    }
  return out;
}
