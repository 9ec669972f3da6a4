import type { MiningSpec } from '#contract/job';
import type { MiningService } from '#core/mining/service';
import type { JobRunner, RunOutcome } from './runner.ts';

/**
 * Mining as a job: the work is the mining domain's hashing threads on its configured pools, run
 * until stopped. Threads and power level come from the planner's grant; the scheduler changes
 * them on a running job through the mining service.
 */
export function miningRunner(mining: MiningService): JobRunner<MiningSpec> {
  return {
    kind: 'mining',
    prepare: () => ({ kind: 'mining' }),
    total: () => null,
    start(ctx) {
      let settle: (o: RunOutcome) => void = () => undefined;
      const done = new Promise<RunOutcome>((r) => (settle = r));
      const override = { ...(ctx.grant.threads !== undefined ? { threads: ctx.grant.threads } : {}), ...(ctx.grant.powerPct !== undefined ? { powerPct: ctx.grant.powerPct } : {}) };
      const started = mining.start(override).then(
        (st) => ctx.log(`mining on ${st.threads} thread(s) at ${st.powerPct} %`),
        (e: Error) => settle({ outcome: 'failed', error: `mining did not start: ${e.message}` }),
      );
      const end = async (o: RunOutcome) => {
        await started;
        await mining.stop();
        settle(o);
      };
      return {
        pause: () => end({ outcome: 'paused' }),
        stop: () => end({ outcome: 'stopped' }),
        done,
      };
    },
  };
}
