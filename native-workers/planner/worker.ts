/**
 * Runs the planner's MIP reference (HiGHS) off the core's main thread: a HiGHS solve blocks its
 * thread for seconds, and the core must keep answering IPC/HTTP meanwhile. One request per
 * worker: the input arrives as a message, the assignment (or the error) goes back.
 */
import { parentPort } from 'node:worker_threads';
import { solveMip } from '../../main/core/planner/mip.ts';
import type { MipReply, MipRequest } from '../../main/core/planner/mip-worker.ts';

const port = parentPort;
if (!port) throw new Error('The planner worker must run in a worker thread');

port.once('message', (req: MipRequest) => {
  solveMip(req.input, req.fixedOff, req.hint).then(
    (choice) => port.postMessage({ ok: true, choice } satisfies MipReply),
    (err: unknown) => port.postMessage({ ok: false, message: err instanceof Error ? err.message : String(err) } satisfies MipReply),
  );
});
