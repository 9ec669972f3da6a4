import type { MiningSpec } from '#contract/job';
import type { MiningService } from '#core/mining/service';
import type { JobRunner, RunOutcome } from './runner.ts';

/**
 * Mining as a job: the work is the mining domain's hashing threads on its configured pools, run
 * until stopped. Threads and power level come from the planner's grant; the scheduler changes
 * them on a running job through the mining service.
 */
export function miningRunner(mining: MiningService, watchMs = 2_000): JobRunner<MiningSpec> {
  return {
    kind: 'mining',
    prepare: () => ({ kind: 'mining' }),
    total: () => null,
    start(ctx) {
      let settle: (o: RunOutcome) => void = () => undefined;
      const done = new Promise<RunOutcome>((r) => (settle = r));
      const override = { ...(ctx.grant.threads !== undefined ? { threads: ctx.grant.threads } : {}), ...(ctx.grant.powerPct !== undefined ? { powerPct: ctx.grant.powerPct } : {}) };
      let ending = false;
      // Mining stopped elsewhere (the Mining page, `hearth mine`): the job has nothing running behind it.
      const watch = setInterval(() => {
        const st = mining.status();
        if (!ending && !st.running) {
          clearInterval(watch);
          settle({ outcome: 'failed', error: st.pool.state === 'refused' ? `mining stopped: ${st.pool.lastError ?? 'the pool refused the worker'}` : 'mining was stopped outside this job (Mining page or another command); start the job again to mine' });
        }
      }, watchMs);
      watch.unref();
      const started = mining.start(override).then(
        (st) => ctx.log(`mining on ${st.threads} thread(s) at ${st.powerPct} %`),
        (e: Error) => {
          ending = true;
          clearInterval(watch);
          settle({ outcome: 'failed', error: `mining did not start: ${e.message}` });
        },
      );
      const end = async (o: RunOutcome) => {
        ending = true;
        clearInterval(watch);
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
