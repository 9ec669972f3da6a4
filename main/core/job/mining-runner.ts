import type { MiningSpec } from '#contract/job';
import type { MiningService } from '#core/mining/service';
import type { JobRunner, RunGrant, RunOutcome } from './runner.ts';

const powerOf = (g: RunGrant) => ({
  ...(g.threads !== undefined ? { threads: g.threads } : {}),
  ...(g.powerPct !== undefined ? { powerPct: g.powerPct } : {}),
});

/**
 * Mining as a job: the work is the mining domain's hashing threads on its configured pools, run
 * until stopped. Threads and power level come from the planner's grant, and a new grant is taken
 * in place (the threads keep their pool connection). Mining stopped from outside (the Mining page,
 * `hearth mine`) pauses the job, as a pause by hand would.
 */
export function miningRunner(mining: MiningService, watchMs = 2_000): JobRunner<MiningSpec> {
  return {
    kind: 'mining',
    prepare: () => ({ kind: 'mining' }),
    total: () => null,
    start(ctx) {
      let settle: (o: RunOutcome) => void = () => undefined;
      const done = new Promise<RunOutcome>((r) => (settle = r));
      let ending = false;
      const watch = setInterval(() => {
        const st = mining.status();
        if (ending || st.running) return;
        clearInterval(watch);
        if (st.pool.state === 'refused') {
          settle({ outcome: 'failed', error: `mining stopped: ${st.pool.lastError ?? 'the pool refused the worker'}` });
        } else {
          ctx.log(
            'mining was stopped outside this job (Mining page or another command): the job is paused until it is started again',
          );
          settle({ outcome: 'paused' });
        }
      }, watchMs);
      watch.unref();
      const started = mining.start(powerOf(ctx.grant)).then(
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
        ready: started,
        async regrant(grant) {
          await started;
          const st = await mining.setPower(powerOf(grant), { persist: false });
          ctx.log(`now on ${st.threads} thread(s) at ${st.powerPct} %`);
        },
        done,
      };
    },
  };
}
