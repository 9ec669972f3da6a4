import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { deviceId, type Job, type MiningStatus, type PlanApplied, type PlanEvent } from '#contract/index';
import { startCore, type Core } from '#core/app';
import { dispatch } from '#core/handler';
import { allowProgram } from '#core/job/allow-list';
import { quiet } from '../../../test/support/quiet-log.ts';
import { TestPool } from '../../../test/support/stratum-pool.ts';
import { tempDirs } from '../../../test/support/temp-dir.ts';
import { until, when } from '../../../test/support/until.ts';
import { demoModules, prepareDemo, SLOT_MS } from '../../../test/support/scheduler-demo.ts';
import type { SchedulerModuleOptions } from './module.ts';
import { runningProcessNames } from './presence.ts';
import { TestClock } from '../../../test/support/test-clock.ts';

const Q = SLOT_MS;
// 10:00 UTC on a winter day; even quarter-hours pay for power drawn (negative price), odd ones are dear.
const T10 = Date.UTC(2026, 0, 15, 10, 0);
const CPUS = os.availableParallelism();

const tmp = tempDirs('hearth-apply-');
const open: { core: Core; pool?: TestPool; kids: ChildProcess[] }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    for (const k of o.kids) k.kill('SIGKILL');
    await o.core.close();
    await o.pool?.close();
  }
});

/** This machine's own sensors, except the CPU temperature, which a test can make hot (a VM reports none). */
let cpuTempC: number | null = null;

async function boot(clock: TestClock, dataDir: string, sched: SchedulerModuleOptions = {}): Promise<Core> {
  return startCore({ dataDir, clock, log: quiet, modules: demoModules({ cron: false, ...sched }, () => cpuTempC) });
}

/** A core with prices loaded and a running test pool configured; mining earns next to nothing, so the price decides. */
async function setup(at: number, sched: SchedulerModuleOptions = {}, withPool = true) {
  const dir = tmp();
  const clock = new TestClock(at);
  let core = await boot(clock, dir, sched);
  const entry: (typeof open)[number] = { core, kids: [] };
  open.push(entry);
  const h = core.handlers;
  if (withPool) {
    entry.pool = new TestPool({ difficulty: 2 ** -14 });
    await entry.pool.listen();
    entry.pool.notify(true);
  }
  await prepareDemo(h, { from: T10 - 4 * 3_600_000, hours: 56, poolUrl: entry.pool?.url ?? null });
  // Settings are read at start: begin again as a user would after configuring.
  await core.close();
  core = await boot(clock, dir, sched);
  entry.core = core;
  return {
    clock,
    dir,
    core,
    entry,
    restart: async (c: TestClock) => {
      await entry.core.close();
      entry.core = await boot(c, dir, sched);
      return entry.core;
    },
  };
}

const applied = (core: Core) => {
  const list: PlanApplied[] = [];
  core.events.on('plan-applied', (a) => list.push(a));
  return list;
};
const mining = (core: Core) => core.handlers['mining-status']({});
const events = async (core: Core): Promise<PlanEvent[]> => core.handlers['plan-events']({ limit: 500 });
// The core changes jobs, the miner and the plan on its own threads and timers: the tests poll them.
const jobUntil = (core: Core, id: number, what: string, ok: (j: Job) => boolean) =>
  until(what, () => core.handlers['job-get']({ id }), ok);
const miningUntil = (core: Core, what: string, ok: (s: MiningStatus) => boolean, ms?: number) =>
  until(what, () => mining(core), ok, ms);
const planUntil = (core: Core, what: string, ok: (p: Awaited<ReturnType<Core['handlers']['plan-get']>>) => boolean) =>
  until(what, () => core.handlers['plan-get']({}), ok);
/** Moves the core's clock to `slotStart` and waits until the scheduler has carried out that slot. */
async function slotApplied(core: Core, clock: TestClock, slotStart: number, what: string): Promise<void> {
  await clock.advanceTo(slotStart);
  await planUntil(core, what, (p) => p.applied?.slotStart === slotStart);
}

describe('scheduler carrying out the plan', () => {
  it('sets the real hashing threads and power level at each slot boundary, follows an override, and resumes mid-slot after a restart', async () => {
    const { clock, core: first, restart } = await setup(T10 + 5 * 60_000);
    // Started in a cheap slot: mining runs on every thread at full duty before start returns.
    let st = await mining(first);
    expect(st.running).toBe(true);
    expect(st.threads).toBe(CPUS);
    expect(st.powerPct).toBe(100);
    const seen = applied(first);

    await clock.advanceTo(T10 + Q);
    await when('the dear slot applied', () => seen.some((a) => a.slotStart === T10 + Q));
    expect(seen.find((a) => a.slotStart === T10 + Q)!.decisions.every((d) => d.job === null)).toBe(true);
    st = await mining(first);
    expect(st.running).toBe(false);

    await clock.advanceTo(T10 + 2 * Q);
    await when('the next cheap slot applied', () => seen.some((a) => a.slotStart === T10 + 2 * Q));
    st = await mining(first);
    expect(st.running).toBe(true);
    expect(st.threads).toBe(CPUS);

    // Mining is a job the scheduler keeps in the queue while a pool is set up.
    const jobsNow = await first.handlers['job-list']({});
    expect(jobsNow.filter((j) => j.kind === 'mining')).toHaveLength(1);
    const mine = `job:${jobsNow.find((j) => j.kind === 'mining')!.id}`;
    // Override: level 0 is the lowest: one thread at 25 %, given to the running job in place.
    const r = await dispatch(first.handlers, 'plan-override', {
      override: { kind: 'run', device: 'cpu', job: mine, level: 0, powerW: 1, until: clock.now() + 3_600_000 },
    });
    expect(r.ok).toBe(true);
    st = await mining(first);
    expect([st.threads, st.powerPct]).toEqual([1, 25]);
    // The override outlasts the dear slot: mining goes on there at its level.
    await clock.advanceTo(T10 + 3 * Q + 1);
    await when('the override applied in the dear slot', () => seen.some((a) => a.slotStart === T10 + 3 * Q));
    st = await mining(first);
    expect([st.running, st.threads, st.powerPct]).toEqual([true, 1, 25]);
    const bad = await dispatch(first.handlers, 'plan-override', {
      override: { kind: 'run', device: 'cpu', job: mine, level: 99, powerW: 1, until: clock.now() + 60_000 },
    });
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    const noJob = await dispatch(first.handlers, 'plan-override', {
      override: { kind: 'run', device: 'cpu', job: 'job:999', level: 0, powerW: 1, until: clock.now() + 60_000 },
    });
    expect(noJob).toMatchObject({
      ok: false,
      error: { code: 'bad-request', message: 'override: there is no job "job:999" in the plan' },
    });
    await first.handlers['plan-override']({ override: { kind: 'pause', until: clock.now() + 3_600_000 } });
    expect((await mining(first)).running).toBe(false);
    await first.handlers['plan-override']({ override: null });
    // Back to the plan in a dear slot: off.
    expect((await mining(first)).running).toBe(false);

    // The process stops mid-way through a cheap slot and starts again: mining is back before start returns.
    const later = new TestClock(T10 + 4 * Q + 7 * 60_000);
    const second = await restart(later);
    st = await mining(second);
    expect([st.running, st.threads, st.powerPct]).toEqual([true, CPUS, 100]);

    // Every decision went to the ledger file.
    const db = second.db.prepare('SELECT kind, message FROM plan_event ORDER BY id').all() as {
      kind: string;
      message: string;
    }[];
    expect(db.some((e) => e.kind === 'decision' && e.message === `paused job ${mine.slice(4)}`)).toBe(true);
    expect(
      db.some((e) => e.kind === 'decision' && e.message === `job ${mine.slice(4)} now on 1 thread(s) at 25 %`),
    ).toBe(true);
    expect(
      db.some((e) => e.kind === 'decision' && e.message.startsWith(`cpu: mining on ${CPUS} thread(s) at 100 %`)),
    ).toBe(true);
    expect(db.some((e) => e.kind === 'decision' && e.message.startsWith('cpu: mining on 1 thread(s) at 25 %'))).toBe(
      true,
    );
    expect(db.some((e) => e.kind === 'override' && e.message.startsWith('paused by hand'))).toBe(true);
    expect(db.some((e) => e.kind === 'planned')).toBe(true);
    expect((await events(second))[0]!.id).toBe(db.length);
  }, 90_000);

  it('starts, pauses and resumes a built-in training job as planned', async () => {
    const { clock, core } = await setup(T10 + 60_000, {}, false);
    const job: Job = await core.handlers['job-create']({
      spec: { kind: 'train', steps: 10_000_000, threads: 1, hidden: 16, batchSize: 16, checkpointEvery: 1000 },
      valuePerHour: 0.1,
      devices: [deviceId('cpu')],
    });
    expect(job.mode).toBe('cheapest');
    // A new job re-plans after the debounce; the slot is cheap, so it starts.
    await clock.advanceTo(T10 + 60_000 + 3_000);
    await jobUntil(core, job.id, 'the job running', (j) => j.state === 'running' && j.progress.done > 0);
    await clock.advanceTo(T10 + Q);
    const paused = await jobUntil(core, job.id, 'the job paused in the dear slot', (j) => j.state === 'paused');
    expect(paused.checkpoints.length).toBeGreaterThan(0);
    await clock.advanceTo(T10 + 2 * Q);
    const resumed = await jobUntil(
      core,
      job.id,
      'the job resumed',
      (j) => j.state === 'running' && j.progress.done > paused.progress.done,
    );
    expect(resumed.log.join('\n')).toMatch(/resum|continu/i);
    const ev = (await events(core)).map((e) => e.message);
    expect(ev).toContain(`started job ${job.id} on 1 thread(s)`);
    expect(ev).toContain(`paused job ${job.id}`);
    expect(ev).toContain(`resumed job ${job.id} on 1 thread(s)`);

    // Paused by hand: the plan leaves it paused, even in the next cheap slot.
    await core.handlers['job-pause']({ id: job.id });
    await slotApplied(core, clock, T10 + 4 * Q, 'the cheap slot applied');
    expect((await core.handlers['job-get']({ id: job.id })).state).toBe('paused');
    // Started by hand: it is the user's, so a dear slot does not pause it.
    await core.handlers['job-start']({ id: job.id });
    await slotApplied(core, clock, T10 + 5 * Q, 'the dear slot applied');
    expect((await core.handlers['job-get']({ id: job.id })).state).toBe('running');
  }, 90_000);

  it('pauses an external command by SIGSTOP in a dear slot and resumes it in the next cheap one', async () => {
    const { clock, core, entry } = await setup(T10 + 60_000, {}, false);
    const work = tmp();
    const script = path.join(work, 'train.mjs');
    // Rewrites its progress file atomically: a SIGSTOP may land mid-write.
    fs.writeFileSync(
      script,
      `import fs from 'node:fs';\nlet step = 0;\nsetInterval(() => { step++; fs.writeFileSync('progress.tmp', JSON.stringify({ step, total: 100000, loss: 1 / step })); fs.renameSync('progress.tmp', 'progress.json'); }, 20);\n`,
    );
    allowProgram(core.context.dataDir, process.execPath, 0);
    const job = await core.handlers['job-create']({
      spec: {
        kind: 'command',
        command: [process.execPath, script],
        cwd: work,
        progressFile: 'progress.json',
        pauseMode: 'signal',
      },
      valuePerHour: 0.1,
      devices: [deviceId('cpu')],
    });
    // The same script run beside it, which nothing pauses: the witness that time passed.
    const beside = tmp();
    entry.kids.push(spawn(process.execPath, [script], { cwd: beside, stdio: 'ignore' }));
    await clock.advanceTo(T10 + 60_000 + 3_000);
    // The progress file is read on the core's clock: move it along while waiting.
    const get = async () => {
      await clock.advanceTo(clock.now() + 100);
      return core.handlers['job-get']({ id: job.id });
    };
    await until('the command running', get, (j) => j.state === 'running' && j.progress.done > 0);
    await clock.advanceTo(T10 + Q);
    const paused = await jobUntil(core, job.id, 'the command stopped', (j) => j.state === 'paused');
    const read = (dir = work) =>
      JSON.parse(fs.readFileSync(path.join(dir, 'progress.json'), 'utf8')) as { step: number };
    const a = read().step;
    await when('the unpaused copy writing', () => fs.existsSync(path.join(beside, 'progress.json')));
    const besideAt = read(beside).step;
    await when('the unpaused copy writing five more times', () => read(beside).step >= besideAt + 5);
    expect(read().step).toBe(a); // SIGSTOPped: it writes nothing
    await clock.advanceTo(T10 + 2 * Q);
    await until('the command resumed', get, (j) => j.state === 'running' && j.progress.done > paused.progress.done);
    expect(read().step).toBeGreaterThan(a);
  }, 90_000);

  it('pauses work while a listed program runs and caps it while the user is active, with the rule in the plan reasons', async () => {
    let idleSec = 3_600;
    const { clock, core, entry } = await setup(T10 + 60_000, { idle: () => idleSec });
    expect((await mining(core)).running).toBe(true);
    // A copy of sleep under a name no other process has.
    const bin = path.join(tmp(), 'hearthgame42');
    fs.copyFileSync('/bin/sleep', bin);
    fs.chmodSync(bin, 0o755);
    const game = spawn(bin, ['120'], { stdio: 'ignore' });
    entry.kids.push(game);
    const base = await core.handlers['presence-get']({});
    expect(base.idleAvailable).toBe(true);
    const set = await dispatch(core.handlers, 'presence-set', {
      ...base.settings,
      programs: { names: ['hearthgame42.exe'], action: 'pause', capPct: 0 },
    });
    expect(set.ok).toBe(true);
    await miningUntil(core, 'mining paused for the program', (s) => !s.running);
    const plan = await planUntil(core, 'the rule in the reasons', (p) => p.applied?.reason.includes('paused') ?? false);
    expect(plan.applied?.reason).toContain('paused: hearthgame42.exe running');
    expect(plan.plan?.slots[0]?.reason).toContain('paused: hearthgame42.exe running');
    expect((await core.handlers['presence-get']({})).runningPrograms).toEqual(['hearthgame42.exe']);

    game.kill('SIGKILL');
    await new Promise((r) => game.once('exit', r));
    // systeminformation answers a call soon after its last one from that list (a process-wide
    // cache the core reads too): wait until a fresh list no longer has the program.
    await until(
      'a process list without the program',
      () => runningProcessNames(),
      (names) => !names.includes('hearthgame42'),
    );
    await clock.advanceTo(clock.now() + 30_000);
    await miningUntil(core, 'mining back once the program ended', (s) => s.running && s.threads === CPUS);

    // The user touches the mouse: capped at half power, so half the load on the hashing threads.
    await core.handlers['presence-set']({ ...base.settings, userActive: { enabled: true, action: 'cap', capPct: 50 } });
    idleSec = 2;
    await clock.advanceTo(clock.now() + 5_000);
    await planUntil(core, 'the cap in the reasons', (p) => p.applied?.reason.includes('capped') ?? false);
    const capped = await miningUntil(
      core,
      'mining capped',
      (s) => s.running && s.threads * s.powerPct <= (CPUS * 100) / 2,
    );
    expect(capped.threads * capped.powerPct).toBe((CPUS * 100) / 2);
    expect((await core.handlers['plan-get']({})).applied?.reason).toContain('capped at 50 %: user active');
    // Idle for the resume time (10 min): full power again.
    idleSec = 600;
    await clock.advanceTo(clock.now() + 5_000);
    await miningUntil(core, 'mining back at full power', (s) => s.threads === CPUS && s.powerPct === 100);
    const dev = (await events(core)).filter((e) => e.kind === 'deviation').map((e) => e.message);
    expect(dev).toContain('paused: hearthgame42.exe running');
    expect(dev).toContain('capped at 50 %: user active');

    const wrong = await dispatch(core.handlers, 'presence-set', {
      ...base.settings,
      programs: { names: ['/usr/bin/x'], action: 'pause', capPct: 0 },
    });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(JSON.stringify(wrong)).toContain('not a path');
    expect((await core.handlers['presence-get']({})).settings.userActive.action).toBe('cap'); // nothing lost
  }, 90_000);

  it('does not start work on battery, and starts it once on mains', async () => {
    let battery = true;
    const { clock, core } = await setup(T10 + 60_000, { battery: () => Promise.resolve(battery) });
    expect((await mining(core)).running).toBe(false);
    expect((await core.handlers['plan-get']({})).applied?.reason).toContain('paused: on battery');
    expect((await core.handlers['presence-get']({})).onBattery).toBe(true);
    battery = false;
    await clock.advanceTo(clock.now() + 30_000);
    await miningUntil(core, 'mining on mains', (s) => s.running && s.threads === CPUS);
  }, 90_000);

  it('keeps one mining job in the queue while a pool is set up and runs it through the pool when planned', async () => {
    const { clock, core } = await setup(T10 + 60_000);
    const bad = await dispatch(core.handlers, 'job-create', { spec: { kind: 'mining', threads: 3 } });
    expect(bad.ok).toBe(false);
    const mined = (await core.handlers['job-list']({})).filter((j) => j.kind === 'mining');
    expect(mined).toHaveLength(1);
    const job = mined[0]!;
    expect(job.progress.total).toBeNull();
    await jobUntil(core, job.id, 'the mining job running', (j) => j.state === 'running');
    expect((await mining(core)).running).toBe(true);
    await clock.advanceTo(T10 + Q);
    await jobUntil(core, job.id, 'the mining job paused', (j) => j.state === 'paused');
    expect((await mining(core)).running).toBe(false);
    await clock.advanceTo(T10 + 2 * Q);
    await jobUntil(core, job.id, 'the mining job resumed', (j) => j.state === 'running');
    // Stopped from the Mining page: the job is paused as by hand, says why, and the plan leaves it so.
    await core.handlers['mining-stop']({});
    const paused = await jobUntil(core, job.id, 'the mining job paused by the stop', (j) => j.state === 'paused');
    expect(paused.log.at(-1)).toContain('mining was stopped outside this job');
    await slotApplied(core, clock, T10 + 4 * Q, 'the next cheap slot applied');
    expect((await core.handlers['job-get']({ id: job.id })).state).toBe('paused');
    expect((await mining(core)).running).toBe(false);
    expect((await core.handlers['job-list']({})).filter((j) => j.kind === 'mining')).toHaveLength(1);
  }, 90_000);

  it('says in the current slot when the pool cannot be reached (threads wait, no heat), and stops saying it once the pool is back', async () => {
    const { clock, core, entry } = await setup(T10 + 60_000);
    await miningUntil(core, 'mining on the pool', (s) => s.running && s.pool.state === 'mining');
    const port = Number(new URL(entry.pool!.url.replace('stratum+tcp', 'http')).port);
    await entry.pool!.close();
    const down = await until(
      'the lost pool in the reasons',
      async () => {
        await clock.advanceTo(clock.now() + 3_000);
        return core.handlers['plan-get']({});
      },
      (p) => p.applied?.reason.includes('pool unreachable') ?? false,
    );
    expect(down.applied?.reason).toMatch(/pool unreachable \(.+\): the hashing threads wait for work, no heat/);
    expect(down.plan?.slots[0]?.reason).toContain('pool unreachable');
    // Mining stays planned and running: the threads pick up work as soon as the pool answers.
    expect((await mining(core)).running).toBe(true);

    entry.pool = new TestPool({ difficulty: 2 ** -14 });
    await entry.pool.listen(port);
    entry.pool.notify(true);
    await miningUntil(core, 'mining on the pool again', (s) => s.pool.state === 'mining', 30_000);
    const back = await until(
      'the note gone',
      async () => {
        await clock.advanceTo(clock.now() + 3_000);
        return core.handlers['plan-get']({});
      },
      (p) => !(p.applied?.reason.includes('pool unreachable') ?? true),
    );
    expect(back.applied?.source).toBe('plan');
    expect((await events(core)).some((e) => e.kind === 'deviation' && e.message.startsWith('pool unreachable ('))).toBe(
      true,
    );
  }, 90_000);

  it('records deviations: a device too hot stops its work until it cools, a job the plan started fails', async () => {
    const { clock, core } = await setup(T10 + 60_000);
    expect((await mining(core)).running).toBe(true);
    cpuTempC = 95;
    try {
      // Telemetry reads the temperature every few seconds of the core's clock.
      await clock.advanceTo(clock.now() + 6_000);
      await miningUntil(core, 'mining stopped while hot', (s) => !s.running);
      await planUntil(
        core,
        'the heat in the reasons',
        (p) => p.applied?.reason.includes('cpu too hot (95 °C ≥ 90 °C)') ?? false,
      );
    } finally {
      cpuTempC = null;
    }
    await clock.advanceTo(clock.now() + 6_000);
    await miningUntil(core, 'mining back once cool', (s) => s.running);

    const work = tmp();
    await core.handlers['plan-override']({ override: { kind: 'pause', until: clock.now() + 60_000 } });
    allowProgram(core.context.dataDir, process.execPath, 0);
    const job = await core.handlers['job-create']({
      spec: {
        kind: 'command',
        command: [process.execPath, '-e', 'console.log("out of memory"); process.exit(3)'],
        cwd: work,
      },
      valuePerHour: 5,
      devices: [deviceId('cpu')],
    });
    await core.handlers['plan-override']({ override: null });
    await clock.advanceTo(clock.now() + 3_000);
    await jobUntil(core, job.id, 'the job failed', (j) => j.state === 'failed');
    const dev = await until(
      'the failure recorded',
      () => events(core),
      (e) => e.some((x) => x.kind === 'deviation' && x.message.startsWith(`job ${job.id} failed`)),
    );
    expect(dev.some((e) => e.kind === 'deviation' && e.message === 'cpu too hot (95 °C ≥ 90 °C)')).toBe(true);
    expect(dev.find((e) => e.message.startsWith(`job ${job.id} failed`))!.message).toContain('out of memory');
  }, 90_000);
});
