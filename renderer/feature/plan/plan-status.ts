import type { PlanStatus } from '#contract/index';

/** How sure the plan is, in the words the solver's proof allows. */
export function statusText(status: PlanStatus): string {
  if (status.kind === 'optimal') return 'Optimal (proven)';
  // A gap below 0.1 % would read as "0.00 %", which claims a proof the solver did not give.
  if (status.kind === 'feasible') {
    const pct = (status.gap * 100).toFixed(status.gap < 0.001 ? 3 : 2);
    // The gap of an earlier tier is on work, not money: say which.
    if (status.on === 'shortfall')
      return `Feasible — the deadline work it misses may be up to ${pct} % more than the least possible (time limit)`;
    if (status.on === 'late')
      return `Feasible — the work left at the end may be up to ${pct} % more than the least possible (time limit)`;
    return `Feasible — at most ${pct} % from the optimum (time limit)`;
  }
  return `Fast plan only: ${status.reason}`;
}
