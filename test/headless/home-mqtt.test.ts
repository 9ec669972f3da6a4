import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { MqttLinkStatus, MqttLinkView } from '#contract/index';
import { MOSQUITTO, startMosquitto } from '../fixtures/mosquitto.ts';
import { checkDiscovery, checkState, haClient } from '../support/ha-discovery.ts';
import { apiCall, runCli, startServe, tempDir, until, type RunningServer } from './harness.ts';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** A broker that refuses anonymous logins and knows one user, its password file made by mosquitto_passwd. */
async function passwordBroker(user: string, password: string) {
  const dir = tempDir('hearth-mqtt-users-');
  const file = path.join(dir, 'passwd');
  const made = spawnSync('mosquitto_passwd', ['-b', '-c', file, user, password]);
  if (made.status !== 0) throw new Error(`mosquitto_passwd: ${made.stderr.toString()}`);
  // Mosquitto started as root reads it as its own user.
  fs.chmodSync(dir, 0o755);
  fs.chmodSync(file, 0o644);
  const broker = await startMosquitto(['allow_anonymous false', `password_file ${file}`]);
  cleanup.push(async () => {
    await broker.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return broker;
}

const KEEPALIVE_S = 30;

describe.skipIf(!MOSQUITTO)('hearth serve --mqtt', () => {
  it('connects with credentials from the environment, shows every entity within 5 s, and SIGKILL leaves "offline" by the last will', async () => {
    const broker = await passwordBroker('hearth', 'pw-from-env');
    const ha = await haClient(broker.url.replace('mqtt://', 'mqtt://hearth:pw-from-env@'));
    cleanup.push(() => ha.close());
    let s: RunningServer | null = null;
    cleanup.push(async () => s?.stop('SIGKILL'));
    s = await startServe({
      args: ['--mqtt', broker.url],
      env: { HEARTH_MQTT_USERNAME: 'hearth', HEARTH_MQTT_PASSWORD: 'pw-from-env' },
    });
    const server = s;
    expect(server.output()).toContain(`MQTT: connecting to ${broker.url}`);
    // The password is in no process argument.
    const cmdline = fs.readFileSync(`/proc/${server.child.pid}/cmdline`, 'utf8');
    expect(cmdline).not.toContain('pw-from-env');

    await until(
      'connected',
      () => apiCall<MqttLinkStatus>(server, 'home-status'),
      (st) => st.state === 'connected',
      10_000,
    );
    const t0 = Date.now();
    const view = await apiCall<MqttLinkView>(server, 'home-settings');
    expect(view).toMatchObject({ urlOverride: broker.url, enabled: false, passwordSet: false });
    const T = `hearth/${view.nodeId}`;
    await until(
      'every entity discovered with a state',
      () => {
        const problems: string[] = [];
        const configs = ha.configs();
        if (configs.length < 19) problems.push(`${configs.length} configs`);
        for (const [topic, payload] of configs) {
          const r = checkDiscovery(topic, payload);
          problems.push(...r.problems);
          const st = r.entity?.config['state_topic'];
          if (r.entity && typeof st === 'string') {
            const v = ha.last.get(st);
            if (v === undefined) problems.push(`${topic}: no state`);
            else if (checkState(r.entity, v)) problems.push(`${topic}: ${checkState(r.entity, v)}`);
          }
        }
        return problems;
      },
      (p) => p.length === 0,
      5_000,
    );
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(ha.last.get(`${T}/availability`)).toBe('online');

    // Killed without a word: the broker publishes the will (retained) within 1.5 keep-alives at most.
    const killedAt = Date.now();
    await server.stop('SIGKILL');
    await until(
      'offline by the will',
      () => ha.last.get(`${T}/availability`),
      (v) => v === 'offline',
      KEEPALIVE_S * 1500,
    );
    expect(Date.now() - killedAt).toBeLessThan(KEEPALIVE_S * 1500);
  }, 90_000);

  it('refuses credentials in the URL and a URL that is no broker, before starting', async () => {
    const inUrl = await runCli([
      'serve',
      '--port',
      '0',
      '--data-dir',
      tempDir(),
      '--mqtt',
      'mqtt://u:secret@127.0.0.1:1',
    ]);
    expect(inUrl.code).not.toBe(0);
    expect(inUrl.stderr).toMatch(/leave the user name and password out of the URL.*HEARTH_MQTT_PASSWORD/);
    const notBroker = await runCli(['serve', '--port', '0', '--data-dir', tempDir(), '--mqtt', 'http://127.0.0.1:1']);
    expect(notBroker.code).not.toBe(0);
    expect(notBroker.stderr).toMatch(/--mqtt: enter the broker as mqtt:\/\/host:1883/);
  }, 30_000);
});
