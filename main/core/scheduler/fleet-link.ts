/**
 * How the scheduler plans with other Hearth nodes (issue 23), without knowing the bus: the fleet
 * domain (main/core/fleet) implements this and attaches it with `SchedulerService.attachFleet`.
 *
 * Planner role: every online agent's devices and jobs join this node's plan input, their ids and
 * job kinds prefixed with "<node>/" (`prefixed`), so they can neither collide with this node's nor
 * run one another's jobs; after each plan the fleet sends each agent its own devices' decisions.
 * Agent role: the node builds its devices and jobs as always and offers them; what it runs comes
 * from the planner's last schedule, and once that schedule ends (or before one came) it idles.
 * Each node books only its own devices in its ledger, so nothing is counted twice.
 */
import type { Plan, PlanDevice, PlanJob } from '#contract/plan';

export type FleetInputs = { devices: PlanDevice[]; jobs: PlanJob[] };

export type FleetLink = {
  role(): 'planner' | 'agent';
  /** Planner: what the online agents offered, prefixed by node; empty for an agent. */
  agentInputs(): FleetInputs;
  /** Planner: the plan just made (this node's and every agent's decisions). */
  planned(plan: Plan): void;
  /** Agent: this node's devices and jobs (unprefixed), after each rebuild. */
  offer(inputs: FleetInputs): void;
  /** Agent: the planner's last schedule for this node (unprefixed ids), null before one came. */
  schedule(): Plan | null;
  /** Agent: the planning node's id, for the reasons shown. */
  plannerNode(): string | null;
};

/** The separator between a node's id and its own device, job or kind id. */
export const NODE_SEP = '/';

/** A node's inputs as the planner plans them: every id and job kind prefixed with "<node>/". */
export function prefixed(node: string, inputs: FleetInputs): FleetInputs {
  const p = <T extends string>(id: T) => `${node}${NODE_SEP}${id}` as T;
  return {
    devices: inputs.devices.map((d) => ({
      ...d,
      id: p(d.id),
      levels: d.levels.map((l) => ({
        ...l,
        rates: Object.fromEntries(Object.entries(l.rates).map(([k, v]) => [p(k), v])),
      })),
    })),
    jobs: inputs.jobs.map((j) => ({
      ...j,
      id: p(j.id),
      kind: p(j.kind),
      ...(j.devices ? { devices: j.devices.map(p) } : {}),
    })),
  };
}

/**
 * One node's part of a plan, its ids without the prefix: the slots with only that node's decisions.
 * The slots' figures stay the whole home's (the plan is one).
 */
export function scheduleFor(node: string, plan: Plan): Plan {
  const pre = `${node}${NODE_SEP}`;
  const strip = <T extends string>(id: T) => id.slice(pre.length) as T;
  return {
    ...plan,
    slots: plan.slots.map((s) => ({
      ...s,
      decisions: s.decisions
        .filter((d) => d.device.startsWith(pre))
        .map((d) => ({ ...d, device: strip(d.device), job: d.job === null ? null : strip(d.job) })),
    })),
    shortfalls: plan.shortfalls.filter((s) => s.job.startsWith(pre)).map((s) => ({ ...s, job: strip(s.job) })),
  };
}

/** Whether a plan's device or job id is another node's ("<node>/…"). */
export const isRemote = (id: string): boolean => id.includes(NODE_SEP);
