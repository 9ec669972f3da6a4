import { Worker } from 'node:worker_threads';
import type { Plan, PlanInput } from '#contract/plan';
import { workerFile } from '#workers/locate';
import type { PlanOptions } from '#workers/planner/plan';
import type { PlannerReply, PlannerRequest } from '#workers/planner/protocol';

type Pending = { resolve(r: PlannerReply): void; reject(e: Error): void };
type Request = Omit<PlannerRequest, 'id'>;

/**
 * One long-lived planner worker thread. Planning with deadline jobs can take a few hundred ms
 * (seconds when it falls back to the MIP), and the core must keep answering IPC/HTTP and
 * applying slots meanwhile; keeping the worker alive between plans saves its start-up and keeps
 * HiGHS loaded there. The worker holds the process open only while a request is pending, and a
 * crashed worker fails its pending requests and is started afresh by the next one.
 */
export class PlannerThread {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Workers started so far (one, unless one crashed or was closed). */
  started = 0;

  /** plan() in the worker (native-workers/planner/worker.ts). */
  async plan(input: PlanInput, options: PlanOptions): Promise<Plan> {
    const r = await this.request({ input, options });
    if (!r.ok) throw new Error(r.message);
    return r.plan;
  }

  /** Stops the worker; a later request starts a new one. */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }

  private request(req: Request): Promise<PlannerReply> {
    const w = (this.worker ??= this.spawn());
    const id = this.nextId++;
    if (this.pending.size === 0) w.ref();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.postMessage({ ...req, id } as PlannerRequest);
    });
  }

  private spawn(): Worker {
    const w = new Worker(workerFile('planner'));
    this.started++;
    w.on('message', (r: PlannerReply) => {
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (this.pending.size === 0) w.unref();
      if (r.ok) p.resolve(r);
      else p.reject(new Error(r.message));
    });
    const fail = (err: Error) => {
      if (this.worker === w) this.worker = null;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`the planner worker exited (code ${code}) before answering`)));
    return w;
  }
}

/** The process's planner worker (stateless, so cores and callers in one process share it). */
export const plannerThread = new PlannerThread();
