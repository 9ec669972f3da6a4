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
