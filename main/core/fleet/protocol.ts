/**
 * The fleet's messages on the home's MQTT broker (docs/fleet.md): the topics, and a zod schema for
 * every payload, so whatever another client publishes there is checked before it is believed.
 * Every message is retained: a node that connects learns the home's state from the broker at once.
 */
import { z } from 'zod';
import { deviceIdSchema, jobIdSchema } from '#contract/id';
import { planInputSchema, type Plan } from '#contract/plan';

/** Version of the payloads below; a node refuses a version it does not know. */
export const FLEET_PROTOCOL = 1;

/** The retained claim of the planning role: `{node, at}`; empty (deleted) when none holds it. */
export const CLAIM_TOPIC = 'hearth/fleet/planner';

export const fleetTopics = (node: string) => ({
  /** Retained `StateMessage`; the last will says `online: false`. */
  state: `hearth/${node}/fleet/state`,
  /** Retained `OfferMessage` (agents). */
  offer: `hearth/${node}/fleet/offer`,
  /** Retained `ScheduleMessage` for this node (published by the planner). */
  schedule: `hearth/${node}/fleet/schedule`,
});

/** Every node's state and offer, for the planner. */
export const ALL_STATES = 'hearth/+/fleet/state';
export const ALL_OFFERS = 'hearth/+/fleet/offer';

/** The node a `hearth/<node>/fleet/<what>` topic names, or null for another topic. */
export function topicNode(topic: string, what: 'state' | 'offer' | 'schedule'): string | null {
  const m = /^hearth\/([A-Za-z0-9_-]{1,64})\/fleet\/(state|offer|schedule)$/.exec(topic);
  return m && m[2] === what ? m[1]! : null;
}

/** A message larger than this is refused before it is parsed (an offer or a 48 h schedule is far smaller). */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

const nodeId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
const at = z.number().int().nonnegative();

export const stateMessageSchema = z
  .object({
    version: z.literal(FLEET_PROTOCOL),
    role: z.enum(['planner', 'agent']),
    online: z.boolean(),
    /** When the node connected, ms since the epoch (the will carries the same time). */
    at,
  })
  .strict();
export type StateMessage = z.output<typeof stateMessageSchema>;

export const claimMessageSchema = z.object({ version: z.literal(FLEET_PROTOCOL), node: nodeId, at }).strict();
export type ClaimMessage = z.output<typeof claimMessageSchema>;

const offerDevice = z
  .object({
    id: z.string().min(1).max(200),
    label: z.string().max(200),
    powerW: z.number().min(0).nullable(),
    status: z.enum(['online', 'offline']),
  })
  .strict();

export const offerMessageSchema = z
  .object({
    version: z.literal(FLEET_PROTOCOL),
    /** The planning node this agent follows: only that node plans it. */
    planner: nodeId,
    at,
    /** Its devices and jobs as its scheduler built them (ids without the node prefix). */
    devices: planInputSchema.shape.devices,
    jobs: planInputSchema.shape.jobs,
    /** For the page: each device with its power now, W (null: not known). */
    summary: z.array(offerDevice),
  })
  .strict();
export type OfferMessage = z.output<typeof offerMessageSchema>;

// A plan as the planner made it: the fields the agent carries out are checked closely, the figures
// it only shows are numbers.
const num = z.number();
const decisionSchema = z
  .object({ device: deviceIdSchema, job: jobIdSchema.nullable(), level: z.number().int(), powerW: num, work: num })
  .strict();
const comfortSchema = z.object({ minC: num, maxC: num }).strict();
const slotSchema = z
  .object({
    start: at,
    price: num,
    decisions: z.array(decisionSchema),
    energyKWh: num,
    heatKWh: num,
    usefulHeatKWh: num,
    heatCredit: num,
    cost: num,
    revenue: num,
    sourceHeatKWh: num,
    sourceCost: num,
    indoorC: num.optional(),
    comfort: comfortSchema.optional(),
    net: num,
    reason: z.string(),
  })
  .strict();
const totalsSchema = z
  .object({
    energyKWh: num,
    heatKWh: num,
    heatCredit: num,
    cost: num,
    revenue: num,
    sourceHeatKWh: num,
    sourceCost: num,
    comfortKh: num,
    net: num,
  })
  .strict();
const statusSchema = z.union([
  z.object({ kind: z.literal('optimal') }).strict(),
  z.object({ kind: z.literal('feasible'), gap: num, on: z.enum(['shortfall', 'late']).optional() }).strict(),
  z.object({ kind: z.literal('heuristic'), reason: z.string() }).strict(),
]);
export const planSchema = z
  .object({
    slots: z.array(slotSchema),
    totals: totalsSchema,
    shortfalls: z.array(z.object({ job: jobIdSchema, missingWork: num, missingAtEnd: num.optional() }).strict()),
    solver: z.enum(['dp', 'milp', 'heuristic']),
    status: statusSchema,
    planMs: num,
    warnings: z.array(z.string()).optional(),
  })
  .strict();

export const scheduleMessageSchema = z
  .object({
    version: z.literal(FLEET_PROTOCOL),
    /** The node that planned it: an agent carries out only its configured planner's schedule. */
    planner: nodeId,
    /** For this node (the topic's node). */
    node: nodeId,
    at,
    /** The end of the plan's last slot, ms since the epoch: after it the agent idles. */
    until: at,
    plan: planSchema,
  })
  .strict();
export type ScheduleMessage = z.output<typeof scheduleMessageSchema>;

// The schema above and the contract's Plan describe one thing: a field added to one and not the
// other fails to compile here instead of failing an agent.
const samePlan: [z.output<typeof planSchema>] extends [Plan]
  ? [Plan] extends [z.output<typeof planSchema>]
    ? true
    : never
  : never = true;
void samePlan;

/** The end of a plan's last slot, ms since the epoch (slots are as long as the first two are apart, else 15 min). */
export function planEnd(plan: Plan): number {
  const s = plan.slots;
  if (s.length === 0) return 0;
  const slotMs = s.length > 1 ? s[1]!.start - s[0]!.start : 900_000;
  return s.at(-1)!.start + slotMs;
}

/**
 * A payload checked against its schema: the value, or why it was refused (for the log). An empty
 * payload is a deleted retained message: `null`.
 */
export function parseMessage<S extends z.ZodType>(
  schema: S,
  payload: Buffer,
): { ok: true; value: z.output<S> | null } | { ok: false; error: string } {
  if (payload.length === 0) return { ok: true, value: null };
  if (payload.length > MAX_MESSAGE_BYTES)
    return { ok: false, error: `${payload.length} bytes, more than the ${MAX_MESSAGE_BYTES} a fleet message may have` };
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch {
    return { ok: false, error: 'not JSON' };
  }
  const r = schema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    return { ok: false, error: `${i?.path.join('.') || 'the message'}: ${i?.message ?? 'does not match'}` };
  }
  return { ok: true, value: r.data };
}
