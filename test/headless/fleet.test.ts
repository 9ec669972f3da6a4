import fs from 'node:fs';
import path from 'node:path';
import Database from 'libsql';
import { afterEach, describe, expect, it } from 'vitest';
import type { FleetStatus, MqttLinkInput, Plan, PlanApplied, PlanLimitSettings } from '#contract/index';
import { UPSERT_SETTING } from '#core/setting';
import { MOSQUITTO, startMosquitto, type Broker } from '../fixtures/mosquitto.ts';
import { easyPool, type TestPool } from '../support/stratum-pool.ts';
import { apiCall as call, runCli, startServe, tempDir, until, type RunningServer } from './harness.ts';

const running: RunningServer[] = [];
const dirs: string[] = [];
let broker: Broker | null = null;
let pool: TestPool | null = null;
afterEach(async () => {
  for (const s of running.splice(0)) await s.stop('SIGKILL');
  await broker?.stop();
  await pool?.close();
  broker = null;
  pool = null;
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

type PlanState = { plan: Plan | null; applied: PlanApplied | null };

async function serve(dataDir: string, args: string[] = []): Promise<RunningServer> {
  const s = await startServe({ dataDir, args: ['--mqtt', broker!.url, ...args] });
  running.push(s);
  return s;
}

/** What runs in a plan: per slot, the devices given a job. */
const runningIn = (p: Plan | null, device: string) =>
  (p?.slots ?? []).filter((s) => s.decisions.some((d) => d.device === device && d.job !== null && d.level >= 0)).length;
const devicesOf = (p: Plan | null): string[] => [
  ...new Set((p?.slots ?? []).flatMap((s) => s.decisions.map((d): string => d.device))),
];

/**
 * One node as a person would set it up: its node id on the home's broker, prices that pay for any
 * power drawn (-0.50 EUR/kWh for the next two days), a pool and market figures so that a mining job
 * is planned, and its CPU described by hand as one level of `cpuW` ('planner.devices', written as
 * another process would: this test's own connection to the node's SQLite file).
 */
async function setUp(s: RunningServer, nodeId: string, cpuW: number): Promise<void> {
  const link: MqttLinkInput = {
    enabled: false,
    url: broker!.url,
    username: null,
    caFile: null,
    discoveryPrefix: 'homeassistant',
    nodeId,
  };
  await call(s, 'home-configure', link);
  const slot = 900_000;
  const from = Math.floor(Date.now() / slot) * slot - 3_600_000;
  const rows = ['start,price'];
  for (let t = from; t < from + 52 * 3_600_000; t += slot) rows.push(`${new Date(t).toISOString()},-0.50`);
  await call(s, 'tariff-import-csv', { csv: rows.join('\n'), unit: 'per-kwh', currency: 'EUR' });
  const ts = await call<Record<string, unknown>>(s, 'tariff-settings', {});
  await call(s, 'tariff-configure', { ...ts, tariff: { kind: 'csv', currency: 'EUR' }, skipCheck: true });
  // The test pool knows one worker; both nodes mine as it (a home's nodes may share a worker).
  await call(s, 'mining-settings-set', { pools: [{ url: pool!.url, user: 'alice.rig', password: 'x' }] });
  await call(s, 'market-override', { btcPrice: 1e-6, difficulty: 1, currency: 'EUR' });
  const devices = [
    // One thread at a quarter duty: the machine running the test stays free.
    { id: 'cpu', levels: [{ powerW: cpuW, rates: { mine: 3.6e9 }, threads: 1, dutyPct: 25 }] },
  ];
  const db = new Database(path.join(s.dataDir, 'hearth.db'));
  try {
    db.prepare(UPSERT_SETTING).run('planner.devices', JSON.stringify(devices), 1, new Date().toISOString());
  } finally {
    db.close();
  }
}

const fleetOf = (s: RunningServer) => call<FleetStatus>(s, 'fleet-status');

describe('hearth serve --fleet', () => {
  it('refuses a role it does not know and an agent without its planner, before starting', async () => {
    const noPlanner = await runCli(['serve', '--port', '0', '--data-dir', tempDir(), '--fleet', 'agent']);
    expect(noPlanner.code).not.toBe(0);
    expect(noPlanner.stderr).toContain(
      "--fleet: an agent needs the id of the node that plans; give planner, agent:NODE (NODE: the planning node's id) or off",
    );
    const unknown = await runCli(['serve', '--port', '0', '--data-dir', tempDir(), '--fleet', 'boss']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('--fleet: choose off, planner or agent; give planner, agent:NODE');
    const plannerOf = await runCli(['serve', '--port', '0', '--data-dir', tempDir(), '--fleet', 'planner:den']);
    expect(plannerOf.code).not.toBe(0);
    expect(plannerOf.stderr).toContain('--fleet: planner:den is not a role; give planner, agent:NODE');
  }, 30_000);
});

describe.skipIf(!MOSQUITTO)('two hearth serve nodes over a real mosquitto plan as one', () => {
  it('the planner plans both, load moves with the power cap, a killed agent is replanned without, a killed planner leaves the agent following, a second planner is refused, and each ledger books only its own devices', async () => {
    broker = await startMosquitto();
    pool = await easyPool();
    const denDir = tempDir('hearth-fleet-den-');
    const atticDir = tempDir('hearth-fleet-attic-');
    dirs.push(denDir, atticDir);

    // den plans, attic is its agent: each on its own data folder, both on the same broker.
    let den = await serve(denDir);
    let attic = await serve(atticDir);
    await setUp(den, 'den', 100);
    await setUp(attic, 'attic', 140);
    await call(den, 'fleet-configure', { role: 'planner', planner: null });
    await call(attic, 'fleet-configure', { role: 'agent', planner: 'den' });
    await until(
      'den plans',
      () => fleetOf(den),
      (f) => f.state === 'planning',
      20_000,
    );

    // The planner's plan holds both nodes' CPUs.
    const both = await until(
      "den's plan with attic's CPU",
      () => call<PlanState>(den, 'plan-get'),
      (p) => devicesOf(p.plan).includes('cpu') && devicesOf(p.plan).includes('attic/cpu'),
      30_000,
    );
    expect(devicesOf(both.plan).sort()).toEqual(['attic/cpu', 'cpu']);
    const denView = await fleetOf(den);
    expect(denView.nodes).toEqual([
      expect.objectContaining({
        node: 'attic',
        role: 'agent',
        online: true,
        devices: [expect.objectContaining({ id: 'attic/cpu', label: expect.any(String), status: 'online' })],
      }),
    ]);

    // A power cap that fits only one node: 150 W takes attic's 140 W (every W pays at -0.50 EUR/kWh) ...
    const limits = await call<PlanLimitSettings>(den, 'plan-limits-get');
    await call(den, 'plan-limits-set', { ...limits, powerCapW: 150 });
    const capped = await until(
      'attic runs, den does not',
      () => call<PlanState>(den, 'plan-get'),
      (p) => runningIn(p.plan, 'attic/cpu') > 0 && runningIn(p.plan, 'cpu') === 0,
      30_000,
    );
    for (const s of capped.plan!.slots)
      expect(s.decisions.reduce((w, d) => w + Math.max(0, d.powerW), 0)).toBeLessThanOrEqual(150);
    // ... and attic carries out den's schedule: its slot now runs its CPU as den planned it.
    const nowSlot = (p: Plan) => p.slots.findLast((s) => s.start <= Date.now())!;
    const planned = nowSlot(capped.plan!).decisions.find((d) => d.device === 'attic/cpu')!;
    const followed = await until(
      "attic runs den's decision",
      () => call<PlanState>(attic, 'plan-get'),
      (p) => p.applied?.decisions.some((d) => d.device === 'cpu' && d.job !== null) === true,
      30_000,
    );
    expect(followed.applied!.source).toBe('plan');
    expect(followed.applied!.decisions.find((d) => d.device === 'cpu')).toMatchObject({
      job: planned.job!.replace(/^attic\//, ''),
      level: planned.level,
      powerW: planned.powerW,
    });
    expect(devicesOf(followed.plan)).toEqual(['cpu']);
    expect((await fleetOf(attic)).state).toBe('following');

    // 120 W fits only den's 100 W: the load moves to den, attic is told to stop.
    await call(den, 'plan-limits-set', { ...limits, powerCapW: 120 });
    await until(
      'den runs, attic does not',
      () => call<PlanState>(den, 'plan-get'),
      (p) => runningIn(p.plan, 'cpu') > 0 && runningIn(p.plan, 'attic/cpu') === 0,
      30_000,
    );
    await until(
      'attic stops',
      () => call<PlanState>(attic, 'plan-get'),
      (p) => p.applied !== null && !p.applied.decisions.some((d) => d.device === 'cpu' && d.job !== null),
      30_000,
    );

    // A third node started as planner is refused: den is online and holds the role.
    const loftDir = tempDir('hearth-fleet-loft-');
    dirs.push(loftDir);
    const loft = await serve(loftDir, ['--fleet', 'planner']);
    expect(loft.output()).toContain('Fleet: planning this node and its agents over the MQTT broker');
    const refused = await until(
      'loft refused',
      () => fleetOf(loft),
      (f) => f.state === 'refused',
      20_000,
    );
    expect(refused.message).toBe(
      'node den already plans this home: make this node an agent, or make den stop planning first',
    );
    await until(
      'the refusal in its log',
      () => loft.output(),
      (o) => o.includes(refused.message!),
      5_000,
    );
    expect((await fleetOf(den)).state).toBe('planning');
    // Roles set through the API: no --fleet override on den; loft's role came from --fleet.
    expect((await fleetOf(den)).override).toBe(false);
    expect((await fleetOf(loft)).override).toBe(true);
    await loft.stop('SIGKILL');

    // attic killed: den plans without it within a minute.
    const killedAt = Date.now();
    await attic.stop('SIGKILL');
    await until(
      'den plans without attic',
      () => call<PlanState>(den, 'plan-get'),
      (p) => p.plan !== null && !devicesOf(p.plan).some((d) => d.startsWith('attic/')),
      60_000,
    );
    console.log(`den planned without attic ${Date.now() - killedAt} ms after attic was killed`);
    expect(Date.now() - killedAt).toBeLessThan(60_000);
    expect((await fleetOf(den)).nodes.find((n) => n.node === 'attic')?.online).toBe(false);

    // attic back: it follows den's last schedule at once, and den plans it again.
    attic = await serve(atticDir);
    await until(
      'attic follows again',
      () => fleetOf(attic),
      (f) => f.state === 'following',
      20_000,
    );
    await until(
      'den plans attic again',
      () => call<PlanState>(den, 'plan-get'),
      (p) => devicesOf(p.plan).includes('attic/cpu'),
      30_000,
    );

    // den stopped cleanly and started again: it books its slot so far, and plans again.
    await den.stop('SIGINT');
    den = await serve(denDir);
    await until(
      'den plans again',
      () => fleetOf(den),
      (f) => f.state === 'planning',
      20_000,
    );
    const denLedger = await call<{ rows: { id: string }[] }>(den, 'ledger-breakdown', { by: 'device', days: 1 });
    expect(denLedger.rows.length).toBeGreaterThan(0);
    expect(denLedger.rows.filter((r) => r.id.includes('/'))).toEqual([]);

    // Back to 150 W: attic runs again, as den's schedule says.
    await call(den, 'plan-limits-set', { ...limits, powerCapW: 150 });
    await until(
      'attic runs again',
      () => call<PlanState>(attic, 'plan-get'),
      (p) => p.applied?.decisions.some((d) => d.device === 'cpu' && d.job !== null) === true,
      30_000,
    );

    // den killed: attic goes on with den's last schedule.
    expect((await fleetOf(attic)).state).toBe('following');
    await den.stop('SIGKILL');
    const alone = await until(
      'attic sees den offline',
      () => fleetOf(attic),
      (f) => f.nodes.some((n) => n.node === 'den' && !n.online),
      20_000,
    );
    expect(alone.state).toBe('following');
    expect(alone.message).toMatch(/^den is offline: following its last schedule until /);
    const still = await call<PlanState>(attic, 'plan-get');
    expect(still.plan!.slots.length).toBeGreaterThan(0);
    expect(devicesOf(still.plan)).toEqual(['cpu']);
    expect(still.applied?.decisions.some((d) => d.device === 'cpu' && d.job !== null)).toBe(true);

    // attic's ledger (its slot so far booked by a clean stop): its own devices only.
    await attic.stop('SIGINT');
    attic = await serve(atticDir);
    const atticLedger = await call<{ rows: { id: string }[] }>(attic, 'ledger-breakdown', { by: 'device', days: 1 });
    expect(atticLedger.rows.length).toBeGreaterThan(0);
    expect(atticLedger.rows.filter((r) => r.id.includes('/'))).toEqual([]);
  }, 170_000);
});
