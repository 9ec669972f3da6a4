import { z } from 'zod';
import { mqttLinkInputSchema, type MqttLink } from '#contract/index';
import type { SecretField } from '#core/secret';
import { defineSetting } from '#core/setting';

/** As stored: the link and the broker password sealed by the secret store (null: none). */
export type StoredMqttLink = MqttLink & { password: string | null };

export const DEFAULT_MQTT_LINK: StoredMqttLink = {
  enabled: false,
  url: 'mqtt://homeassistant.local:1883',
  username: null,
  password: null,
  caFile: null,
  discoveryPrefix: 'homeassistant',
  nodeId: 'hearth',
};

export const homeLinkSetting = defineSetting<StoredMqttLink>({
  key: 'home.mqtt',
  schema: mqttLinkInputSchema.extend({ password: z.string().nullable() }).strict(),
  default: () => ({ ...DEFAULT_MQTT_LINK }),
  version: 1,
  since: '0.1.0',
  doc: "Hearth on the home's MQTT bus: whether it connects, the broker URL, user name, password (sealed), a CA file for mqtts://, Home Assistant's discovery prefix and this Hearth's node id on the bus.",
});

/**
 * Whether the compute switch was turned off from the home bus: the pause lasts until it is switched
 * back on, across restarts (the scheduler keeps its overrides in memory only).
 */
export const homeComputeOffSetting = defineSetting<boolean>({
  key: 'home.compute-off',
  schema: z.boolean(),
  default: () => false,
  version: 1,
  since: '0.1.0',
  internal: true,
  doc: 'Whether the compute switch on the home bus is off: Hearth pauses again on start until it is switched back on.',
});

/** The broker password, for sealing at rest (sealed-settings.ts). */
export const homeLinkPassword: SecretField<StoredMqttLink> = {
  name: () => 'password',
  get: (s) => s.password,
  set: (s, password) => ({ ...s, password }),
};
