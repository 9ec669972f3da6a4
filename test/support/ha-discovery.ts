/**
 * Home Assistant's side of MQTT discovery, written from its documentation (the MQTT integration's
 * "MQTT Discovery" page, the MQTT sensor/switch/select/number/button pages, and the sensor entity's
 * device class and state class tables), not from Hearth's payloads: what a config message must and
 * may hold, and whether a state fits the entity HA built from it.
 */

/** `<discovery_prefix>/<component>/[<node_id>/]<object_id>/config`; ids are `[a-zA-Z0-9_-]+`. */
const CONFIG_TOPIC =
  /^(.+)\/(sensor|switch|select|number|button|binary_sensor)\/(?:([a-zA-Z0-9_-]+)\/)?([a-zA-Z0-9_-]+)\/config$/;

/** Keys every MQTT entity documents (availability, device, origin, naming, attributes). */
const COMMON = [
  'availability',
  'availability_mode',
  'availability_template',
  'availability_topic',
  'device',
  'default_entity_id',
  'enabled_by_default',
  'encoding',
  'entity_category',
  'entity_picture',
  'icon',
  'json_attributes_template',
  'json_attributes_topic',
  'name',
  'object_id',
  'origin',
  'payload_available',
  'payload_not_available',
  'platform',
  'qos',
  'unique_id',
];

/** Per platform: the keys documented besides COMMON, and those required. */
const PLATFORMS: Record<string, { keys: string[]; required: string[] }> = {
  sensor: {
    keys: [
      'device_class',
      'expire_after',
      'force_update',
      'last_reset_value_template',
      'options',
      'state_class',
      'state_topic',
      'suggested_display_precision',
      'unit_of_measurement',
      'value_template',
    ],
    required: ['state_topic'],
  },
  switch: {
    keys: [
      'command_template',
      'command_topic',
      'device_class',
      'optimistic',
      'payload_off',
      'payload_on',
      'retain',
      'state_off',
      'state_on',
      'state_topic',
      'value_template',
    ],
    required: ['command_topic'],
  },
  select: {
    keys: ['command_template', 'command_topic', 'optimistic', 'options', 'retain', 'state_topic', 'value_template'],
    required: ['command_topic', 'options'],
  },
  number: {
    keys: [
      'command_template',
      'command_topic',
      'device_class',
      'max',
      'min',
      'mode',
      'optimistic',
      'payload_reset',
      'retain',
      'state_topic',
      'step',
      'unit_of_measurement',
      'value_template',
    ],
    required: ['command_topic'],
  },
  button: {
    keys: ['command_template', 'command_topic', 'device_class', 'payload_press', 'retain'],
    required: ['command_topic'],
  },
};

const DEVICE_KEYS = [
  'configuration_url',
  'connections',
  'hw_version',
  'identifiers',
  'manufacturer',
  'model',
  'model_id',
  'name',
  'serial_number',
  'suggested_area',
  'sw_version',
  'via_device',
];
const ORIGIN_KEYS = ['name', 'sw_version', 'support_url'];

const STATE_CLASSES = ['measurement', 'measurement_angle', 'total', 'total_increasing'];

/** The sensor device classes used here, with HA's units and allowed state classes (null: none allowed). */
const SENSOR_CLASSES: Record<string, { units: string[] | 'currency' | null; stateClasses: string[] | null }> = {
  power: { units: ['mW', 'W', 'kW', 'MW', 'GW', 'TW', 'BTU/h'], stateClasses: ['measurement'] },
  energy: {
    units: ['J', 'kJ', 'MJ', 'GJ', 'mWh', 'Wh', 'kWh', 'MWh', 'GWh', 'TWh', 'cal', 'kcal', 'Mcal', 'Gcal'],
    stateClasses: ['total', 'total_increasing'],
  },
  monetary: { units: 'currency', stateClasses: ['total'] },
  temperature: { units: ['°C', '°F', 'K'], stateClasses: ['measurement'] },
  timestamp: { units: null, stateClasses: null },
  enum: { units: null, stateClasses: null },
};
const NUMBER_CLASSES: Record<string, string[]> = { power: ['mW', 'W', 'kW', 'MW', 'GW', 'TW', 'BTU/h'] };

/** ISO 4217 codes a test may meet (HA checks against the full list). */
const CURRENCIES = ['EUR', 'USD', 'GBP', 'CHF', 'SEK', 'NOK', 'DKK', 'PLN', 'CZK'];

export type Discovered = {
  topic: string;
  component: string;
  nodeId: string | null;
  objectId: string;
  config: Record<string, unknown>;
};

/** Every problem HA would have with one config message (empty: accepted as documented). */
export function checkDiscovery(topic: string, payload: string): { problems: string[]; entity: Discovered | null } {
  const problems: string[] = [];
  const m = CONFIG_TOPIC.exec(topic);
  if (!m) return { problems: [`${topic} is not <prefix>/<component>/[<node_id>/]<object_id>/config`], entity: null };
  const component = m[2]!;
  let config: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(payload);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      return { problems: ['the payload is not a JSON object'], entity: null };
    config = parsed as Record<string, unknown>;
  } catch {
    return { problems: ['the payload is not JSON'], entity: null };
  }
  const platform = PLATFORMS[component]!;
  const allowed = new Set([...COMMON, ...platform.keys]);
  for (const k of Object.keys(config))
    if (!allowed.has(k)) problems.push(`${component}: "${k}" is not a documented key`);
  for (const k of platform.required) if (config[k] === undefined) problems.push(`${component}: "${k}" is required`);
  const str = (k: string) => typeof config[k] === 'string' && (config[k] as string).length > 0;
  if (!str('unique_id')) problems.push('unique_id is missing (a device needs it)');
  for (const k of ['state_topic', 'command_topic', 'availability_topic', 'json_attributes_topic'])
    if (config[k] !== undefined && (!str(k) || /[#+]/.test(config[k] as string)))
      problems.push(`${k} must be a topic without wildcards`);
  if (!str('availability_topic') && !Array.isArray(config['availability'])) problems.push('no availability');

  const device = config['device'] as Record<string, unknown> | undefined;
  if (!device || typeof device !== 'object') problems.push('no device');
  else {
    for (const k of Object.keys(device))
      if (!DEVICE_KEYS.includes(k)) problems.push(`device: "${k}" is not documented`);
    const ids = device['identifiers'];
    const idList = typeof ids === 'string' ? [ids] : Array.isArray(ids) ? ids : null;
    if (!idList?.length && !Array.isArray(device['connections'])) problems.push('device: identifiers or connections');
    if (idList?.some((i) => typeof i !== 'string')) problems.push('device: identifiers are strings');
  }
  const origin = config['origin'] as Record<string, unknown> | undefined;
  if (origin !== undefined) {
    if (typeof origin['name'] !== 'string') problems.push('origin: name is required');
    for (const k of Object.keys(origin))
      if (!ORIGIN_KEYS.includes(k)) problems.push(`origin: "${k}" is not documented`);
  }

  const dc = config['device_class'] as string | undefined;
  const unit = config['unit_of_measurement'] as string | undefined;
  const sc = config['state_class'] as string | undefined;
  if (component === 'sensor') {
    if (sc !== undefined && !STATE_CLASSES.includes(sc)) problems.push(`state_class ${sc} is not one of HA's`);
    if (config['options'] !== undefined && dc !== 'enum') problems.push('options only go with device_class enum');
    if (dc !== undefined) {
      const rule = SENSOR_CLASSES[dc];
      if (!rule) problems.push(`device_class ${dc} is not checked here`);
      else {
        if (rule.units === null && unit !== undefined) problems.push(`${dc} takes no unit, got ${unit}`);
        if (rule.units === 'currency' && (unit === undefined || !CURRENCIES.includes(unit)))
          problems.push(`${dc} needs an ISO 4217 currency as its unit, got ${unit}`);
        if (Array.isArray(rule.units) && (unit === undefined || !rule.units.includes(unit)))
          problems.push(`${dc} takes ${rule.units.join(', ')}, got ${unit}`);
        if (sc !== undefined && (rule.stateClasses === null || !rule.stateClasses.includes(sc)))
          problems.push(`state_class ${sc} is impossible with device_class ${dc}`);
        if (dc === 'enum' && (!Array.isArray(config['options']) || (config['options'] as unknown[]).length === 0))
          problems.push('enum needs options');
      }
    }
  }
  if (
    component === 'select' &&
    (!Array.isArray(config['options']) || (config['options'] as unknown[]).some((o) => typeof o !== 'string'))
  )
    problems.push('select: options is a list of strings');
  if (component === 'number') {
    if (dc !== undefined && NUMBER_CLASSES[dc] && (unit === undefined || !NUMBER_CLASSES[dc].includes(unit)))
      problems.push(`number ${dc} takes ${NUMBER_CLASSES[dc].join(', ')}, got ${unit}`);
    if (config['mode'] !== undefined && !['auto', 'box', 'slider'].includes(config['mode'] as string))
      problems.push('number: mode is auto, box or slider');
    const min = (config['min'] as number | undefined) ?? 1;
    const max = (config['max'] as number | undefined) ?? 100;
    if (!(min < max)) problems.push('number: min must be below max');
  }
  if (component === 'button' && config['state_topic'] !== undefined) problems.push('button: has no state');
  return {
    problems,
    entity: { topic, component, nodeId: m[3] ?? null, objectId: m[4]!, config },
  };
}

/** Whether HA would take `state` for the entity (numbers for measured sensors, ISO times, enum options, switch payloads). */
export function checkState(e: Discovered, state: string): string | null {
  const c = e.config;
  if (state === 'None') return null; // unknown
  if (e.component === 'sensor') {
    const dc = c['device_class'];
    if (dc === 'timestamp')
      return /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(state)
        ? null
        : `not an ISO time: ${state}`;
    if (dc === 'enum') return (c['options'] as string[]).includes(state) ? null : `not an option: ${state}`;
    if (c['unit_of_measurement'] !== undefined || c['state_class'] !== undefined)
      return Number.isFinite(Number(state)) && state.trim() !== '' ? null : `not a number: ${state}`;
    return null;
  }
  if (e.component === 'switch')
    return [c['payload_on'] ?? 'ON', c['payload_off'] ?? 'OFF'].includes(state) ? null : `not on/off: ${state}`;
  if (e.component === 'select') return (c['options'] as string[]).includes(state) ? null : `not an option: ${state}`;
  if (e.component === 'number') {
    const n = Number(state);
    if (!Number.isFinite(n)) return `not a number: ${state}`;
    return n >= ((c['min'] as number) ?? 1) && n <= ((c['max'] as number) ?? 100) ? null : `out of range: ${state}`;
  }
  return null;
}

/**
 * A separate MQTT client playing Home Assistant: subscribes to the discovery prefix and Hearth's
 * topics, keeps the last message per topic (retained ones included) and every error report.
 */
export async function haClient(url: string, prefix = 'homeassistant') {
  const { connect } = await import('mqtt');
  const client = connect(url, { clientId: `ha-${Math.random().toString(16).slice(2)}`, reconnectPeriod: 250 });
  const last = new Map<string, string>();
  const log: { topic: string; payload: string; retain: boolean }[] = [];
  client.on('message', (topic, payload, packet) => {
    const text = payload.toString('utf8');
    last.set(topic, text);
    log.push({ topic, payload: text, retain: packet.retain });
  });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  // Subscribed again on every reconnect (a restarted broker forgot the subscriptions), then HA's
  // birth message (`<prefix>/status` "online", its MQTT integration's default): integrations send
  // their configs and states again when they see it.
  const subscribe = () =>
    client.subscribe([`${prefix}/#`, 'hearth/#'], { qos: 1 }, () =>
      client.publish(`${prefix}/status`, 'online', { qos: 1 }),
    );
  subscribe();
  client.on('connect', subscribe);
  return {
    client,
    last,
    log,
    /** The discovery configs seen, by topic. */
    configs: () => [...last.entries()].filter(([t]) => t.startsWith(`${prefix}/`) && t.endsWith('/config')),
    send: (topic: string, payload: string | Buffer) =>
      new Promise<void>((resolve, reject) =>
        client.publish(topic, payload, { qos: 1 }, (err) => (err ? reject(err) : resolve())),
      ),
    close: () => new Promise<void>((resolve) => client.end(true, {}, () => resolve())),
  };
}
