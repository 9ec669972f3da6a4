/**
 * The planner off the core's main thread (main/core/planner/planner-thread.ts starts it): whole
 * plans, HiGHS included. Long-lived: HiGHS stays loaded between plans.
 */
import { parentPort } from 'node:worker_threads';
import { plan } from './plan.ts';
import type { PlannerReply, PlannerRequest } from './protocol.ts';

const port = parentPort;
if (!port) throw new Error('The planner worker must run in a worker thread');

port.on('message', (req: PlannerRequest) => {
  plan(req.input, req.options).then(
    (p) => port.postMessage({ id: req.id, ok: true, plan: p } satisfies PlannerReply),
    (err: unknown) =>
      port.postMessage({
        id: req.id,
        ok: false,
        message: err instanceof Error ? err.message : String(err),
      } satisfies PlannerReply),
  );
});
