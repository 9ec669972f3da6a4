import type { Plan, PlanInput } from '#contract/plan';
import type { PlanOptions } from './plan.ts';

/** What the planner worker is asked: a whole plan. Requests carry an id, replies echo it. */
export type PlannerRequest = { id: number; input: PlanInput; options: PlanOptions };

export type PlannerReply = { id: number; ok: true; plan: Plan } | { id: number; ok: false; message: string };
