/**
 * The planner off the core's main thread (see main/core/planner/planner-thread.ts): whole plans,
 * HiGHS included. Long-lived; requests carry an id, replies echo it.
 */
import { parentPort } from 'node:worker_threads';
import { plan } from '../../main/core/planner/plan.ts';
import type { PlannerReply, PlannerRequest } from '../../main/core/planner/planner-thread.ts';

const port = parentPort;
if (!port) throw new Error('The planner worker must run in a worker thread');

port.on('message', (req: PlannerRequest) => {
  plan(req.input, { clock: { now: () => req.now }, ...req.options }).then(
    (p) => port.postMessage({ id: req.id, ok: true, plan: p } satisfies PlannerReply),
    (err: unknown) => port.postMessage({ id: req.id, ok: false, message: err instanceof Error ? err.message : String(err) } satisfies PlannerReply),
  );
});
