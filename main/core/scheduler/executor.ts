/**
 * Carries a slot's decisions out on the job manager's jobs (start, resume, pause, and a new grant
 * of threads and duty cycle for a running one); mining is one of those jobs. Presence rules and
 * hot devices bend the decisions first; what actually changed is recorded.
 */
import type { DeviceId, Job, JobId, JobState, PlanEventKind, PresenceRule, Telemetry } from '#contract/index';
import type { RunGrant } from '#core/job/runner';
import type { JobService } from '#core/job/service';
import type { PlanApplied, PlanDecision, PlanDevice } from '#contract/plan';
import { planJobId, type LevelControl, type WorldJob } from './inputs.ts';

export type RecordFn = (e: {
  kind: PlanEventKind;
  device?: DeviceId | null;
  job?: JobId | null;
  message: string;
}) => void;

/** What the scheduler started and may therefore pause; work started by hand is left alone. */
export type Managed = { jobs: number[] };

export type ExecutorDeps = {
  jobs: JobService | null;
  /** Why the mining pool leaves the hashing threads without work now; null while it does not. */
  poolProblem(): string | null;
  telemetry(): Telemetry | null;
  /** Above this a device's work stops for the slot (°C). */
  maxTempC(): number;
  record: RecordFn;
  loadManaged(): Managed;
  saveManaged(m: Managed): void;
  /** Jobs paused by hand: out of the plan, never started by the scheduler until the person starts them. */
  loadHeld(): number[];
  saveHeld(ids: number[]): void;
};

/** What the executor is doing to a job, and the states that action leads to (any other is the person's). */
type Action = 'start' | 'pause';
const LEADS_TO: Record<Action, readonly JobState[]> = {
  start: ['running', 'failed'],
  pause: ['pausing', 'paused', 'finished', 'failed'],
};

export type Effective = PlanApplied & { notes: string[] };

type Tables = { devices: PlanDevice[]; controls: Map<string, LevelControl[]>; queue: Map<string, WorldJob> };

const describe = (d: PlanDecision, c: LevelControl | undefined, q: WorldJob | undefined) =>
  d.job === null
    ? 'off'
    : `${q?.kind === 'mining' ? 'mining' : d.job}${c && c.threads > 0 ? ` on ${c.threads} thread(s) at ${c.dutyPct} %` : ''} (${d.powerW.toFixed(0)} W planned)`;

export class Executor {
  /** What each device was last set to, to record changes only. */
  private last = new Map<string, string>();
  private chain: Promise<unknown> = Promise.resolve();
  /**
   * Jobs whose state the executor is changing right now, and how. Only the states its own action
   * leads to are its own: a pause by hand while its start is still under way is the person's.
   */
  private readonly acting = new Map<number, Action>();
  /** The grant each running job the scheduler started last got, to give a new one only on a change. */
  private granted = new Map<number, string>();

  constructor(private readonly deps: ExecutorDeps) {}

  /**
   * Follows every job's state changes; one the executor did not make is the person's: a pause by
   * hand holds the job out of the plan, a start by hand makes it theirs (neither held nor the
   * scheduler's to pause). `then` hears every state change after that. Returns the stop function.
   */
  watch(jobs: JobService, then: (job: Job) => void): () => void {
    const states = new Map<number, JobState>(jobs.list().map((j) => [j.id, j.state]));
    return jobs.onChange((j) => {
      const before = states.get(j.id);
      if (before === j.state) return; // progress, not a state change
      states.set(j.id, j.state);
      const action = this.acting.get(j.id);
      if (!action || !LEADS_TO[action].includes(j.state)) this.byHand(j.id, j.state, before);
      then(j);
    });
  }

  private byHand(id: number, state: JobState, before: JobState | undefined): void {
    const held = this.deps.loadHeld();
    if ((state === 'pausing' || (state === 'paused' && before === 'running')) && !held.includes(id))
      this.deps.saveHeld([...held, id]);
    if (state === 'running' && before !== undefined && before !== 'running') {
      this.deps.saveHeld(held.filter((x) => x !== id));
      const m = this.deps.loadManaged();
      if (m.jobs.includes(id)) this.deps.saveManaged({ ...m, jobs: m.jobs.filter((x) => x !== id) });
    }
  }

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
        const kind = t.queue.get(d.job)?.kind === 'mining' ? 'mine' : null;
        // Only hashing can be throttled; other work stops while the cap holds.
        let best = -1;
        if (kind)
          dev.levels.forEach(
            (l, i) =>
              l.powerW <= limit + 1e-9 &&
              l.rates[kind] !== undefined &&
              (best < 0 || l.powerW > dev.levels[best]!.powerW) &&
              (best = i),
          );
        return best < 0
          ? { ...d, job: null, level: -1, powerW: 0, work: 0 }
          : { ...d, level: best, powerW: dev.levels[best]!.powerW };
      });
    }
    const mines = (d: PlanDecision) => d.job !== null && t.queue.get(d.job)?.kind === 'mining';
    const down = this.deps.poolProblem();
    // The plan counts on mining's heat; say so when the pool leaves the threads without work.
    if (down !== null && decisions.some(mines))
      notes.push(`pool unreachable (${down}): the hashing threads wait for work, no heat`);
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
    for (const k of [...this.last.keys()])
      if (k.startsWith('note:') && !notes.includes(k.slice(5))) this.last.delete(k);
    for (const n of notes) this.last.set(`note:${n}`, n);

    const managed = this.deps.loadManaged();
    const jobs = this.deps.jobs;
    const control = (d: PlanDecision) => t.controls.get(d.device)?.[d.level];
    const want = new Map<number, LevelControl | undefined>();
    for (const d of decisions) {
      const q = d.job === null ? undefined : t.queue.get(d.job);
      if (q) want.set(q.id, control(d));
    }
    if (jobs) {
      await this.pauseUnwanted(jobs, managed, want);
      await this.startWanted(jobs, managed, want);
    }
    this.deps.saveManaged(managed);

    for (const d of decisions) {
      const text = describe(d, control(d), d.job === null ? undefined : t.queue.get(d.job));
      if (this.last.get(`dev:${d.device}`) === text) continue;
      this.last.set(`dev:${d.device}`, text);
      this.deps.record({ kind: 'decision', device: d.device, job: d.job, message: `${d.device}: ${text}` });
    }
    const reason = [applied.reason, ...notes].join('; ');
    return { ...applied, decisions, reason, notes };
  }

  private fail(what: string, job: number) {
    return (e: unknown) =>
      this.deps.record({ kind: 'deviation', job: planJobId(job), message: `${what} failed: ${(e as Error).message}` });
  }

  /** Stops first, so the devices are free for what starts; only what the scheduler started. */
  private async pauseUnwanted(
    jobs: JobService,
    managed: Managed,
    want: Map<number, LevelControl | undefined>,
  ): Promise<void> {
    for (const id of [...managed.jobs]) {
      if (want.has(id)) continue;
      const job = jobs.get(id);
      if (!job || job.state !== 'running') {
        if (!job || ['finished', 'failed', 'cancelled'].includes(job.state))
          managed.jobs = managed.jobs.filter((x) => x !== id);
        continue;
      }
      this.granted.delete(id);
      await this.acted(id, 'pause', () => jobs.pause(id)).then(
        () => this.deps.record({ kind: 'decision', job: planJobId(id), message: `paused job ${id}` }),
        this.fail(`pausing job ${id}`, id),
      );
    }
  }

  /** Starts or resumes what the slot wants; a running job the scheduler started takes its new level in place. */
  private async startWanted(
    jobs: JobService,
    managed: Managed,
    want: Map<number, LevelControl | undefined>,
  ): Promise<void> {
    const held = this.deps.loadHeld();
    for (const [id, c] of want) {
      const job = jobs.get(id);
      // A plan made before the person paused it may still name it (a presence change applies the
      // current plan again before the next one is made): held stays held.
      if (!job || held.includes(id)) continue;
      const grant = grantFor(job, c);
      const key = JSON.stringify(grant);
      if (job.state === 'queued' || job.state === 'paused') {
        await this.acted(id, 'start', () => jobs.start(id, grant)).then(
          (started) => {
            const j = jobs.get(id) ?? started;
            if (j.state === 'pausing' || j.state === 'paused') {
              // Paused by hand while the start was under way: the pause stands (held, see watch).
              this.deps.record({
                kind: 'decision',
                job: planJobId(id),
                message: `job ${id} was paused by hand while it was being started: it stays paused`,
              });
              return;
            }
            if (!managed.jobs.includes(id)) managed.jobs.push(id);
            this.granted.set(id, key);
            const failed = j.state === 'failed';
            this.deps.record({
              kind: failed ? 'deviation' : 'decision',
              job: planJobId(id),
              message: failed
                ? `job ${id} failed to start: ${j.error ?? ''}`
                : `${job.state === 'paused' ? 'resumed' : 'started'} job ${id}${describeGrant(grant)}`,
            });
          },
          this.fail(`starting job ${id}`, id),
        );
      } else if (job.state === 'running' && managed.jobs.includes(id) && this.granted.get(id) !== key) {
        await jobs.regrant(id, grant).then(
          (applied) => {
            this.granted.set(id, key);
            if (applied)
              this.deps.record({
                kind: 'decision',
                job: planJobId(id),
                message: `job ${id} now${describeGrant(grant)}`,
              });
          },
          this.fail(`changing job ${id}'s threads`, id),
        );
      }
    }
  }

  /** Marks the job as changed by the scheduler while `fn` runs: any other change is the person's. */
  private async acted<T>(id: number, action: Action, fn: () => Promise<T>): Promise<T> {
    this.acting.set(id, action);
    try {
      return await fn();
    } finally {
      this.acting.delete(id);
    }
  }
}

/** What one run may use: a built-in job never more threads than its spec asks (its losses are reproducible per count); a command gets none (it runs as it is). */
function grantFor(
  job: { kind: string; spec: { kind: string; threads?: number } },
  c: LevelControl | undefined,
): RunGrant {
  const threads =
    c && c.threads > 0
      ? job.spec.kind === 'train' && job.spec.threads !== undefined
        ? Math.min(c.threads, job.spec.threads)
        : c.threads
      : undefined;
  return {
    ...(threads !== undefined && job.kind !== 'command' ? { threads } : {}),
    ...(job.kind === 'mining' && c ? { powerPct: c.dutyPct } : {}),
  };
}

const describeGrant = (g: RunGrant) =>
  `${g.threads ? ` on ${g.threads} thread(s)` : ''}${g.powerPct !== undefined && g.powerPct !== 100 ? ` at ${g.powerPct} %` : ''}`;
