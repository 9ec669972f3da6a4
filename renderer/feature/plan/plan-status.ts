import type { PlanResult } from '#contract/index';

/** How sure the plan is, in the words the solver's proof allows. */
export function statusText(status: NonNullable<PlanResult['status']>): string {
  if (status.kind === 'optimal') return 'Optimal (proven)';
  // A gap below 0.1 % would read as "0.00 %", which claims a proof the solver did not give.
  if (status.kind === 'feasible') return `Feasible — at most ${(status.gap * 100).toFixed(status.gap < 0.001 ? 3 : 2)} % from the optimum (time limit)`;
  return `Fast plan only: ${status.reason}`;
}
