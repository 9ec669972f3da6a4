/**
 * The planner's devices and jobs from the real world: the hardware domain's CPU and GPUs (unless
 * the user configured devices) and the job queue; a mining job is planned only when a pool is
 * configured (the scheduler keeps one in the queue then).
 */
import type { HardwareInfo, Job, LanDevice, MiningStatus } from '#contract/index';
import { deviceId, jobId } from '#contract/id';
import type { PlanDevice, PlanJob, PowerLevel } from '#contract/plan';
import { powerModelFor } from '#core/hardware/power-model';
import { moneyPerHash, type RevenueBasis } from '#core/market/revenue';

/** How a device runs at one of its levels: hashing/training threads and the duty cycle. */
export type LevelControl = { threads: number; dutyPct: number };

/** A device as the user may configure it ('planner.devices'): plan levels plus how to run them. */
export type ConfiguredDevice = Omit<PlanDevice, 'levels'> & { levels: (PowerLevel & Partial<LevelControl>)[] };

export const DUTIES = [25, 50, 75, 100] as const;
/** Until a thread has been measured: a WebAssembly SHA-256d thread does about this many hashes per second. */
export const DEFAULT_HASHES_PER_THREAD_SEC = 1e6;
/** Until a training job has reported its speed, steps per second on all its threads (an estimate). */
export const DEFAULT_STEPS_PER_SEC = 5;
/** A GPU whose power limit is not reported is planned at this power (an estimate). */
export const DEFAULT_GPU_W = 200;

export type WorldJob = Pick<
  Job,
  'id' | 'kind' | 'spec' | 'state' | 'devices' | 'deadline' | 'valuePerHour' | 'mode' | 'runPastDeadline' | 'progress'
>;

/** A job as a fresh queue holds it: on the CPU, no deadline or value, cheapest slots, no progress. */
export function queuedJob(over: Partial<WorldJob> & Pick<WorldJob, 'id' | 'spec'>): WorldJob {
  return {
    kind: over.spec.kind,
    state: 'queued',
    devices: [deviceId('cpu')],
    deadline: null,
    valuePerHour: null,
    mode: 'cheapest',
    runPastDeadline: false,
    progress: { done: 0, total: null, unit: 'steps', loss: null, samplesPerSec: null, etaSec: null },
    ...over,
  };
}

/** A LAN miner's work in the plan: it hashes for its own pool, so it has its own job kind. */
export const LAN_MINE = 'lan-mine';
/** The one planner job all LAN miners run (the ledger books it as `lan-mining`). */
export const LAN_JOB = jobId('lan-mining');
export const lanDeviceId = (id: string) => deviceId(`lan:${id}`);
/** The LAN device's own id in a plan's device id, or null for any other device. */
export const lanIdOf = (planId: string): string | null => (planId.startsWith('lan:') ? planId.slice(4) : null);

export type World = {
  hardware: HardwareInfo | null;
  /**
   * LAN heater-miners (issue 23): each that answers and has levels is a planner device, its
   * levels from its telemetry, its heat in the home unless it stands outside the heated space.
   */
  lan?: { devices: LanDevice[]; valuePerHash: number; slotMin: number };
  configured: ConfiguredDevice[] | null;
  jobs: WorldJob[];
  /** Mining: null when no pool is configured. */
  mining: { hashesPerThreadSec: number; valuePerHash: number } | null;
  now: number;
};

export type Built = {
  devices: PlanDevice[];
  jobs: PlanJob[];
  controls: Map<string, LevelControl[]>;
  queue: Map<string, WorldJob>;
};

export const planJobId = (id: number) => jobId(`job:${id}`);
const CPU = deviceId('cpu');
const kindOf = (j: WorldJob) => (j.kind === 'mining' ? 'mine' : `${j.kind}:${j.id}`);

/** Thread counts worth offering: a quarter, half, three quarters and all of the threads. */
export function threadSteps(max: number): number[] {
  return [...new Set([1, 2, 3, 4].map((k) => Math.max(1, Math.round((max * k) / 4))))];
}

/** Steps per second of a job on all the threads its spec asks for, as measured, else an estimate. */
export function stepsPerSec(j: WorldJob): number {
  if (j.spec.kind === 'train' && j.progress.samplesPerSec) return j.progress.samplesPerSec / j.spec.batchSize;
  if (j.progress.etaSec && j.progress.total !== null && j.progress.total > j.progress.done)
    return (j.progress.total - j.progress.done) / j.progress.etaSec;
  return DEFAULT_STEPS_PER_SEC;
}

export function buildWorld(w: World): Built {
  const controls = new Map<string, LevelControl[]>();
  const devices: PlanDevice[] = [];
  const active = w.jobs.filter(
    (j) => j.state === 'queued' || j.state === 'paused' || j.state === 'running' || j.state === 'pausing',
  );
  const queue = new Map(active.map((j) => [planJobId(j.id), j]));
  const mineRate = (threads: number, duty: number) =>
    w.mining ? w.mining.hashesPerThreadSec * threads * (duty / 100) * 3600 : 0;
  const maxCpuThreads = w.hardware?.cpu.logicalCores ?? 1;

  if (w.configured) {
    for (const d of w.configured) {
      devices.push({ ...d, levels: d.levels.map(({ threads: _t, dutyPct: _d, ...l }) => l) });
      controls.set(
        d.id,
        d.levels.map((l) => ({ threads: l.threads ?? maxCpuThreads, dutyPct: l.dutyPct ?? 100 })),
      );
    }
  } else if (w.hardware) {
    const cpu = w.hardware.cpu;
    const model = powerModelFor(cpu.model, cpu.physicalCores, cpu.ratedPowerW);
    const levels: (PowerLevel & LevelControl)[] = [];
    const seen = new Set<number>();
    const steps = threadSteps(cpu.logicalCores);
    const fewest = Math.min(...steps);
    for (const threads of steps) {
      for (const dutyPct of DUTIES) {
        const load = (threads * dutyPct) / cpu.logicalCores;
        // Equal load twice: keep the variant with fewer threads (the rest stay free for the user).
        if (seen.has(load)) continue;
        seen.add(load);
        const rates: Record<string, number> = {};
        if (w.mining) rates['mine'] = mineRate(threads, dutyPct);
        for (const j of active) {
          if (j.kind === 'mining' || !j.devices.includes(CPU)) continue;
          // Training threads cannot duty-cycle; a command uses what it uses, so only at full load.
          // The executor never gives a built-in job more threads than its spec asks for, so a level
          // with more would book power (and heat) the CPU does not draw: offered up to its count
          // (at the smallest level only when it asks for fewer threads than that).
          if (j.spec.kind === 'train' && dutyPct === 100 && (threads <= j.spec.threads || threads === fewest))
            rates[kindOf(j)] = stepsPerSec(j) * (Math.min(threads, j.spec.threads) / j.spec.threads) * 3600;
          if (j.spec.kind === 'command' && dutyPct === 100 && threads === cpu.logicalCores)
            rates[kindOf(j)] = stepsPerSec(j) * 3600;
        }
        // The planner weighs the power above idle: idle is drawn whether or not work runs.
        levels.push({ powerW: (load / 100) * (model.ratedW - model.idleW), rates, threads, dutyPct });
      }
    }
    levels.sort((a, b) => a.powerW - b.powerW);
    // No min run/pause here: the scheduler gives detected devices the user's (limits.minRunMin/minPauseMin).
    devices.push({ id: CPU, levels: levels.map(({ threads: _t, dutyPct: _d, ...l }) => l) });
    controls.set(
      'cpu',
      levels.map((l) => ({ threads: l.threads, dutyPct: l.dutyPct })),
    );
    for (const g of w.hardware.gpus) {
      const id = deviceId(`gpu:${g.index}`);
      const rates: Record<string, number> = {};
      for (const j of active)
        if (j.spec.kind === 'command' && j.devices.includes(id)) rates[kindOf(j)] = stepsPerSec(j) * 3600;
      devices.push({ id, levels: [{ powerW: g.powerLimitW ?? DEFAULT_GPU_W, rates }] });
      controls.set(id, [{ threads: 0, dutyPct: 100 }]);
    }
  }

  const lanIds: PlanDevice['id'][] = [];
  for (const d of w.lan?.devices ?? []) {
    // Offline, or never read: planned as unavailable (nothing to count on).
    if (d.status !== 'online' || d.levels.length === 0) continue;
    const id = lanDeviceId(d.id);
    const slots = (min: number) => Math.max(1, Math.ceil(min / w.lan!.slotMin));
    devices.push({
      id,
      // A level's work is its hashes per hour (0 where the device did not say): it runs the LAN job.
      levels: d.levels.map((l) => ({ powerW: l.powerW, rates: { [LAN_MINE]: Math.max(0, l.hashRate) * 3600 } })),
      minRunSlots: slots(d.minRunMin),
      minPauseSlots: slots(d.minPauseMin),
      ...(d.zone === 'unheated' ? { heats: false } : {}),
    });
    lanIds.push(id);
  }

  const jobs: PlanJob[] = [];
  if (lanIds.length > 0) jobs.push({ id: LAN_JOB, kind: LAN_MINE, valuePerWork: w.lan!.valuePerHash, devices: lanIds });
  for (const j of active) {
    const id = planJobId(j.id);
    if (j.kind === 'mining') {
      if (w.mining)
        jobs.push({
          id,
          kind: 'mine',
          valuePerWork: w.mining.valuePerHash + (j.valuePerHour ?? 0) / Math.max(1, mineRate(maxCpuThreads, 100)),
          devices: [CPU],
        });
      continue;
    }
    const perHour = stepsPerSec(j) * 3600;
    const remaining = j.progress.total === null ? undefined : Math.max(0, j.progress.total - j.progress.done);
    const pj: PlanJob = { id, kind: kindOf(j), valuePerWork: (j.valuePerHour ?? 0) / perHour, devices: j.devices };
    if (j.deadline !== null && remaining !== undefined) {
      pj.deadline = j.deadline;
      pj.workNeeded = remaining;
      pj.mode = j.mode;
      pj.runPastDeadline = j.runPastDeadline;
    }
    jobs.push(pj);
  }
  return { devices, jobs, controls, queue };
}

/** Hashes per second one thread does at full duty, from a running miner; null when not measured. */
export function measuredPerThread(st: MiningStatus): number | null {
  if (!st.running || st.hashRate <= 0 || st.threads <= 0 || st.powerPct <= 0) return null;
  return st.hashRate / (st.threads * (st.powerPct / 100));
}

/**
 * What the plan counts a hash as worth (the market's one revenue formula): nothing while the pool
 * is not paying for the work (it rejects the shares, or accepts none for far too long), or while
 * price, difficulty or the currency are unknown; mining still heats, so it is planned as heat only.
 */
export function plannedValuePerHash(
  st: MiningStatus,
  basis: RevenueBasis | null,
  tariffCurrency: string | null,
): number {
  if (st.health.state !== 'ok' || !basis) return 0;
  if (tariffCurrency !== null && tariffCurrency !== basis.currency) return 0;
  return moneyPerHash(basis);
}

/**
 * Why mining that runs cannot heat now: its pool cannot be reached, so the hashing threads wait
 * for work (0 H/s, no heat). null while it mines, reconnects for the first time, or is off.
 */
export function poolDown(st: MiningStatus): string | null {
  return st.running && st.pool.state !== 'mining' && st.pool.lastError !== null ? st.pool.lastError : null;
}
