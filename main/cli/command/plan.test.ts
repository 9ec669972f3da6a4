import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { deviceId } from '#contract/id';
import type { Plan, PlanInput, PlanInstance } from '#contract/plan';
import { generate } from '#core/planner/generate';
import { instanceText, planInstance, readInstance } from '#core/planner/instance';
import { dispatch } from '#core/handler';
import { createdOnly } from '#core/module';
import { schedulerModule } from '#core/scheduler/module';
import { plannerThread } from '#core/planner/planner-thread';
import { demoModules, prepareDemo, SLOT_MS } from '../../../test/support/scheduler-demo.ts';
import { TestClock } from '../../../test/support/test-clock.ts';
import { plan } from '#workers/planner/plan';
import { testCores } from '../../../test/support/core.ts';
import { root } from '../../../test/headless/harness.ts';
import { realSeries } from '../../../test/support/plan-data.ts';
import { plannedDomains } from '../../../test/support/planned-domains.ts';
import { TestPool } from '../../../test/support/stratum-pool.ts';
import { UsageError } from '../command.ts';
import { planCommand } from './plan.ts';

const cores = testCores('hearth-plan-cli-');
const stopped = new Promise<string>(() => undefined);
afterEach(() => vi.restoreAllMocks());

/** Runs `hearth plan` in-process and returns what it printed on stdout. */
async function run(values: Record<string, string | boolean>): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    const code = await planCommand.run({ values, positionals: [], stopped });
    return { code, out: lines.join('\n') };
  } finally {
    vi.restoreAllMocks();
  }
}

/** A day of real Belgian prices and Aachen weather, shaped by generate() into a home's problem. */
function realistic(thermal: boolean): PlanInput {
  return generate({ seed: 4, slots: 96, ...realSeries(), thermal });
}

const solve = (i: { input: PlanInput; now: number; timeLimitMs: number }) =>
  plan(i.input, { now: i.now, timeLimitMs: i.timeLimitMs });

describe('hearth plan --export and --instance', () => {
  it('exports the problem the scheduler would plan from this data folder, and the file solves to the same plan', async () => {
    const dataDir = cores.dir();
    const now = Date.now();
    const from = Math.floor(now / SLOT_MS) * SLOT_MS - 3_600_000;
    // The domains the scheduler reads, set up by their own handlers: prices, a pool, a deadline job.
    const setup = await cores.start({ dataDir, modules: plannedDomains() });
    const h = setup.handlers;
    await prepareDemo(h, { from, hours: 52, poolUrl: null });
    await h['mining-settings-set']({
      pools: [{ url: 'stratum+tcp://127.0.0.1:3333', user: 'alice.rig', password: 'x' }],
    });
    await h['market-override']({ btcPrice: 90_000, difficulty: 1.1e14, currency: 'EUR' });
    await h['job-create']({
      name: 'overnight',
      spec: { kind: 'train', steps: 20_000, threads: 1, hidden: 16, batchSize: 16 },
      devices: [deviceId('cpu')],
      deadline: now + 8 * 3_600_000,
      valuePerHour: 0.05,
    });
    await setup.close();

    const file = path.join(dataDir, 'problem.json');
    expect((await run({ export: file, 'data-dir': dataDir })).code).toBe(0);
    const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as PlanInstance;
    expect(raw).toMatchObject({ format: 'hearth-plan-instance', version: 1, timeLimitMs: 10_000 });
    expect(raw.now).toBeGreaterThanOrEqual(now);
    // 48 h of quarter-hours from the current one; the detected CPU; mining and the training job.
    expect(raw.input.slots).toHaveLength(192);
    expect(raw.input.slots[0]!.start).toBe(Math.floor(raw.now / SLOT_MS) * SLOT_MS);
    expect(raw.input.devices.map((d) => d.id)).toContain('cpu');
    expect(raw.input.jobs.map((j) => j.kind)).toContain('mine');
    expect(raw.input.jobs.some((j) => j.deadline === now + 8 * 3_600_000)).toBe(true);

    const json = await run({ instance: file, json: true });
    expect(json.code).toBe(0);
    const solved = JSON.parse(json.out) as Plan;
    const ref = await solve(raw);
    expect(solved.status).toEqual(ref.status);
    expect(solved.totals.net).toBeCloseTo(ref.totals.net, 9);
    expect(solved.slots.map((s) => s.decisions)).toEqual(ref.slots.map((s) => s.decisions));

    // Without flags: the same problem planned and shown as a table.
    const table = await run({ 'data-dir': dataDir });
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/^status (optimal|feasible|heuristic)/m);
    expect(table.out).toMatch(/^time UTC\s+price\s+cpu\s+reason$/m);
  }, 120_000);

  it('plans as the app does when a run mode is set: a job in mode now runs in every slot, a problem file without modes does not', async () => {
    const dataDir = cores.dir();
    const now = Date.now();
    const from = Math.floor(now / SLOT_MS) * SLOT_MS - 3_600_000;
    const setup = await cores.start({
      dataDir,
      modules: [...plannedDomains(), createdOnly(schedulerModule({ cron: false, idle: null }))],
    });
    const h = setup.handlers;
    // Every other hour costs 50 EUR/kWh: a planner left alone never runs a job worth 0.05 EUR/h then.
    await prepareDemo(h, { from, hours: 52, poolUrl: null });
    const job = await h['job-create']({
      name: 'now please',
      spec: { kind: 'train', steps: 1_000_000, threads: 1, hidden: 16, batchSize: 16 },
      devices: [deviceId('cpu')],
      valuePerHour: 0.05,
    });
    await h['run-mode-set']({ target: { job: job.id }, mode: 'now' });
    await setup.close();

    const planJob = `job:${job.id}`;
    const moded = JSON.parse((await run({ 'data-dir': dataDir, json: true })).out) as Plan;
    expect(moded.slots.length).toBeGreaterThan(0);
    for (const slot of moded.slots) expect(slot.decisions.find((d) => d.device === 'cpu')?.job).toBe(planJob);

    // The same problem from a file, which carries no modes: the dear hours stay off.
    const file = path.join(dataDir, 'problem.json');
    expect((await run({ export: file, 'data-dir': dataDir })).code).toBe(0);
    const plain = JSON.parse((await run({ instance: file, json: true })).out) as Plan;
    expect(plain.slots.some((slot) => slot.decisions.find((d) => d.device === 'cpu')?.job !== planJob)).toBe(true);
  }, 120_000);

  it('the running scheduler exports exactly the problem it planned, and the file solves to its plan', async () => {
    // A dear slot: nothing is started, so no measured hash rate changes the inputs after the plan.
    const t0 = Date.UTC(2026, 0, 15, 10, 22);
    const planned: { input: PlanInput; now: number }[] = [];
    const real = plannerThread.plan.bind(plannerThread);
    vi.spyOn(plannerThread, 'plan').mockImplementation((input, opts) => {
      planned.push({ input, now: opts.now });
      return real(input, opts);
    });
    const pool = new TestPool({ difficulty: 2 ** -14 });
    await pool.listen();
    try {
      const dataDir = cores.dir();
      const clock = new TestClock(t0);
      const first = await cores.start({ dataDir, clock, modules: demoModules({ cron: false }) });
      await prepareDemo(first.handlers, { from: Date.UTC(2026, 0, 15, 9, 0), hours: 52, poolUrl: pool.url });
      await first.close();
      const core = await cores.start({ dataDir, clock, modules: demoModules({ cron: false }) });
      const got = await dispatch(core.handlers, 'plan-input', {});
      const live = await dispatch(core.handlers, 'plan-get', {});
      const livePlan = live.ok ? (live.result as { plan: Plan | null }).plan : null;
      if (!got.ok || !livePlan) throw new Error('plan-input or plan-get failed');
      const last = planned.at(-1)!;
      expect(got.result).toEqual(planInstance(last.input, last.now));
      // The mining job the scheduler keeps in the queue while a pool is set up.
      const mining = (await core.handlers['job-list']({})).filter((j) => j.kind === 'mining');
      expect(last.input.jobs.map((j) => j.id)).toEqual(mining.map((j) => `job:${j.id}`));
      expect(mining).toHaveLength(1);

      const file = path.join(dataDir, 'live.json');
      fs.writeFileSync(file, instanceText(got.result as PlanInstance));
      const solved = JSON.parse((await run({ instance: file, json: true })).out) as Plan;
      expect(solved.totals.net).toBeCloseTo(livePlan.totals.net, 9);
      expect(solved.slots.map((s) => s.decisions)).toEqual(livePlan.slots.map((s) => s.decisions));
    } finally {
      await pool.close();
    }
  }, 60_000);

  it('solves a generated thermal problem from real prices: status, net and one row per slot with indoor °C and source W', async () => {
    const input = realistic(true);
    const inst = planInstance(input, input.slots[0]!.start + 30 * 60_000);
    const file = path.join(cores.dir(), 'thermal.json');
    fs.writeFileSync(file, instanceText(inst));
    const ref = await solve(inst);

    const json = await run({ instance: file, json: true });
    const solved = JSON.parse(json.out) as Plan;
    expect(solved.status.kind).toBe(ref.status.kind);
    expect(solved.totals.net).toBeCloseTo(ref.totals.net, 9);
    // Planned at 00:30: the two slots that ended are not planned.
    expect(solved.slots).toHaveLength(94);

    const text = await run({ instance: file });
    const lines = text.out.split('\n');
    expect(lines[0]).toBe(`planned at ${new Date(inst.now).toISOString()}, time limit 10000 ms`);
    expect(lines[1]).toMatch(
      /^status (optimal|feasible, at most [\d.]+ % below the optimum \(time limit\)|heuristic: .+) \(solver (dp|milp|heuristic), \d+ ms\)$/,
    );
    expect(text.out).toContain(`net ${ref.totals.net.toFixed(4)}`);
    const header = lines.find((l) => l.startsWith('time UTC'))!;
    expect(header).toMatch(/^time UTC\s+price\s+cpu\s+gpu:0\s+indoor °C\s+source W\s+reason$/);
    const rows = lines.slice(lines.indexOf(header) + 1);
    expect(rows).toHaveLength(94);
    const first = ref.slots[0]!;
    expect(rows[0]!.startsWith(new Date(first.start).toISOString().slice(0, 16).replace('T', ' '))).toBe(true);
    expect(rows[0]).toContain(first.indoorC!.toFixed(1));
    for (const d of first.decisions)
      expect(rows[0]).toContain(d.job ? `${d.job}@${d.level}/${Math.round(d.powerW)}W` : 'off');

    // --solver heuristic: the fast plan alone, and its status says so.
    const fast = JSON.parse((await run({ instance: file, json: true, solver: 'heuristic' })).out) as Plan;
    expect(fast.status.kind).toBe('heuristic');
  }, 120_000);

  it('names the field and what to do when a file is malformed, and refuses what the planner refuses', async () => {
    const inst = planInstance(realistic(false), 0, 2000);
    const dir = cores.dir();
    type Obj = Record<string, unknown>;
    type Raw = Obj & { input: Obj & { slots: Obj[]; devices: Obj[]; jobs: Obj[] } };
    const bad = (edit: (i: Raw) => void) => {
      const copy = JSON.parse(instanceText(inst)) as Raw;
      edit(copy);
      return JSON.stringify(copy);
    };
    const file = path.join(dir, 'bad.json');
    fs.writeFileSync(
      file,
      bad((i) => (i.input.slots[3]!['price'] = '0.12')),
    );
    const err = await run({ instance: file }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toContain(`${file} is not a valid plan instance`);
    expect((err as Error).message).toContain('input.slots.3.price: expected a number, got "0.12"');

    const msg = (text: string) => {
      try {
        readInstance(text, 'f.json');
      } catch (e) {
        return (e as Error).message;
      }
      return 'accepted';
    };
    expect(msg('{"format": ')).toMatch(/not JSON/);
    expect(msg('[]')).toMatch(/expected a JSON object/);
    expect(msg(bad((i) => (i['format'] = 'csv')))).toMatch(/format: expected "hearth-plan-instance", got "csv"/);
    expect(msg(bad((i) => (i['version'] = 2)))).toMatch(
      /version: this Hearth reads version 1, the file is version 2; update Hearth/,
    );
    expect(msg(bad((i) => delete i.input.slots[0]!['hours']))).toContain('input.slots.0.hours: missing; give a number');
    expect(msg(bad((i) => (i.input.slots[5]!['prcie'] = 1)))).toContain(
      'input.slots.5: unknown field "prcie"; check the spelling or remove it',
    );
    expect(msg(bad((i) => (i.input.devices[0]!['minRunSlots'] = 0)))).toContain(
      'input.devices.0.minRunSlots: expected a number ≥ 1, got 0',
    );
    expect(msg(bad((i) => (i.input.jobs[1]!['mode'] = 'fast')))).toContain(
      'input.jobs.1.mode: expected "cheapest" or "continuous", got "fast"',
    );
    expect(msg(bad((i) => (i.input.jobs[1]!['devices'] = ['gpu:7'])))).toContain(
      'input.jobs.1.devices.0: there is no device "gpu:7" in input.devices',
    );
    expect(msg(bad((i) => (i.input.slots[2]!['start'] = i.input.slots[1]!['start'])))).toMatch(
      /input\.slots\.2\.start: .* is not after the slot before it/,
    );
    expect(msg(bad((i) => (i.input.jobs[0]!['id'] = i.input.jobs[1]!['id'])))).toMatch(
      /input\.jobs\.1\.id: ".+" is listed twice/,
    );
    // What only the planner checks (the thermal model needs an outdoor temperature in every slot).
    expect(
      msg(
        bad((i) => {
          i.input['thermal'] = { uaWPerK: 200, capacityWhPerK: 10_000, indoorC: 20, sourceCapW: 8000 };
          delete i.input.slots[7]!['outdoorC'];
        }),
      ),
    ).toMatch(/^f\.json is not a valid plan instance[^]*input: slot at \S+ has no outdoor temperature/);
    // Many faults: the first five, then how many more.
    expect(msg(bad((i) => i.input.slots.forEach((s) => (s['quiet'] = 'no'))))).toMatch(/\.\.\. and 91 more$/);
    expect(msg(instanceText(inst))).toBe('accepted');
  }, 60_000);

  it('refuses flags that do not go together', async () => {
    await expect(run({ export: 'a.json', instance: 'b.json' })).rejects.toThrow(/give one of them/);
    await expect(run({ export: 'a.json', json: true })).rejects.toThrow(/--export only writes the problem/);
    await expect(run({ instance: 'b.json', solver: 'fastest' })).rejects.toThrow(
      /--solver expects auto, milp, heuristic/,
    );
    await expect(run({ instance: path.join(cores.dir(), 'missing.json') })).rejects.toThrow(
      /Cannot read .*missing\.json \(ENOENT\)/,
    );
  });

  it('the example in docs/plan-instance.md is a valid instance and solves', async () => {
    const doc = fs.readFileSync(path.join(root, 'docs', 'plan-instance.md'), 'utf8');
    const example = /```json\n([^]*?)\n```/.exec(doc)?.[1];
    expect(example).toBeDefined();
    const inst = readInstance(example!, 'the docs example');
    const p = await solve(inst);
    expect(p.status.kind).toBe('optimal');
    expect(p.slots).toHaveLength(inst.input.slots.length);
  });
});
