import { z } from 'zod';
import type { ArgSchemas, Handler } from './rpc.ts';

/**
 * Several Hearth nodes under one plan (issue 23), over the home's MQTT broker (the Home Assistant
 * link's broker and node id): one node plans, chosen in the settings; the others are agents. No
 * election: a node configured as planner while another holds the role is refused and says so.
 */
export const FLEET_ROLES = ['off', 'planner', 'agent'] as const;
export type FleetRole = (typeof FLEET_ROLES)[number];

export type FleetSettings = {
  /** off: this node plans only itself and talks to no other node (the default). */
  role: FleetRole;
  /** Agent: the node id of the planning node (its MQTT node id). */
  planner: string | null;
};

/** A node as the planning node (or an agent) sees it on the bus. */
export type FleetNode = {
  node: string;
  role: 'planner' | 'agent';
  online: boolean;
  /** ms since epoch of its last message. */
  lastSeen: number | null;
  /** Its devices as offered to the plan (ids as the plan names them, "<node>/cpu"), with their power now, W. */
  devices: { id: string; label: string; powerW: number | null; status: 'online' | 'offline' }[];
  /** Agent: the end of the last schedule it was sent (ms since epoch); null: none. */
  scheduleUntil: number | null;
};

export type FleetState = 'off' | 'connecting' | 'planning' | 'following' | 'idle' | 'refused' | 'disconnected';

export type FleetStatus = {
  role: FleetRole;
  /** `hearth serve --fleet` set the role for this run: a role saved now applies from the next start. */
  override: boolean;
  /** This node's id (the MQTT link's node id). */
  node: string;
  state: FleetState;
  /** What is wrong, in words, and what to do; null when nothing is. */
  message: string | null;
  /** The node that plans, as the bus says; null: none seen. */
  planner: string | null;
  /** Every other node seen (the planner sees its agents; an agent sees the planner). */
  nodes: FleetNode[];
};

export type FleetHandlers = {
  'fleet-status': Handler<Record<string, never>, FleetStatus>;
  /** Stores the role (and the planning node for an agent) and joins the bus in that role. */
  'fleet-configure': Handler<FleetSettings, FleetStatus>;
};

export type FleetEvents = {
  'fleet-status': FleetStatus;
};

export const fleetSettingsSchema: z.ZodType<FleetSettings> = z
  .object({
    role: z.enum(FLEET_ROLES, { message: 'choose off, planner or agent' }),
    planner: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, "enter the planning node's id (letters, digits, _ and -)")
      .nullable(),
  })
  .strict()
  .refine((s) => s.role !== 'agent' || s.planner !== null, {
    message: 'an agent needs the id of the node that plans',
    path: ['planner'],
  });

export const fleetArgs: ArgSchemas<FleetHandlers> = {
  'fleet-status': z.object({}).strict(),
  'fleet-configure': fleetSettingsSchema,
};
