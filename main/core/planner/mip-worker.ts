import { Worker } from 'node:worker_threads';
import { workerFile } from '#workers/locate';
import type { MipHint } from './mip.ts';
import type { PlanInput } from './model.ts';

export type MipRequest = { input: PlanInput; fixedOff: [number, number, number][]; hint?: MipHint };
export type MipReply = { ok: true; choice: number[][] } | { ok: false; message: string };

/** solveMip in a worker thread (native-workers/planner/worker.ts), so the caller's event loop keeps running. */
export function solveMipInWorker(input: PlanInput, fixedOff: [number, number, number][] = [], hint?: MipHint): Promise<number[][]> {
  return new Promise((resolve, reject) => {
    const w = new Worker(workerFile('planner'));
    let settled = false;
    const done = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
      void w.terminate();
    };
    w.once('message', (reply: MipReply) => done(() => (reply.ok ? resolve(reply.choice) : reject(new Error(reply.message)))));
    w.once('error', (err) => done(() => reject(err)));
    w.once('exit', (code) => done(() => reject(new Error(`planner MIP worker exited with code ${code} before answering`))));
    w.postMessage({ input, fixedOff, hint } satisfies MipRequest);
  });
}
