import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { homePlanSchema, type Handlers, type MqttLinkInput } from '#contract/index';
import { ledgerModule } from '#core/ledger/module';
import { MOSQUITTO, startMosquitto, type Broker } from '../../../test/fixtures/mosquitto.ts';
import { testCores } from '../../../test/support/core.ts';
import { checkDiscovery, checkState, haClient, type Discovered } from '../../../test/support/ha-discovery.ts';
import { demoModules, prepareDemo } from '../../../test/support/scheduler-demo.ts';
import { easyPool } from '../../../test/support/stratum-pool.ts';
import { until } from '../../../test/support/until.ts';
import { ENTITIES } from './discovery.ts';
import { homeModule } from './module.ts';
import { opensslCertificate } from '../../../test/support/openssl.ts';

const cores = testCores('hearth-home-');
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const NODE = 'test1';
const T = `hearth/${NODE}`;

async function setup() {
  let broker: Broker = await startMosquitto();
  cleanup.push(() => broker.stop());
  const ha = await haClient(broker.url);
  cleanup.push(() => ha.close());
  const pool = await easyPool();
  cleanup.push(async () => pool.close());
  const modules = () => {
    const demo = demoModules({ cron: false });
    return [
      ...demo.slice(0, 6),
      ledgerModule(),
      demo[6]!,
      homeModule({ backoff: { floorMs: 200, capMs: 1_000 }, keepaliveSec: 5 }),
    ];
  };
  let core = await cores.start({ modules: modules() });
  const h: Handlers = core.handlers;
  const from = Math.floor(Date.now() / 3_600_000) * 3_600_000;
  await prepareDemo(h, { from, hours: 52, poolUrl: pool.url });
  await until(
    'a plan',
    () => h['plan-get']({}),
    (r) => r.plan !== null,
    20_000,
  );
  const link: MqttLinkInput = {
    enabled: true,
    url: broker.url,
    username: null,
    caFile: null,
    discoveryPrefix: 'homeassistant',
    nodeId: NODE,
  };
  return {
    h,
    ha,
    link,
    /** Closes the core and starts another on the same data folder, as a restart of Hearth does. */
    restartCore: async (): Promise<Handlers> => {
      const dataDir = core.context.dataDir;
      await core.close();
      core = await cores.start({ modules: modules(), dataDir });
      return core.handlers;
    },
    restartBroker: async () => {
      const port = broker.port;
      await broker.stop();
      return async () => {
        broker = await startMosquitto(undefined, { port });
      };
    },
  };
}

/** Every entity discovered with a config HA accepts, and a state HA takes for each that has one. */
function complete(ha: Awaited<ReturnType<typeof haClient>>): { problems: string[]; entities: Discovered[] } {
  const problems: string[] = [];
  const entities: Discovered[] = [];
  for (const [topic, payload] of ha.configs()) {
    const r = checkDiscovery(topic, payload);
    problems.push(...r.problems.map((p) => `${topic}: ${p}`));
    if (r.entity) entities.push(r.entity);
  }
  if (entities.length < ENTITIES.length) problems.push(`${entities.length} of ${ENTITIES.length} entities discovered`);
  for (const e of entities) {
    const st = e.config['state_topic'];
    if (typeof st !== 'string') continue;
    const v = ha.last.get(st);
    if (v === undefined) problems.push(`${e.objectId}: no state yet`);
    else {
      const bad = checkState(e, v);
      if (bad) problems.push(`${e.objectId}: ${bad}`);
    }
  }
  return { problems, entities };
}

describe.skipIf(!MOSQUITTO)('Hearth on a real mosquitto, with an MQTT client playing Home Assistant', () => {
  it('discovery, states, the plan, commands good and bad, and a broker restart', async () => {
    const { h, ha, link, restartBroker } = await setup();
    // Energy booked before the link existed (yesterday, 3.875 kWh in three slots) is in the total.
    const day = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 86_400_000;
    const row = (i: number, kWh: number) =>
      `${new Date(day + i * 900_000).toISOString()},${new Date(day + (i + 1) * 900_000).toISOString()},cpu,mining,${kWh},measured,${kWh},0,EUR,0.1,0,0,0,0,0,0`;
    await h['ledger-import-csv']({
      csv: [
        'start_utc,end_utc,device,job,energy_kwh,energy_source,heat_kwh,heat_met_kwh,currency,price_per_kwh,cost,heat_credit,revenue_expected,revenue_credited,training_work,training_value',
        row(0, 1.5),
        row(1, 2.25),
        row(2, 0.125),
      ].join('\n'),
    });
    await h['home-configure'](link);
    const connected = await until(
      'connected',
      () => h['home-status']({}),
      (s) => s.state === 'connected',
      10_000,
    );
    const t0 = Date.now();
    // Every entity with a valid config and a state within 5 s of connect.
    const seen = await until(
      'every entity',
      () => complete(ha),
      (r) => r.problems.length === 0,
      5_000,
    );
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(connected.url).toBe(link.url);
    expect(ha.last.get(`${T}/availability`)).toBe('online');
    expect(seen.entities.map((e) => e.objectId).sort()).toEqual(ENTITIES.map((e) => e.id).sort());
    expect(JSON.parse(ha.last.get(`${T}/action/attributes`)!)).toHaveProperty('reason');
    // The total counts what the ledger booked, yesterday's import included (the demo adds a few Wh at most).
    const total = Number(ha.last.get(`${T}/energy_total/state`));
    expect(total).toBeGreaterThanOrEqual(3.875);
    expect(total).toBeLessThan(3.875 + 0.1);

    // The plan, retained, valid against its schema.
    const plan0 = homePlanSchema.parse(
      JSON.parse((await until('the plan', () => ha.last.get(`${T}/plan`), Boolean, 5_000)) as string),
    );
    expect(plan0.slots.length).toBeGreaterThan(0);

    // Commands: each takes effect within 2 s and is echoed on its state topic.
    const obeyed = async <R>(what: string, get: () => Promise<R>, ok: (r: R) => boolean) => {
      const t = Date.now();
      await until(what, get, ok, 2_000);
      return Date.now() - t;
    };
    await ha.send(`${T}/compute/set`, 'OFF');
    await obeyed(
      'paused',
      () => h['plan-get']({}),
      (r) => r.override?.kind === 'pause',
    );
    await until(
      'compute echo',
      () => ha.last.get(`${T}/compute/state`),
      (v) => v === 'OFF',
      2_000,
    );
    await until(
      'action',
      () => ha.last.get(`${T}/action/state`),
      (v) => v === 'paused by hand',
      12_000,
    );
    // The slot's reason as the action's attribute, as the Plan page shows it.
    const reason = (await h['plan-get']({})).applied?.reason;
    expect(reason).toMatch(/paused by hand/);
    await until(
      'reason attribute',
      () => JSON.parse(ha.last.get(`${T}/action/attributes`) ?? '{}') as { reason?: string },
      (a) => a.reason === reason,
      12_000,
    );
    await ha.send(`${T}/compute/set`, 'ON');
    await obeyed(
      'resumed',
      () => h['plan-get']({}),
      (r) => r.override === null,
    );
    await until(
      'compute echo',
      () => ha.last.get(`${T}/compute/state`),
      (v) => v === 'ON',
      2_000,
    );

    await ha.send(`${T}/power_limit/set`, '800');
    await obeyed(
      'capped',
      () => h['plan-limits-get']({}),
      (l) => l.powerCapW === 800,
    );
    await until(
      'limit echo',
      () => ha.last.get(`${T}/power_limit/state`),
      (v) => v === '800',
      2_000,
    );

    await ha.send(`${T}/mode/set`, 'heat only');
    await obeyed(
      'heat only',
      () => h['run-modes-get']({}),
      (m) => Object.values(m.devices).length > 0 && Object.values(m.devices).every((x) => x === 'heat'),
    );
    await until(
      'mode echo',
      () => ha.last.get(`${T}/mode/state`),
      (v) => v === 'heat only',
      2_000,
    );
    await ha.send(`${T}/mode/set`, 'mine');
    await obeyed(
      'mine',
      () => h['run-modes-get']({}),
      (m) => Object.values(m.jobs).includes('now') && Object.keys(m.devices).length === 0,
    );
    await until(
      'mode echo',
      () => ha.last.get(`${T}/mode/state`),
      (v) => v === 'mine',
      2_000,
    );
    await ha.send(`${T}/mode/set`, 'plan');
    await obeyed(
      'plan',
      () => h['run-modes-get']({}),
      (m) => Object.keys(m.devices).length === 0 && Object.keys(m.jobs).length === 0,
    );

    // Each command and its source is in the scheduler's event log (the Plan page's decision log).
    const events = (await h['plan-events']({ limit: 200 })).map((e) => e.message);
    for (const what of ['compute off', 'compute on', 'power limit 800 W', 'mode heat only', 'mode mine', 'mode plan'])
      expect(events).toContain(
        `from the home bus (MQTT ${T}/${what.startsWith('compute') ? 'compute' : what.startsWith('power') ? 'power_limit' : 'mode'}/set): ${what.startsWith('compute off') ? 'compute off: paused until switched back on' : what.startsWith('compute on') ? 'compute on: back to the plan' : what}`,
      );

    // The re-plan button: a new plan on the topic, valid against the schema.
    const before = ha.log.filter((m) => m.topic === `${T}/plan`).length;
    await ha.send(`${T}/replan/set`, 'PRESS');
    const planned = await until(
      'a new plan',
      () => ha.log.filter((m) => m.topic === `${T}/plan`),
      (l) => l.length > before,
      10_000,
    );
    homePlanSchema.parse(JSON.parse(planned.at(-1)!.payload));

    // Bad payloads: each reported on the error topic, nothing changed.
    const state = async () =>
      JSON.stringify([
        await h['plan-limits-get']({}),
        await h['run-modes-get']({}),
        (await h['plan-get']({})).override,
      ]);
    const was = await state();
    const bad: [string, string | Buffer, RegExp][] = [
      ['compute', 'MAYBE', /ON or OFF/],
      ['compute', '{"state":true}', /ON or OFF/],
      ['power_limit', '-5', /number of watts/],
      ['power_limit', '0.5', /at least 1 W/],
      ['power_limit', '100001', /at most 100000 W/],
      ['mode', 'turbo', /the mode is one of/],
      ['mode', Buffer.from([0xc3, 0x28, 0xff]), /not UTF-8/],
      ['replan', Buffer.alloc(1 << 20, 0x50), /1048576 bytes/],
      ['fan', 'ON', /no command topic/],
    ];
    for (const [entity, payload, why] of bad) {
      const n = ha.log.filter((m) => m.topic === `${T}/error`).length;
      await ha.send(`${T}/${entity}/set`, payload);
      const errs = await until(
        `the error for ${entity}`,
        () => ha.log.filter((m) => m.topic === `${T}/error`),
        (l) => l.length > n,
        2_000,
      );
      const e = JSON.parse(errs.at(-1)!.payload) as { topic: string; error: string };
      expect(e.topic).toBe(`${T}/${entity}/set`);
      expect(e.error).toMatch(why);
    }
    expect(await state()).toBe(was);
    expect((await h['home-status']({})).state).toBe('connected');

    // Broker restart: the link retries, comes back online and announces every entity again.
    const start = await restartBroker();
    await until(
      'disconnected',
      () => h['home-status']({}),
      (s) => s.state === 'disconnected' && s.retryAt !== null,
      5_000,
    );
    ha.last.clear();
    await start();
    await until(
      'online again',
      () => ha.last.get(`${T}/availability`),
      (v) => v === 'online',
      10_000,
    );
    await until(
      'discovered again',
      () => complete(ha),
      (r) => r.problems.length === 0,
      5_000,
    );
    expect((await h['home-status']({})).state).toBe('connected');
  }, 90_000);

  it('the compute switch turned off from HA stays off when Hearth restarts, until it is switched on', async () => {
    const { h, ha, link, restartCore } = await setup();
    await h['home-configure'](link);
    await until(
      'connected',
      () => h['home-status']({}),
      (st) => st.state === 'connected',
      10_000,
    );
    await ha.send(`${T}/compute/set`, 'OFF');
    await until(
      'paused',
      () => h['plan-get']({}),
      (r) => r.override?.kind === 'pause',
      2_000,
    );

    const again = await restartCore();
    expect((await again['plan-get']({})).override?.kind).toBe('pause');
    await until(
      'connected again',
      () => again['home-status']({}),
      (st) => st.state === 'connected',
      10_000,
    );
    await ha.send(`${T}/compute/set`, 'ON');
    await until(
      'resumed',
      () => again['plan-get']({}),
      (r) => r.override === null,
      2_000,
    );

    // Switched on, a restart leaves it on.
    const third = await restartCore();
    expect((await third['plan-get']({})).override).toBeNull();
  });

  it('stores the broker password sealed, shows only whether one is set, and turns off cleanly ("offline" retained)', async () => {
    const { h, ha, link } = await setup();
    const { dispatch } = await import('#core/handler');
    const lone = await dispatch(h, 'home-configure', { ...link, password: 'hunter2-secret' });
    expect(lone).toMatchObject({ ok: false, error: { message: expect.stringMatching(/needs its user name/) } });
    const v = await h['home-configure']({ ...link, username: 'hearth', password: 'hunter2-secret' });
    expect(v).toMatchObject({ passwordSet: true, urlOverride: null });
    expect(JSON.stringify(v)).not.toContain('hunter2');
    await until(
      'online',
      async () => [ha.last.get(`${T}/availability`), await h['home-status']({})],
      ([x]) => x === 'online',
      10_000,
    );
    const kept = await h['home-configure']({ ...link, username: 'hearth', enabled: false });
    expect(kept.passwordSet).toBe(true);
    await until(
      'offline',
      () => ha.last.get(`${T}/availability`),
      (x) => x === 'offline',
      5_000,
    );
    expect((await h['home-status']({})).state).toBe('off');
    const bad = await dispatch(h, 'home-configure', { ...link, nodeId: 'a/b' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect((await h['home-settings']({})).nodeId).toBe(NODE);
    // The connection test: the stored broker and password, or what is given; nothing stored changes.
    expect(await h['home-test']({})).toMatchObject({ ok: true, url: link.url });
    expect(await h['home-test']({ url: 'mqtt://127.0.0.1:1' })).toMatchObject({ ok: false, stage: 'connect' });
    expect(await h['home-settings']({})).toMatchObject({ url: link.url, enabled: false, passwordSet: true });
  }, 60_000);

  it('mqtts:// with the CA file given connects; without it the certificate is refused and the link keeps retrying', async () => {
    // A self-signed certificate for 127.0.0.1, as a home broker's admin would make one; the folder
    // readable by mosquitto's own user.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-home-tls-'));
    cleanup.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
    fs.chmodSync(dir, 0o755);
    const { cert: certFile, key: keyFile } = opensslCertificate(dir, 'broker');
    fs.chmodSync(keyFile, 0o644);
    const broker = await startMosquitto([`certfile ${certFile}`, `keyfile ${keyFile}`, 'allow_anonymous true']);
    cleanup.push(() => broker.stop());
    const core = await cores.start({ modules: [homeModule({ backoff: { floorMs: 200, capMs: 1_000 } })] });
    const h: Handlers = core.handlers;
    const url = `mqtts://127.0.0.1:${broker.port}`;
    const link: MqttLinkInput = {
      enabled: true,
      url,
      username: null,
      caFile: null,
      discoveryPrefix: 'homeassistant',
      nodeId: 'tls',
    };
    await h['home-configure'](link);
    const refused = await until(
      'refused',
      () => h['home-status']({}),
      (st) => st.lastError !== null,
      10_000,
    );
    expect(refused.state).not.toBe('connected');
    expect(refused.lastError).toMatch(/self.signed|certificate/i);
    await h['home-configure']({ ...link, caFile: certFile });
    await until(
      'connected',
      () => h['home-status']({}),
      (st) => st.state === 'connected',
      10_000,
    );
    expect((await h['home-status']({})).url).toBe(url);
  }, 60_000);
});
