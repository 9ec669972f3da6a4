import type { Job } from '#contract/index';

/** The planner names queued jobs "job:<id>"; people know them by the name they gave. Unknown ids stay as they are. */
export function jobNamer(jobs: readonly Job[] | undefined): (planJob: string) => string {
  return (id) => {
    // The one planner job every LAN miner runs (main/core/scheduler/inputs.ts LAN_JOB).
    if (id === 'lan-mining') return 'mining for its own pool';
    const m = /^job:(\d+)$/.exec(id);
    return (m && jobs?.find((j) => j.id === Number(m[1]))?.name) ?? id;
  };
}
