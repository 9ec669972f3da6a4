/**
 * The planner off the core's main thread (see main/core/planner/planner-thread.ts): whole plans
 * for the scheduler, and the MIP fallback. Long-lived; requests carry an id, replies echo it.
 */
import { parentPort } from 'node:worker_threads';
import { solveMip } from '../../main/core/planner/mip.ts';
import { plan } from '../../main/core/planner/plan.ts';
import type { PlannerReply, PlannerRequest } from '../../main/core/planner/planner-thread.ts';

const port = parentPort;
if (!port) throw new Error('The planner worker must run in a worker thread');

port.on('message', (req: PlannerRequest) => {
  const work: Promise<PlannerReply> =
    req.kind === 'mip'
      ? solveMip(req.input, req.fixedOff, req.hint).then((choice) => ({ id: req.id, ok: true, choice }))
      : plan(req.input, {
          clock: { now: () => req.now },
          fallbackIn: 'thread',
          ...(req.currency !== undefined ? { currency: req.currency } : {}),
          ...(req.maxLabels !== undefined ? { maxLabels: req.maxLabels } : {}),
        }).then((p) => ({ id: req.id, ok: true, plan: p }));
  work.then(
    (reply) => port.postMessage(reply),
    (err: unknown) => port.postMessage({ id: req.id, ok: false, message: err instanceof Error ? err.message : String(err) } satisfies PlannerReply),
  );
});
