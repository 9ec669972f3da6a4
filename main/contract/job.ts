import { z } from 'zod';
import { deviceIdSchema, type DeviceId } from './id.ts';
import type { ArgSchemas, Handler } from './rpc.ts';

/**
 * A job's life. `queued` waits for the planner; `pausing` means a pause was asked and the runner
 * is writing its checkpoint (or waiting for the child to stop); `paused` resumes from that
 * checkpoint. `finished` and `cancelled` are final; the planner never starts a `failed` job, but a
 * person may start it again (`job-start`), e.g. once its program is allowed or its log was read.
 *
 *   queued ──start──▶ running ──pause──▶ pausing ──▶ paused ──start──▶ running
 *   running ──▶ finished | failed        any non-final ──cancel──▶ cancelled
 *   failed ──job-start (by hand)──▶ running
 */
export type JobState = 'queued' | 'running' | 'pausing' | 'paused' | 'finished' | 'failed' | 'cancelled';

export const FINAL_JOB_STATES: readonly JobState[] = ['finished', 'failed', 'cancelled'];

/** Built-in workloads of the training worker. */
export type TrainWorkload = 'char-mlp';

/** A model trained by Hearth's own worker threads (native-workers/train). */
export type TrainSpec = {
  kind: 'train';
  workload: TrainWorkload;
  /**
   * Text file to train the character-level language model on; null trains on the corpus that
   * ships inside an installed npm package (the mqtt package's README, ~41 kB of English prose).
   */
  dataFile: string | null;
  /** Optimizer steps to run; the job's work. */
  steps: number;
  /** Worker threads (data-parallel). The loss trajectory is deterministic for a fixed count. */
  threads: number;
  /** Sequences per step, split across threads; a multiple of 4 × threads. */
  batchSize: number;
  learningRate: number;
  seed: number;
  /** Hidden units (multiple of 8). */
  hidden: number;
  /** Characters of context the model sees. */
  context: number;
  /** A checkpoint every this many steps (and on every pause and on quit). */
  checkpointEvery: number;
  /** Checkpoints kept on disk; older ones are deleted. */
  keepCheckpoints: number;
};

/** Any training command run as a child process (e.g. `python train.py`). */
export type CommandSpec = {
  kind: 'command';
  /**
   * argv: program first. Run without a shell. The program must be on this machine's list of
   * allowed programs (`job-programs-list`), checked when the job is created and on every start.
   */
  command: string[];
  /** Working directory; must exist. */
  cwd: string;
  /** Arguments appended when the job restarts after a graceful pause (e.g. ["--resume"]). */
  resumeArgs: string[];
  /** signal: SIGSTOP/SIGCONT, the process stays in memory; restart: SIGTERM, wait, start again with resumeArgs. */
  pauseMode: 'signal' | 'restart';
  /**
   * Where the command reports progress: a file it rewrites, or its stdout. Either way a line like
   * `step 120/1000 loss 2.31` or JSON `{"step":120,"total":1000,"loss":2.31}` is understood.
   */
  progressFile: string | null;
  /** Total steps when the command does not print them; null if unknown. */
  totalSteps: number | null;
};

/**
 * Bitcoin mining through the mining domain's hashing threads and its configured pools. The
 * scheduler sets threads and power level per slot; the job runs until stopped (no work total).
 */
export type MiningSpec = { kind: 'mining' };

export type JobSpec = TrainSpec | CommandSpec | MiningSpec;
export type JobKind = JobSpec['kind'];

export type JobProgress = {
  /** Work done and needed, in `unit`; `total` null means "until stopped". */
  done: number;
  total: number | null;
  unit: 'steps';
  /** Latest training loss (mean over the last report interval); null before the first report. */
  loss: number | null;
  /** Samples (sequences) per second over the last report interval; null if unknown. */
  samplesPerSec: number | null;
  /** Seconds left at the current rate; null if unknown. */
  etaSec: number | null;
};

export type Job = {
  id: number;
  name: string;
  kind: JobKind;
  spec: JobSpec;
  state: JobState;
  /** Device ids the job may use ("cpu", "gpu:0"). */
  devices: DeviceId[];
  /** ms since epoch; the work should be done by then. */
  deadline: number | null;
  /** What an hour of this job is worth to the user (currency per hour), for the planner. */
  valuePerHour: number | null;
  /** cheapest: the planner may start and stop it in the cheapest slots; continuous: one unbroken block. */
  mode: JobMode;
  /** Keep running after a missed deadline until the work is done. */
  runPastDeadline: boolean;
  progress: JobProgress;
  /** Why the job failed, with the last log lines of a command. */
  error: string | null;
  createdAt: number;
  updatedAt: number;
};

export type LossPoint = { step: number; loss: number; at: number };
export type Checkpoint = { step: number; file: string; bytes: number; at: number };

export type JobDetail = Job & {
  losses: LossPoint[];
  checkpoints: Checkpoint[];
  /** The last lines the job logged (a command's stdout and stderr). */
  log: string[];
  /** GPU readings attributed to a command job, from nvidia-smi; null without an NVIDIA GPU. */
  gpu: { powerW: number | null; utilizationPct: number | null; temperatureC: number | null } | null;
};

export type JobMode = 'cheapest' | 'continuous';

export type JobCreate = {
  name?: string;
  spec: TrainSpecInput | CommandSpecInput | MiningSpec;
  devices?: DeviceId[];
  deadline?: number | null;
  valuePerHour?: number | null;
  mode?: JobMode;
  runPastDeadline?: boolean;
  /** Start right away rather than waiting for the planner. */
  start?: boolean;
};

export type TrainSpecInput = Partial<Omit<TrainSpec, 'kind'>> & { kind: 'train' };
export type CommandSpecInput = Pick<CommandSpec, 'kind' | 'command' | 'cwd'> &
  Partial<Omit<CommandSpec, 'kind' | 'command' | 'cwd'>>;

export type JobHandlers = {
  /** Every job, newest first. */
  'job-list': Handler<Record<string, never>, Job[]>;
  /** One job with its loss curve, checkpoints and log tail. */
  'job-get': Handler<{ id: number }, JobDetail>;
  /** Adds a job to the queue (validating its data file or working directory first). */
  'job-create': Handler<JobCreate, Job>;
  /** Starts a queued job, resumes a paused one, or starts a failed one again. */
  'job-start': Handler<{ id: number }, Job>;
  /** Pauses a running job: a checkpoint (or SIGSTOP), then `paused`. */
  'job-pause': Handler<{ id: number }, Job>;
  /** Stops a job for good; its checkpoints stay on disk. */
  'job-cancel': Handler<{ id: number }, Job>;
  /**
   * Text the built-in model writes from its newest checkpoint, character by character from its
   * learned distribution (temperature below 1 favours likely characters). Seeded: same text each time.
   */
  'job-sample': Handler<{ id: number; length?: number; temperature?: number }, { step: number; text: string }>;
  /** Removes a job that is not running, with its checkpoints. */
  'job-delete': Handler<{ id: number }, { deleted: true }>;
  /** The programs command jobs may run on this machine (read-only from anywhere). */
  'job-programs-list': Handler<Record<string, never>, AllowedPrograms>;
  /**
   * Allows a program (an absolute path, or a name looked up in PATH; stored resolved, links
   * followed). Local only (see local-only.ts): refused over HTTP.
   */
  'job-programs-allow': Handler<{ program: string }, AllowedProgramChange>;
  /** Takes a program off the list (as listed, or as it resolves now). Local only. */
  'job-programs-remove': Handler<{ program: string }, AllowedProgramChange>;
  'job-settings': Handler<Record<string, never>, JobSettings>;
  'job-configure': Handler<JobSettings, JobSettings>;
};

export type JobSettings = {
  /**
   * The most bytes a job's log.txt grows to before it becomes log.1.txt (the older one is
   * deleted), so a job's logs take at most twice this on disk.
   */
  logMaxBytes: number;
};

export const JOB_LOG_MIN_BYTES = 64 * 1024;
export const JOB_LOG_MAX_BYTES = 1024 * 1024 * 1024;

export const logMaxBytesSchema = z
  .number({ message: 'the log size must be a number of bytes' })
  .int('the log size must be a whole number of bytes')
  .min(JOB_LOG_MIN_BYTES, 'a job log needs at least 64 KiB (65 536 bytes)')
  .max(JOB_LOG_MAX_BYTES, 'a job log may take at most 1 GiB (1 073 741 824 bytes)');

export const jobSettingsSchema: z.ZodType<JobSettings> = z.object({ logMaxBytes: logMaxBytesSchema }).strict();

/** One program command jobs may run: its absolute path with every link resolved. */
export type AllowedProgram = {
  path: string;
  /** ms since epoch */
  addedAt: number;
  /** A shell or an interpreter (sh, python, node…): allowing it allows any code. */
  runsAnything: boolean;
};

export type AllowedPrograms = {
  programs: AllowedProgram[];
  /** The file the list is kept in (in the data folder, readable by its owner only). */
  file: string;
};

export type AllowedProgramChange = AllowedPrograms & {
  /** The path the change was about, after resolving what was typed. */
  program: string;
  /** False when there was nothing to do (already allowed, or not on the list). */
  changed: boolean;
};

export type JobEvents = {
  /** Progress of a running job: at most a few times a second per job. */
  'job-progress': { id: number; state: JobState; progress: JobProgress };
  /** A job changed state (also on failure, with the reason). */
  'job-state': { id: number; state: JobState; error: string | null };
  /**
   * Lines a job logged since the last event (at most a few events a second per job). `skipped`
   * counts lines logged meanwhile that are left out here, the newest ones being kept.
   */
  'job-log': { id: number; lines: string[]; skipped: number };
};

const id = z.object({ id: z.number().int().positive() }).strict();

export const trainSpecInputSchema = z
  .object({
    kind: z.literal('train'),
    workload: z.literal('char-mlp').optional(),
    dataFile: z.string().min(1).nullable().optional(),
    steps: z.number().int().min(1).max(10_000_000).optional(),
    threads: z.number().int().min(1).max(64).optional(),
    batchSize: z.number().int().min(4).max(65_536).optional(),
    learningRate: z.number().positive().max(1).optional(),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .optional(),
    hidden: z.number().int().min(8).max(4096).multipleOf(8).optional(),
    context: z.number().int().min(1).max(64).optional(),
    checkpointEvery: z.number().int().min(1).optional(),
    keepCheckpoints: z.number().int().min(1).max(1000).optional(),
  })
  .strict();

export const commandSpecInputSchema = z
  .object({
    kind: z.literal('command'),
    command: z.array(z.string().min(1)).min(1, 'enter the command to run, such as python train.py --epochs 10'),
    cwd: z.string().min(1, 'enter the folder the command runs in'),
    resumeArgs: z.array(z.string()).optional(),
    pauseMode: z.enum(['signal', 'restart']).optional(),
    progressFile: z.string().min(1).nullable().optional(),
    totalSteps: z.number().int().positive().nullable().optional(),
  })
  .strict();

export const jobArgs: ArgSchemas<JobHandlers> = {
  'job-list': z.object({}).strict(),
  'job-get': id,
  'job-create': z
    .object({
      name: z.string().min(1).max(200).optional(),
      spec: z.discriminatedUnion('kind', [
        trainSpecInputSchema,
        commandSpecInputSchema,
        z.object({ kind: z.literal('mining') }).strict(),
      ]),
      devices: z.array(deviceIdSchema).optional(),
      deadline: z.number().int().nullable().optional(),
      valuePerHour: z.number().min(0).nullable().optional(),
      mode: z
        .enum(['cheapest', 'continuous'], {
          message: 'the mode must be "cheapest" (may start and stop) or "continuous" (one block)',
        })
        .optional(),
      runPastDeadline: z.boolean().optional(),
      start: z.boolean().optional(),
    })
    .strict(),
  'job-start': id,
  'job-pause': id,
  'job-cancel': id,
  'job-sample': z
    .object({
      id: z.number().int().positive(),
      length: z.number().int().min(1).max(5000).optional(),
      temperature: z.number().min(0.05).max(2).optional(),
    })
    .strict(),
  'job-delete': id,
  'job-programs-list': z.object({}).strict(),
  'job-programs-allow': z.object({ program: z.string().min(1, 'enter a program, such as /usr/bin/python3') }).strict(),
  'job-programs-remove': z.object({ program: z.string().min(1, 'enter the program to take off the list') }).strict(),
  'job-settings': z.object({}).strict(),
  'job-configure': jobSettingsSchema,
};
