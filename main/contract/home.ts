import { z } from 'zod';
import type { ArgSchemas, Handler } from './rpc.ts';

/**
 * Hearth on the home's MQTT bus (issue 22): Home Assistant discovery, live state, commands in, and
 * the plan on its own retained topic. The broker password never leaves the core: the page sees
 * whether one is stored, and sends a new one only to change it.
 */
export type MqttLink = {
  /** Off: Hearth does not connect (the default). */
  enabled: boolean;
  /** `mqtt://host:1883`, `mqtts://host:8883` (TLS), or `ws://`/`wss://` where the broker serves MQTT over WebSocket. */
  url: string;
  username: string | null;
  /** For `mqtts://`: a PEM file of the CA (or self-signed certificate) to trust; null: the system's CAs. */
  caFile: string | null;
  /** Home Assistant's discovery prefix (its MQTT integration's setting; `homeassistant` unless changed there). */
  discoveryPrefix: string;
  /**
   * This Hearth's id on the bus: its topics are `hearth/<nodeId>/…` and Home Assistant's device
   * identifier is `hearth_<nodeId>`. Letters, digits, `_` and `-`.
   */
  nodeId: string;
};

/** As the page and the API see it. */
export type MqttLinkView = MqttLink & {
  /** Whether a broker password is stored (sealed at rest). */
  passwordSet: boolean;
  /** Set by `hearth serve --mqtt URL` for this run: it wins over `url` until the server stops. */
  urlOverride: string | null;
};

/** What the page or the API sends to change the link. */
export type MqttLinkInput = MqttLink & {
  /** Omitted: keep the stored password. null: remove it. */
  password?: string | null;
};

export type MqttLinkState = 'off' | 'connecting' | 'connected' | 'disconnected';

export type MqttLinkStatus = {
  state: MqttLinkState;
  /** The broker connected to (or tried), without credentials. */
  url: string | null;
  /** ms since epoch of the last message published, null before the first. */
  lastPublishAt: number | null;
  /** Why the last connection failed or dropped, in words, null while connected. */
  lastError: string | null;
  /** When the next reconnect is tried (ms since epoch), null unless waiting to retry. */
  retryAt: number | null;
};

/** Where a connection test stopped: the name did not resolve, nothing listened, TLS, credentials, silence. */
export type BrokerProbeStage = 'dns' | 'connect' | 'tls' | 'auth' | 'timeout' | 'protocol';

export type BrokerProbe =
  { ok: true; url: string; ms: number } | { ok: false; url: string; stage: BrokerProbeStage; message: string };

export type HomeHandlers = {
  'home-settings': Handler<Record<string, never>, MqttLinkView>;
  /** Stores the link settings and (re)connects, or disconnects when `enabled` is false. */
  'home-configure': Handler<MqttLinkInput, MqttLinkView>;
  'home-status': Handler<Record<string, never>, MqttLinkStatus>;
  /**
   * Connects once to the broker given (or the stored one when omitted) and says what failed, without
   * storing anything. Omitted password: the stored one.
   */
  'home-test': Handler<Partial<MqttLinkInput>, BrokerProbe>;
};

export type HomeEvents = {
  'home-status': MqttLinkStatus;
};

const NODE_ID = /^[A-Za-z0-9_-]{1,64}$/;
const TOPIC_PREFIX = /^[^#+\s/][^#+\s]*$/;

export const mqttUrlSchema = z
  .string()
  .trim()
  .refine((u) => /^(mqtts?|wss?):\/\/[^/\s]+/.test(u), {
    message: 'enter the broker as mqtt://host:1883 (or mqtts://, ws://, wss://)',
  });

export const mqttLinkInputSchema = z
  .object({
    enabled: z.boolean(),
    url: mqttUrlSchema,
    username: z.string().min(1).max(200).nullable(),
    password: z.string().max(500).nullable().optional(),
    caFile: z.string().min(1).nullable(),
    discoveryPrefix: z
      .string()
      .regex(TOPIC_PREFIX, 'the discovery prefix is a topic without +, # or spaces, such as homeassistant'),
    nodeId: z.string().regex(NODE_ID, 'the node id may hold letters, digits, _ and - (at most 64)'),
  })
  .strict();

export const homeArgs: ArgSchemas<HomeHandlers> = {
  'home-settings': z.object({}).strict(),
  'home-configure': mqttLinkInputSchema,
  'home-status': z.object({}).strict(),
  'home-test': mqttLinkInputSchema.partial(),
};

/** What Hearth is doing now, as the `action` sensor says it (an HA enum sensor's options). */
export const HOME_ACTIONS = [
  'mining',
  'training',
  'idle',
  'paused by presence',
  'paused by price',
  'paused by hand',
] as const;
export type HomeAction = (typeof HOME_ACTIONS)[number];

/**
 * The `mode` select. Each maps onto the scheduler's run modes (RunMode in scheduler.ts), so the
 * Plan page shows what the home chose: `plan` every device and job back to plan; `heat only`
 * every device `heat`; `mine` the mining job `now` and every other job `off`; `train` every
 * training job `now` and the mining job `off`; `off` every device `off`.
 */
export const HOME_MODES = ['plan', 'heat only', 'mine', 'train', 'off'] as const;
export type HomeMode = (typeof HOME_MODES)[number];

/** The largest power limit the `power_limit` number takes, W (the plan limits' own maximum). */
export const HOME_POWER_LIMIT_MAX_W = 100_000;

/**
 * Commands in, one topic each (`hearth/<nodeId>/<entity>/set`), as Home Assistant sends them: the
 * switch `ON`/`OFF`, the select an option's text, the number a decimal text, the button `PRESS`.
 * A payload that fails these is answered on `hearth/<nodeId>/error` and changes nothing.
 */
export const homeCommandSchemas = {
  compute: z.enum(['ON', 'OFF'], { message: 'the compute switch takes ON or OFF' }),
  mode: z.enum(HOME_MODES, { message: `the mode is one of ${HOME_MODES.join(', ')}` }),
  power_limit: z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)?$/, 'the power limit is a number of watts, such as 800 (0: no limit)')
    .transform(Number)
    .pipe(
      z
        .number()
        .max(HOME_POWER_LIMIT_MAX_W, `the power limit must be at most ${HOME_POWER_LIMIT_MAX_W} W (0: no limit)`),
    ),
  replan: z.literal('PRESS', { message: 'the re-plan button takes PRESS' }),
} as const;
export type HomeCommand = keyof typeof homeCommandSchemas;

/**
 * The plan on `hearth/<nodeId>/plan` (retained, republished after every re-plan): the next 48 h
 * slot by slot. `action` is the slot's work (`idle`: nothing runs), `jobs` the planner's job ids
 * running in it ("mining", "job:7"), `powerW` the power planned (W), `price` per kWh and
 * `expectedNet` the slot's expected net (revenue and heat credit less cost), both in `currency`.
 * Times are ISO 8601 UTC.
 */
export const homePlanSchema = z
  .object({
    version: z.literal(1),
    plannedAt: z.iso.datetime(),
    currency: z.string().regex(/^[A-Z]{3}$/),
    slots: z.array(
      z
        .object({
          start: z.iso.datetime(),
          end: z.iso.datetime(),
          action: z.enum(['mining', 'training', 'idle']),
          jobs: z.array(z.string()),
          powerW: z.number().min(0),
          price: z.number(),
          expectedNet: z.number(),
          reason: z.string(),
        })
        .strict(),
    ),
    totals: z.object({ energyKWh: z.number().min(0), expectedNet: z.number() }).strict(),
  })
  .strict();
export type HomePlan = z.infer<typeof homePlanSchema>;
