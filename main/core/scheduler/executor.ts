/**
 * Carries a slot's decisions out on the worker pools: the mining domain's hashing threads
 * (threads and duty cycle) and the job manager's jobs (start, pause, resume). Presence rules and
 * hot devices bend the decisions first; what actually changed is recorded.
 */
import type { PlanEventKind, PresenceRule, Telemetry } from '#contract/index';
import type { JobService } from '#core/job/service';
import type { MiningService } from '#core/mining/service';
import type { PlanApplied, PlanDecision, PlanDevice } from '#contract/plan';
import { planJobId, poolDown, type LevelControl, type WorldJob } from './inputs.ts';

export type RecordFn = (e: { kind: PlanEventKind; device?: string | null; job?: string | null; message: string }) => void;

/** What the scheduler started and may therefore pause or stop; work started by hand is left alone. */
export type Managed = { mining: boolean; jobs: number[] };

export type ExecutorDeps = {
  mining: MiningService | null;
  jobs: JobService | null;
  telemetry(): Telemetry | null;
  /** Above this a device's work stops for the slot (°C). */
  maxTempC(): number;
  record: RecordFn;
  loadManaged(): Managed;
  saveManaged(m: Managed): void;
};

export type Effective = PlanApplied & { notes: string[] };

type Tables = { devices: PlanDevice[]; controls: Map<string, LevelControl[]>; queue: Map<string, WorldJob> };

const describe = (d: PlanDecision, c: LevelControl | undefined) =>
  d.job === null ? 'off' : `${d.job}${c && c.threads > 0 ? ` on ${c.threads} thread(s) at ${c.dutyPct} %` : ''} (${d.powerW.toFixed(0)} W planned)`;

export class Executor {
  /** What each device was last set to, to record changes only. */
  private last = new Map<string, string>();
  private chain: Promise<unknown> = Promise.resolve();
  /** Jobs whose state the executor is changing right now: any other change is the user's. */
  readonly acting = new Set<number>();

  constructor(private readonly deps: ExecutorDeps) {}

  /** Applies one slot; calls never overlap (a boundary and a presence change queue up). */
  apply(applied: PlanApplied, presence: PresenceRule[], t: Tables): Promise<Effective> {
    const run = this.chain.then(() => this.applyOne(applied, presence, t));
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** The decisions after presence rules and temperatures, with the reasons they add. */
  bend(applied: PlanApplied, presence: PresenceRule[], t: Tables): { decisions: PlanDecision[]; notes: string[] } {
    const notes: string[] = [];
    let decisions = applied.decisions.map((d) => ({ ...d }));
    // A run override is the user asking in person: it wins over presence rules.
    const held = applied.source === 'override' && decisions.some((d) => d.job !== null) ? [] : presence;
    const pause = held.filter((r) => r.action === 'pause');
    const caps = held.filter((r) => r.action === 'cap');
    if (pause.length > 0) {
      notes.push(...pause.map((r) => r.reason));
      decisions = decisions.map((d) => ({ ...d, job: null, level: -1, powerW: 0, work: 0 }));
    } else if (caps.length > 0) {
      notes.push(...caps.map((r) => r.reason));
      const pct = Math.min(...caps.map((r) => r.capPct));
      decisions = decisions.map((d) => {
        if (d.job === null) return d;
        const dev = t.devices.find((x) => x.id === d.device);
        if (!dev) return d;
        const max = Math.max(...dev.levels.map((l) => l.powerW));
        const limit = (max * pct) / 100;
        if (d.powerW <= limit + 1e-9) return d;
        const kind = d.job === 'mining' ? 'mine' : t.queue.get(d.job)?.kind === 'mining' ? 'mine' : null;
        // Only hashing can be throttled; other work stops while the cap holds.
        let best = -1;
        if (kind) dev.levels.forEach((l, i) => l.powerW <= limit + 1e-9 && l.rates[kind] !== undefined && (best < 0 || l.powerW > dev.levels[best]!.powerW) && (best = i));
        return best < 0 ? { ...d, job: null, level: -1, powerW: 0, work: 0 } : { ...d, level: best, powerW: dev.levels[best]!.powerW };
      });
    }
    const mines = (d: PlanDecision) => d.job !== null && (d.job === 'mining' || t.queue.get(d.job)?.kind === 'mining');
    const down = this.deps.mining ? poolDown(this.deps.mining.status()) : null;
    // The plan counts on mining's heat; say so when the pool leaves the threads without work.
    if (down !== null && decisions.some(mines)) notes.push(`pool unreachable (${down}): the hashing threads wait for work, no heat`);
    const tel = this.deps.telemetry();
    const maxC = this.deps.maxTempC();
    decisions = decisions.map((d) => {
      const temp = tel?.devices.find((x) => x.deviceId === d.device)?.temperatureC ?? null;
      if (d.job === null || temp === null || temp < maxC) return d;
      notes.push(`${d.device} too hot (${temp.toFixed(0)} °C ≥ ${maxC} °C)`);
      return { ...d, job: null, level: -1, powerW: 0, work: 0 };
    });
    return { decisions, notes };
  }

  private async applyOne(applied: PlanApplied, presence: PresenceRule[], t: Tables): Promise<Effective> {
    const { decisions, notes } = this.bend(applied, presence, t);
    for (const n of notes) if (!this.last.has(`note:${n}`)) this.deps.record({ kind: 'deviation', message: n });
    for (const k of [...this.last.keys()]) if (k.startsWith('note:') && !notes.includes(k.slice(5))) this.last.delete(k);
    for (const n of notes) this.last.set(`note:${n}`, n);

    const managed = this.deps.loadManaged();
    const jobs = this.deps.jobs;
    const mining = this.deps.mining;
    const control = (d: PlanDecision) => t.controls.get(d.device)?.[d.level];
    const wantJobs = new Map<number, LevelControl | undefined>();
    let wantMining: LevelControl | null = null;
    for (const d of decisions) {
      if (d.job === null) continue;
      if (d.job === 'mining') wantMining = control(d) ?? null;
      // "mining" (an override, or the plan before a mining job was queued) means the queued mining job when there is one.
      const q = t.queue.get(d.job) ?? (d.job === 'mining' ? [...t.queue.values()].find((j) => j.kind === 'mining') : undefined);
      if (q) {
        wantJobs.set(q.id, control(d));
        if (q.kind === 'mining') wantMining = control(d) ?? null;
      }
    }
    const fail = (what: string, device: string | null, job: string | null) => (e: unknown) =>
      this.deps.record({ kind: 'deviation', device, job, message: `${what} failed: ${(e as Error).message}` });

    // Stop first, so the devices are free for what starts.
    if (jobs) {
      for (const id of [...managed.jobs]) {
        if (wantJobs.has(id)) continue;
        const job = jobs.get(id);
        if (!job || job.state !== 'running') {
          if (!job || ['finished', 'failed', 'cancelled'].includes(job.state)) managed.jobs = managed.jobs.filter((x) => x !== id);
          continue;
        }
        this.acting.add(id);
        await jobs
          .pause(id)
          .then(
            () => this.deps.record({ kind: 'decision', job: planJobId(id), message: `paused job ${id}` }),
            fail(`pausing job ${id}`, null, planJobId(id)),
          )
          .finally(() => this.acting.delete(id));
      }
    }
    if (mining && managed.mining && !wantMining) {
      if (mining.status().running) await mining.stop().then(() => this.deps.record({ kind: 'decision', device: 'cpu', job: 'mining', message: 'stopped mining' }), fail('stopping mining', 'cpu', 'mining'));
      managed.mining = false;
    }

    const startedNow = new Set<number>();
    if (jobs) {
      for (const [id, c] of wantJobs) {
        const job = jobs.get(id);
        if (!job) continue;
        // A built-in job never gets more threads than its spec asks for (its losses are reproducible per count).
        const threads = c && c.threads > 0 ? (job.spec.kind === 'train' ? Math.min(c.threads, job.spec.threads) : c.threads) : undefined;
        const grant = { ...(threads !== undefined && job.kind !== 'command' ? { threads } : {}), ...(job.kind === 'mining' && c ? { powerPct: c.dutyPct } : {}) };
        if (job.state === 'queued' || job.state === 'paused') {
          this.acting.add(id);
          await jobs.start(id, grant).finally(() => this.acting.delete(id)).then(
            (j) => {
              if (!managed.jobs.includes(id)) managed.jobs.push(id);
              startedNow.add(id);
              this.deps.record({ kind: j.state === 'failed' ? 'deviation' : 'decision', job: planJobId(id), message: j.state === 'failed' ? `job ${id} failed to start: ${j.error ?? ''}` : `${job.state === 'paused' ? 'resumed' : 'started'} job ${id}${grant.threads ? ` on ${grant.threads} thread(s)` : ''}` });
            },
            fail(`starting job ${id}`, null, planJobId(id)),
          );
        }
      }
    }

    if (mining && wantMining) {
      const st = mining.status();
      const queued = [...t.queue.values()].some((j) => j.kind === 'mining');
      // A mining job started just now got its threads and power with its grant.
      const justStarted = [...startedNow].some((id) => t.queue.get(planJobId(id))?.kind === 'mining');
      if (!st.running && !queued) {
        await mining.start({ threads: wantMining.threads, powerPct: wantMining.dutyPct }).then(() => {
          managed.mining = true;
        }, fail('starting mining', 'cpu', 'mining'));
      } else if (!justStarted && st.running && (managed.mining || queued) && (st.threads !== wantMining.threads || st.powerPct !== wantMining.dutyPct)) {
        await mining.setPower({ threads: wantMining.threads, powerPct: wantMining.dutyPct }, { persist: false }).catch(fail('setting the mining power', 'cpu', 'mining'));
      } else if (st.running && !managed.mining && !queued) {
        notes.push('mining started by hand: left as it is');
      }
    }
    this.deps.saveManaged(managed);

    for (const d of decisions) {
      const text = describe(d, control(d));
      if (this.last.get(`dev:${d.device}`) === text) continue;
      this.last.set(`dev:${d.device}`, text);
      this.deps.record({ kind: 'decision', device: d.device, job: d.job, message: `${d.device}: ${text}` });
    }
    const reason = [applied.reason, ...notes].join('; ');
    return { ...applied, decisions, reason, notes };
  }
}
