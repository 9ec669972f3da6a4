import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { CommandSpec } from '#contract/job';
import type { Clock } from '#core/clock';
import { checkProgram } from './allow-list.ts';
import { LineCutter } from './log-file.ts';
import type { JobRunner, RunOutcome } from './runner.ts';
import type { GpuProbe } from './nvidia.ts';

/** Lines of a failed command's log quoted in its error. */
export const FAILURE_TAIL = 12;
/** How long a command's process group may take to exit after SIGTERM before it is killed. */
export const TERM_GRACE_MS = 5_000;
/** Longer lines are cut, with a marker saying how many bytes were left out. */
export const LINE_MAX_BYTES = 16 * 1024;
/** After the process exits, how long its pipes may stay open (a child it left behind) before they are closed. */
const PIPE_GRACE_MS = 1_000;
/** Process groups are a POSIX thing: on Windows the child alone is signalled. */
const GROUPS = process.platform !== 'win32';

export type ProgressLine = { step: number; total: number | null; loss: number | null };

/**
 * Understands the progress lines common training scripts print or write: JSON
 * (`{"step": 120, "total": 1000, "loss": 2.31}`, also `epoch`/`iter`/`steps`) or text
 * (`step 120/1000 loss 2.31`, `Step: 120 | loss=2.31`, `iter 120 of 1000, loss: 2.31`).
 */
export function parseProgress(line: string): ProgressLine | null {
  const t = line.trim();
  if (t.startsWith('{')) {
    try {
      const o = JSON.parse(t) as Record<string, unknown>;
      const step = Number(o['step'] ?? o['iter'] ?? o['iteration'] ?? o['steps']);
      if (!Number.isFinite(step)) return null;
      const total = Number(o['total'] ?? o['total_steps'] ?? o['max_steps']);
      const loss = Number(o['loss'] ?? o['train_loss']);
      return { step, total: Number.isFinite(total) ? total : null, loss: Number.isFinite(loss) ? loss : null };
    } catch {
      return null;
    }
  }
  const s = /\b(?:step|iter(?:ation)?)s?\b\s*[:=#]?\s*(\d+)(?:\s*(?:\/|of)\s*(\d+))?/i.exec(t);
  if (!s) return null;
  const l = /\bloss\b\s*[:=]?\s*(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?|nan|inf)/i.exec(t);
  const loss = l ? Number(l[1]) : NaN;
  return { step: Number(s[1]), total: s[2] ? Number(s[2]) : null, loss: Number.isFinite(loss) ? loss : null };
}

const COMMAND_DEFAULTS = {
  resumeArgs: [] as string[],
  pauseMode: 'signal' as const,
  progressFile: null,
  totalSteps: null,
};

/**
 * Runs a training command as a child process; see CommandSpec in the contract. Only programs on
 * the data folder's list of allowed programs (allow-list.ts) run: checked when a job is created
 * and again on every start, since the list may have changed in between.
 */
export function commandRunner(options: {
  clock: Clock;
  /** The data folder whose allowed-programs.json says what may run. */
  dataDir: string;
  gpu?: GpuProbe | null;
  pollMs?: number;
  gpuEveryMs?: number;
  lineMaxBytes?: number;
  termGraceMs?: number;
}): JobRunner<CommandSpec> {
  const pollMs = options.pollMs ?? 500;
  const lineMax = options.lineMaxBytes ?? LINE_MAX_BYTES;
  const graceMs = options.termGraceMs ?? TERM_GRACE_MS;
  // nvidia-smi takes tens of milliseconds per call: ask it far less often than the progress file.
  const gpuEveryMs = options.gpuEveryMs ?? 5000;
  return {
    kind: 'command',
    holdAfterCrash: true,
    prepare(input) {
      const spec: CommandSpec = {
        ...COMMAND_DEFAULTS,
        ...Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)),
        kind: 'command',
      } as CommandSpec;
      if (!Array.isArray(spec.command) || spec.command.length === 0 || !spec.command[0])
        throw new Error('The command is empty: give the program and its arguments');
      spec.cwd = path.resolve(spec.cwd);
      if (!fs.existsSync(spec.cwd) || !fs.statSync(spec.cwd).isDirectory())
        throw new Error(`The working directory ${spec.cwd} does not exist: create it or pick another`);
      if (spec.progressFile !== null) spec.progressFile = path.resolve(spec.cwd, spec.progressFile);
      if (spec.pauseMode === 'signal' && process.platform === 'win32') {
        throw new Error(
          'Pausing by signal (SIGSTOP) is not available on Windows: use pauseMode "restart" with resume arguments',
        );
      }
      checkProgram(options.dataDir, spec.command[0], spec.cwd);
      return spec;
    },
    total: (spec) => spec.totalSteps,
    start(ctx) {
      const { spec } = ctx;
      // Throws (the job fails with the message) when the program was taken off the list, or the
      // job was made before there was a list.
      const program = checkProgram(options.dataDir, spec.command[0]!, spec.cwd);
      const args = [...spec.command.slice(1), ...(ctx.resuming ? spec.resumeArgs : [])];
      const tail: string[] = [];
      let lastStep = ctx.done;
      let total = spec.totalSteps;
      const seen = (line: string) => {
        const p = parseProgress(line);
        if (!p) return;
        if (p.total !== null) total = p.total;
        lastStep = p.step;
        ctx.report({ done: p.step, total, ...(p.loss !== null ? { loss: p.loss } : {}) });
        if (p.loss !== null) ctx.loss(p.step, p.loss);
      };
      const logLine = (line: string) => {
        tail.push(line);
        if (tail.length > FAILURE_TAIL) tail.shift();
        ctx.log(line);
        if (spec.progressFile === null) seen(line);
      };
      ctx.log(`$ ${[spec.command[0]!, ...args].join(' ')}   (in ${spec.cwd})`);

      let requested: 'pause' | 'cancel' | 'quit' | null = null;
      let stoppedBySignal = false;
      // The program that was checked, not whatever PATH finds at this moment; argv[0] stays as
      // typed (a multi-call binary such as busybox goes by it). Its own process group, so cancel
      // and quit reach whatever it started too.
      const child: ChildProcess = spawn(program, args, {
        argv0: spec.command[0]!,
        cwd: spec.cwd,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, HEARTH_JOB_DIR: ctx.dir },
        detached: GROUPS,
      });
      for (const stream of [child.stdout, child.stderr]) {
        const lines = new LineCutter(lineMax, logLine);
        stream?.on('data', (chunk: Buffer) => lines.push(chunk));
        stream?.on('end', () => lines.finish());
      }
      child.on('exit', () => {
        // A child it started (outside its group) may hold the pipes open: close them after a moment.
        const t = setTimeout(() => {
          child.stdout?.destroy();
          child.stderr?.destroy();
        }, PIPE_GRACE_MS);
        t.unref();
      });
      let lastFile = '';
      let gpuAt = -Infinity;
      let gpuBusy = false;
      const readProgressFile = () => {
        if (spec.progressFile === null) return;
        try {
          const text = fs.readFileSync(spec.progressFile, 'utf8');
          if (text !== lastFile) {
            lastFile = text;
            const last = text.trim().split(/\r?\n/).at(-1);
            if (last) seen(last);
          }
        } catch {
          // Not written yet: the command creates it when it starts reporting.
        }
      };
      const poll = options.clock.setInterval(() => {
        readProgressFile();
        const now = options.clock.now();
        if (options.gpu && child.pid !== undefined && !gpuBusy && now - gpuAt >= gpuEveryMs) {
          gpuBusy = true;
          gpuAt = now;
          options.gpu(child.pid).then(
            (r) => {
              gpuBusy = false;
              if (r) ctx.gpu?.(r);
            },
            () => (gpuBusy = false),
          );
        }
      }, pollMs);

      const done = new Promise<RunOutcome>((resolve) => {
        child.on('error', (err: NodeJS.ErrnoException) => {
          poll.cancel();
          resolve({
            outcome: 'failed',
            error:
              err.code === 'ENOENT'
                ? `Cannot start "${spec.command[0]}": no such program (check the command and PATH)`
                : `Cannot start "${spec.command[0]}": ${err.message}`,
          });
        });
        child.on('close', (code, signal) => {
          poll.cancel();
          // The last lines it wrote before exiting, which the poll may not have seen.
          readProgressFile();
          if (requested === 'pause') resolve({ outcome: 'paused' });
          else if (requested !== null) resolve(forced ? { outcome: 'stopped', forced: true } : { outcome: 'stopped' });
          else if (code === 0) {
            if (total !== null) ctx.report({ done: Math.max(lastStep, total), total });
            resolve({ outcome: 'finished' });
          } else {
            const why = code !== null ? `exited with code ${code}` : `was killed by ${signal ?? 'a signal'}`;
            resolve({ outcome: 'failed', error: `The command ${why}. Last lines of its log:\n${tail.join('\n')}` });
          }
        });
      });

      const signal = (sig: NodeJS.Signals) => {
        try {
          if (GROUPS && child.pid !== undefined) process.kill(-child.pid, sig);
          else child.kill(sig);
        } catch {
          // Already gone.
        }
      };
      let forced = false;
      const terminate = async () => {
        if (child.exitCode === null && child.signalCode === null) {
          if (stoppedBySignal) signal('SIGCONT');
          signal('SIGTERM');
          // Real time, not the injected clock: this bounds how long a quit can take.
          const t = setTimeout(() => {
            forced = true;
            ctx.log(`did not stop within ${graceMs / 1000} s of SIGTERM: killed (SIGKILL)`);
            signal('SIGKILL');
          }, graceMs);
          await done;
          clearTimeout(t);
        }
        // Whatever it started in its group and left running goes with it.
        signal('SIGKILL');
      };
      const handle = {
        pause: async () => {
          if (spec.pauseMode === 'signal') {
            signal('SIGSTOP');
            stoppedBySignal = true;
            ctx.log('paused (SIGSTOP)');
            return;
          }
          requested = 'pause';
          await terminate();
        },
        stop: async (why: 'cancel' | 'quit') => {
          requested = why;
          await terminate();
        },
        done,
      };
      return spec.pauseMode === 'signal'
        ? {
            ...handle,
            resume: async () => {
              signal('SIGCONT');
              stoppedBySignal = false;
              ctx.log('resumed (SIGCONT)');
            },
          }
        : handle;
    },
  };
}
