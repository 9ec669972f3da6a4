import fs from 'node:fs';
import path from 'node:path';
import {
  deviceId,
  HandlerError,
  type Job,
  type JobCreate,
  type JobDetail,
  type JobProgress,
  type JobSettings,
  type JobSpec,
  type JobState,
  type LossPoint,
} from '#contract/index';
import type { Clock } from '#core/clock';
import type { EventBus } from '#core/event';
import type { Db } from '#core/ledger/db';
import type { Logger } from '#core/log';
import type { Settings } from '#core/setting';
import { listCheckpoints } from '#workers/train/checkpoint';
import { loadCorpus } from '#workers/train/corpus';
import { sampleText } from '#workers/train/sample';
import type { JobRunner, RunContext, RunGrant, RunHandle, RunOutcome } from './runner.ts';
import type { GpuReading } from './nvidia.ts';
import { BoundedLog, LOG_FILE } from './log-file.ts';
import { DEFAULT_LOG_MAX_BYTES, logMaxBytesSetting } from './setting.ts';
import { allowedFrom, transition, type JobEvent } from './state.ts';
import { createJobStore } from './store.ts';
import { checkpointDir } from './train-runner.ts';

/**
 * What the planner and scheduler may do with jobs: see them all, create, start (or resume),
 * pause and cancel them, and hear when one changes. Every job kind looks the same here.
 */
export type JobService = {
  list(): Job[];
  get(id: number): Job | null;
  create(input: JobCreate): Job;
  /**
   * Starts a queued job or resumes a paused one; resolves once it is running (or failed to
   * start). `grant` is what the planner allows this run: `threads` caps a built-in job's worker
   * threads (its loss trajectory is reproducible per thread count).
   */
  start(id: number, grant?: RunGrant): Promise<Job>;
  /** A running job's new grant, in place where its runner can take one (mining); false where not. */
  regrant(id: number, grant: RunGrant): Promise<boolean>;
  /** Resolves once the job is paused and resumable (checkpoint written, or process stopped). */
  pause(id: number): Promise<Job>;
  cancel(id: number): Promise<Job>;
  /** Called on every state change and stored progress update. */
  onChange(listener: (job: Job) => void): () => void;
  /** Adds the runner for another job kind (see runner.ts). */
  registerRunner<S extends JobSpec>(runner: JobRunner<S>): void;
};

/** What the job domain needs from the core: its ledger tables, its folder, time, events and log. */
export type JobDeps = {
  db: Db;
  dataDir: string;
  clock: Clock;
  events: EventBus;
  log: Logger;
  /** Where `job.logMaxBytes` is read; absent: its default. */
  settings?: Settings;
};

/** What a job that was running when Hearth stopped without stopping it cleanly says. */
export const CRASH_REASON = 'Hearth stopped while this job ran; check its log, then resume it';

/** Log lines kept in memory per job (the full log is in the job's folder). */
const LOG_LINES = 200;
/** How long quitting waits for each job to save its state. */
const QUIT_WAIT_MS = 20_000;
/** Progress is stored and pushed at most this often per job. */
const PROGRESS_EVERY_MS = 250;
/** `job-log` events are pushed at most this often per job, each with the lines since the last. */
const LOG_EVENT_EVERY_MS = 250;

type Active = { handle: RunHandle; ctx: RunContext };

/**
 * The job domain's engine: the state machine applied to the ledger, runners started and paused
 * in the right order, progress throttled into the ledger and onto the event bus.
 */
export class JobManager implements JobService {
  private readonly store;
  private readonly runners = new Map<string, JobRunner>();
  private readonly active = new Map<number, Active>();
  private readonly listeners = new Set<(job: Job) => void>();
  private readonly logs = new Map<number, string[]>();
  private readonly logFiles = new Map<number, BoundedLog>();
  private readonly logEvents = new Map<number, { lines: string[]; skipped: number }>();
  /** Loss points not yet stored: written with the progress, at most every PROGRESS_EVERY_MS. */
  private readonly losses = new Map<number, LossPoint[]>();
  private readonly gpu = new Map<number, GpuReading>();
  private readonly progress = new Map<
    number,
    { p: JobProgress; storedAt: number; samples: { at: number; done: number }[] }
  >();
  /** Starts under way (a paused job's resume takes a moment): a pause asked meanwhile waits for its end. */
  private readonly starting = new Map<number, Promise<unknown>>();
  /** Each job's row as this process last knew it, progress left out (see `reload`). */
  private readonly known = new Map<number, string>();
  /** Quitting: outcomes no longer change states. */
  private closing = false;
  /** Quit done: the core closes the ledger next, nothing may write. */
  private closed = false;

  constructor(private readonly ctx: JobDeps) {
    this.store = createJobStore(ctx.db);
    for (const job of this.store.list()) this.known.set(job.id, rowKey(job));
  }

  /**
   * Another process wrote to the ledger (the core's watch): jobs it created or changed (a
   * `hearth job` command, a second app) are told as this process tells its own, with `job-state`
   * for pages and to the listeners (the scheduler plans again). Progress is left out of the
   * comparison, so another process's run storing its steps does nothing here.
   */
  reload(): void {
    const rows = this.store.list();
    const ids = new Set(rows.map((j) => j.id));
    for (const id of [...this.known.keys()]) if (!ids.has(id)) this.known.delete(id);
    for (const job of rows) {
      const key = rowKey(job);
      if (this.known.get(job.id) === key) continue;
      this.known.set(job.id, key);
      this.ctx.events.emit('job-state', { id: job.id, state: job.state, error: job.error });
      for (const l of this.listeners) l(job);
    }
  }

  registerRunner<S extends JobSpec>(r: JobRunner<S>): void {
    if (this.runners.has(r.kind)) throw new Error(`Two job runners for kind "${r.kind}"`);
    this.runners.set(r.kind, r as unknown as JobRunner);
  }

  jobDir(id: number): string {
    return path.join(this.ctx.dataDir, 'jobs', String(id));
  }

  list(): Job[] {
    return this.store.list();
  }

  get(id: number): Job | null {
    return this.store.get(id);
  }

  private must(id: number): Job {
    const job = this.store.get(id);
    if (!job)
      throw new HandlerError('not-found', `There is no job ${id}`, 'Refresh the job list: it may have been deleted.');
    return job;
  }

  private runner(kind: string): JobRunner {
    const r = this.runners.get(kind);
    if (!r)
      throw new HandlerError(
        'unavailable',
        `No runner for ${kind} jobs is available`,
        kind === 'mining' ? 'Mining jobs run once the mining domain is enabled.' : undefined,
      );
    return r;
  }

  onChange(listener: (job: Job) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(id: number): void {
    const job = this.store.get(id);
    if (!job) return;
    this.known.set(id, rowKey(job));
    for (const l of this.listeners) l(job);
  }

  private move(id: number, event: JobEvent, error: string | null = null): Job {
    const job = this.must(id);
    const to = transition(job.state, event);
    if (!to) {
      throw new HandlerError(
        'conflict',
        `Job ${id} is ${job.state}: it can ${event} only when ${allowedFrom(event).join(' or ')}`,
      );
    }
    this.setState(id, to, error);
    return this.must(id);
  }

  private setState(id: number, state: JobState, error: string | null): void {
    this.store.setState(id, state, error, this.ctx.clock.now());
    this.ctx.events.emit('job-state', { id, state, error });
    if (error) this.log(id, `failed: ${error}`);
    this.changed(id);
  }

  create(input: JobCreate): Job {
    const runner = this.runner(input.spec.kind);
    let spec: JobSpec;
    try {
      spec = runner.prepare(input.spec as never);
    } catch (err) {
      if (err instanceof HandlerError) throw err;
      throw new HandlerError('bad-request', (err as Error).message);
    }
    const name = input.name ?? defaultName(spec);
    const job = this.store.create(
      {
        name,
        spec,
        devices: input.devices ?? [deviceId('cpu')],
        deadline: input.deadline ?? null,
        valuePerHour: input.valuePerHour ?? null,
        mode: input.mode ?? 'cheapest',
        runPastDeadline: input.runPastDeadline ?? false,
        total: runner.total(spec as never),
      },
      this.ctx.clock.now(),
    );
    fs.mkdirSync(this.jobDir(job.id), { recursive: true, mode: 0o700 }); // private, as the data folder (file-mode.ts)
    this.changed(job.id);
    return job;
  }

  async start(id: number, grant: RunGrant = {}): Promise<Job> {
    const run = this.startNow(id, grant);
    this.starting.set(id, run);
    const forget = () => {
      if (this.starting.get(id) === run) this.starting.delete(id);
    };
    run.then(forget, forget);
    return run;
  }

  private async startNow(id: number, grant: RunGrant): Promise<Job> {
    const job = this.must(id);
    // A job left `running` by a crash (or a process that was killed) has no run behind it: continue it.
    const stale = job.state === 'running' && !this.active.has(id);
    // A failed job started by hand is retried (its program allowed since, its log read).
    const retry = job.state === 'failed';
    if (!stale && !retry && !transition(job.state, 'start'))
      throw new HandlerError('conflict', `Job ${id} is ${job.state}: only a queued, paused or failed job can start`);
    const runner = this.runner(job.kind);
    if (stale) {
      this.log(id, 'continuing after the process that ran it stopped');
      this.launch(job, runner, true, grant);
      return this.started(id);
    }
    const current = this.active.get(id);
    if (current?.handle.resume) {
      await current.handle.resume();
      this.setState(id, 'running', null);
      return this.must(id);
    }
    if (retry) this.log(id, 'started again by hand');
    this.launch(job, runner, job.state === 'paused' || job.progress.done > 0, grant);
    return this.started(id);
  }

  /** The job once its run is under way: where the runner says when its work really runs (mining: threads hashing), after that. */
  private async started(id: number): Promise<Job> {
    await this.active.get(id)?.handle.ready;
    return this.must(id);
  }

  /** Starts the runner; a runner that throws while starting fails the job with its message. */
  private launch(job: Job, runner: JobRunner, resuming: boolean, grant: RunGrant = {}): void {
    const id = job.id;
    const ctx: RunContext = {
      jobId: id,
      spec: job.spec,
      dir: this.jobDir(id),
      resuming,
      grant,
      done: job.progress.done,
      report: (p) => this.report(id, p),
      loss: (step, loss) => this.addLoss(id, step, loss),
      log: (line) => this.log(id, line),
      gpu: (r) => this.gpu.set(id, r),
    };
    fs.mkdirSync(ctx.dir, { recursive: true, mode: 0o700 });
    let handle: RunHandle;
    try {
      handle = runner.start(ctx);
    } catch (err) {
      if (job.state !== 'running') this.setState(id, 'running', null);
      this.setState(id, 'failed', (err as Error).message);
      return;
    }
    this.active.set(id, { handle, ctx });
    this.store.setRunOpen(id, true);
    if (job.state !== 'running') this.setState(id, 'running', null);
    handle.done.then(
      (o) => this.ended(id, handle, o),
      (err: Error) => this.ended(id, handle, { outcome: 'failed', error: err.message }),
    );
  }

  private ended(id: number, handle: RunHandle, o: RunOutcome): void {
    if (this.active.get(id)?.handle === handle) this.active.delete(id);
    // A run that had to be killed stays open: the next launch holds it rather than start it blindly.
    if (!this.closed && !(o.outcome === 'stopped' && o.forced)) this.store.setRunOpen(id, false);
    // Quitting: the ledger keeps the job running so the next launch continues it.
    if (this.closing) return;
    const state = this.store.get(id)?.state;
    if (!state) return;
    this.flush(id);
    if (o.outcome === 'finished' && transition(state, 'finish')) this.setState(id, 'finished', null);
    else if (o.outcome === 'failed' && transition(state, 'fail')) this.setState(id, 'failed', o.error);
    // A run that ends paused without being asked (mining stopped on the Mining page) was paused by hand.
    else if (o.outcome === 'paused' && (state === 'pausing' || state === 'running')) this.setState(id, 'paused', null);
  }

  /** Gives a running job a new grant in place; false where its runner cannot (it keeps its grant). */
  async regrant(id: number, grant: RunGrant): Promise<boolean> {
    const a = this.active.get(id);
    if (!a?.handle.regrant || this.must(id).state !== 'running') return false;
    await a.handle.regrant(grant);
    a.ctx.grant = grant;
    return true;
  }

  async pause(id: number): Promise<Job> {
    // A pause asked while a start is still under way (a paused job resuming) is not refused: it
    // waits for the start, then pauses, so a pause by hand is never undone by a start in flight.
    const inFlight = this.starting.get(id);
    if (inFlight && !transition(this.must(id).state, 'pause')) await inFlight.catch(() => undefined);
    this.move(id, 'pause');
    const a = this.active.get(id);
    if (!a) {
      this.setState(id, 'paused', null);
      return this.must(id);
    }
    await a.handle.pause();
    if (a.handle.resume) {
      if (this.must(id).state === 'pausing') this.setState(id, 'paused', null);
    } else {
      // The runner ends its run; `ended` moves the job to paused (or finished, failed).
      await a.handle.done.catch(() => undefined);
      await new Promise((r) => setImmediate(r));
    }
    return this.must(id);
  }

  async cancel(id: number): Promise<Job> {
    const job = this.must(id);
    if (!transition(job.state, 'cancel'))
      throw new HandlerError('conflict', `Job ${id} is ${job.state}: it has already ended`);
    const a = this.active.get(id);
    if (a) {
      await a.handle.stop('cancel');
      await a.handle.done.catch(() => undefined);
      this.active.delete(id);
    }
    return this.move(id, 'cancel');
  }

  delete(id: number): void {
    const job = this.must(id);
    if (this.active.has(id) || job.state === 'running' || job.state === 'pausing') {
      throw new HandlerError(
        'conflict',
        `Job ${id} is ${job.state} and still holds its process or threads`,
        'Cancel it first, then delete it.',
      );
    }
    this.store.delete(id);
    this.known.delete(id);
    this.logs.delete(id);
    this.logFiles.delete(id);
    this.logEvents.delete(id);
    this.progress.delete(id);
    fs.rmSync(this.jobDir(id), { recursive: true, force: true });
  }

  detail(id: number): JobDetail {
    const job = this.must(id);
    const dir = this.jobDir(id);
    return {
      ...job,
      losses: this.store.losses(id),
      checkpoints: job.kind === 'train' ? listCheckpoints(checkpointDir(dir)).reverse() : [],
      log: this.logs.get(id)?.slice(-LOG_LINES) ?? readTail(path.join(dir, LOG_FILE), LOG_LINES),
      gpu: this.gpu.get(id) ?? null,
    };
  }

  /** Text the built-in model writes from its newest checkpoint (seeded: the same each time). */
  sample(id: number, length: number, temperature: number): { step: number; text: string } {
    const job = this.must(id);
    if (job.spec.kind !== 'train')
      throw new HandlerError(
        'bad-request',
        `Job ${id} is a ${job.kind} job: only built-in training jobs write samples`,
      );
    const newest = listCheckpoints(checkpointDir(this.jobDir(id))).at(-1);
    if (!newest)
      throw new HandlerError(
        'conflict',
        `Job ${id} has no checkpoint yet`,
        'Start it and wait for its first checkpoint, or pause it.',
      );
    try {
      const corpus = loadCorpus(job.spec.dataFile, job.spec.context + 2);
      return { step: newest.step, text: sampleText(newest.file, corpus, length, { temperature }) };
    } catch (err) {
      throw new HandlerError('failed', (err as Error).message);
    }
  }

  private log(id: number, line: string): void {
    let ring = this.logs.get(id);
    if (!ring) this.logs.set(id, (ring = readTail(path.join(this.jobDir(id), LOG_FILE), LOG_LINES)));
    ring.push(line);
    // Trimmed in bulk, not line by line: a job may log hundreds of thousands of lines a second.
    if (ring.length > 2 * LOG_LINES) ring.splice(0, ring.length - LOG_LINES);
    if (this.closed) return;
    let file = this.logFiles.get(id);
    if (!file) {
      file = new BoundedLog(this.jobDir(id), () => this.logMaxBytes());
      this.logFiles.set(id, file);
    }
    file.append(line);
    if (!this.closing) this.queueLogEvent(id, line);
  }

  private logMaxBytes(): number {
    return this.ctx.settings?.get(logMaxBytesSetting) ?? DEFAULT_LOG_MAX_BYTES;
  }

  logSettings(): JobSettings {
    return { logMaxBytes: this.logMaxBytes() };
  }

  /** The next line each job logs is measured against the new size: no restart needed. */
  configureLogs(next: JobSettings): JobSettings {
    if (!this.ctx.settings) throw new HandlerError('unavailable', 'This core keeps no settings');
    this.ctx.settings.set(logMaxBytesSetting, next.logMaxBytes);
    return this.logSettings();
  }

  /** One `job-log` event per job at most every LOG_EVENT_EVERY_MS, with the newest lines since the last. */
  private queueLogEvent(id: number, line: string): void {
    let e = this.logEvents.get(id);
    if (!e) {
      const batch = { lines: [] as string[], skipped: 0 };
      this.logEvents.set(id, (e = batch));
      const t = setTimeout(() => {
        if (this.logEvents.get(id) === batch) this.logEvents.delete(id);
        if (this.closing) return;
        const extra = Math.max(0, batch.lines.length - LOG_LINES);
        this.ctx.events.emit('job-log', { id, lines: batch.lines.slice(extra), skipped: batch.skipped + extra });
      }, LOG_EVENT_EVERY_MS);
      t.unref();
    }
    e.lines.push(line);
    if (e.lines.length > 2 * LOG_LINES) {
      const n = e.lines.length - LOG_LINES;
      e.lines.splice(0, n);
      e.skipped += n;
    }
  }

  /** Resolves once every job's log lines so far are on disk. */
  async flushLogs(): Promise<void> {
    await Promise.all([...this.logFiles.values()].map((f) => f.flush()));
  }

  private addLoss(id: number, step: number, loss: number): void {
    if (this.closed) return;
    let points = this.losses.get(id);
    if (!points) this.losses.set(id, (points = []));
    const at = this.ctx.clock.now();
    // A script printing the same step many times keeps one point: its latest.
    if (points.at(-1)?.step === step) points[points.length - 1] = { step, loss, at };
    else points.push({ step, loss, at });
  }

  private storeLosses(id: number): void {
    const points = this.losses.get(id);
    if (!points || points.length === 0 || this.closed) return;
    this.losses.delete(id);
    this.store.addLosses(id, points);
  }

  private report(id: number, p: Partial<Omit<JobProgress, 'unit'>> & { done: number }): void {
    if (this.closed) return;
    const now = this.ctx.clock.now();
    let entry = this.progress.get(id);
    if (!entry) {
      entry = { p: this.must(id).progress, storedAt: 0, samples: [] };
      this.progress.set(id, entry);
    }
    const next: JobProgress = { ...entry.p, ...p, unit: 'steps' };
    // ETA from the rate over the last ~10 s, not the whole run's (a resumed run starts mid-way).
    const samples = entry.samples;
    if (samples.length > 0 && p.done < samples.at(-1)!.done) samples.length = 0;
    // One sample per 100 ms is plenty for a rate; a sample per line would grow without bound.
    const last = samples.at(-1);
    if (last && now - last.at < 100 && samples.length > 1) last.done = p.done;
    else samples.push({ at: now, done: p.done });
    while (samples.length > 2 && now - samples[0]!.at > 10_000) samples.shift();
    const first = samples[0]!;
    const dt = (now - first.at) / 1000;
    const stepsPerSec = dt > 0.2 && p.done > first.done ? (p.done - first.done) / dt : null;
    next.etaSec =
      next.total !== null && stepsPerSec ? Math.max(0, (next.total - next.done) / stepsPerSec) : entry.p.etaSec;
    entry.p = next;
    if (now - entry.storedAt >= PROGRESS_EVERY_MS) this.flush(id);
  }

  private flush(id: number): void {
    this.storeLosses(id);
    const entry = this.progress.get(id);
    if (!entry || this.closed) return;
    entry.storedAt = this.ctx.clock.now();
    this.store.setProgress(id, entry.p, entry.storedAt);
    const state = this.store.get(id)?.state ?? 'running';
    this.ctx.events.emit('job-progress', { id, state, progress: entry.p });
    this.changed(id);
  }

  /** On launch: jobs that were running continue from their checkpoints; half-taken pauses complete. */
  resumeAfterRestart(): void {
    for (const job of this.store.list()) {
      if ((job.state === 'running' || job.state === 'pausing') && this.store.runOpen(job.id)) {
        this.store.setRunOpen(job.id, false);
        if (this.runners.get(job.kind)?.holdAfterCrash) {
          // It may be what brought Hearth down: a person decides, the scheduler never starts a failed job.
          this.log(job.id, 'Hearth stopped while this job ran without stopping it cleanly: not started again');
          this.setState(job.id, 'failed', CRASH_REASON);
          continue;
        }
      }
      if (job.state === 'pausing') this.setState(job.id, 'paused', null);
      else if (job.state === 'running') {
        const runner = this.runners.get(job.kind);
        if (!runner) {
          this.ctx.log.warn(
            `job ${job.id} (${job.kind}) was running but no runner for its kind is available: left as it is`,
          );
          continue;
        }
        this.log(job.id, 'the app restarted: continuing');
        this.launch(job, runner, true);
      }
    }
  }

  /** App quit: every runner saves what it needs to continue; jobs stay in their states. */
  async quit(): Promise<void> {
    for (const id of this.active.keys()) this.flush(id);
    this.closing = true;
    // A runner that does not stop within QUIT_WAIT_MS must not keep the app from quitting; its
    // last periodic checkpoint is what the next launch continues from.
    await Promise.all(
      [...this.active.entries()].map(([id, a]) =>
        Promise.race([
          a.handle.stop('quit').catch(() => undefined),
          new Promise<void>((resolve) => {
            const t = setTimeout(() => {
              this.ctx.log.warn(`job ${id} did not stop within ${QUIT_WAIT_MS / 1000} s of quitting: leaving it`);
              resolve();
            }, QUIT_WAIT_MS);
            t.unref();
          }),
        ]),
      ),
    );
    this.active.clear();
    await this.flushLogs();
    this.closed = true;
  }
}

/** A job's row but its progress: what another process may change that a page or the plan must hear of. */
function rowKey(j: Job): string {
  return JSON.stringify([j.state, j.error, j.name, j.devices, j.deadline, j.valuePerHour, j.mode, j.runPastDeadline]);
}

/** The last lines of a log file, read from its end only (the file may be megabytes). */
function readTail(file: string, lines: number): string[] {
  let fd: number | null = null;
  try {
    fd = fs.openSync(file, 'r');
    const size = fs.fstatSync(fd).size;
    const want = Math.min(size, 256 * 1024);
    const buf = Buffer.alloc(want);
    fs.readSync(fd, buf, 0, want, size - want);
    const all = buf.toString('utf8').split('\n');
    // The first piece may be the end of a line read from its middle.
    if (want < size) all.shift();
    return all.filter((l) => l !== '').slice(-lines);
  } catch {
    return [];
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

function defaultName(spec: JobSpec): string {
  if (spec.kind === 'train')
    return `Character model on ${spec.dataFile ? path.basename(spec.dataFile) : 'the built-in corpus'}`;
  if (spec.kind === 'command') return (spec.command as string[]).join(' ').slice(0, 80);
  return `${spec.kind} job`;
}
