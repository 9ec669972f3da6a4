import { HOME_ACTIONS, HOME_MODES, HOME_POWER_LIMIT_MAX_W, type HomeCommand } from '#contract/index';

/**
 * The entities Hearth shows in Home Assistant and their MQTT discovery payloads (HA's "MQTT
 * Discovery": a retained config on `<prefix>/<component>/<node_id>/<object_id>/config`). One device
 * per Hearth node. Device classes, units and state classes follow HA's sensor rules: power in W
 * `measurement`; energy in kWh `total_increasing`; money (`monetary`) in the ledger's ISO 4217
 * currency with state class `total` (HA refuses `measurement` there); timestamps (`timestamp`) and
 * the action (`enum`, with its options) without unit or state class.
 */
export type Component = 'sensor' | 'switch' | 'select' | 'number' | 'button';

export type EntityId =
  | 'power'
  | 'energy_today'
  | 'energy_total'
  | 'heat_today'
  | 'hash_rate'
  | 'shares_accepted'
  | 'shares_rejected'
  | 'job_progress'
  | 'job_eta'
  | 'net_today'
  | 'net_month'
  | 'action'
  | 'indoor_temperature'
  | 'price_now'
  | 'next_cheap_window'
  | HomeCommand;

export type Entity = {
  id: EntityId;
  component: Component;
  name: string;
  /** HA's keys besides the topics, unique_id and device (device_class, unit_of_measurement …). */
  config: (currency: string) => Record<string, unknown>;
  /** Takes commands on `hearth/<nodeId>/<id>/set`. */
  command?: true;
  /** Has JSON attributes on `hearth/<nodeId>/<id>/attributes`. */
  attributes?: true;
  /** Sends no state (HA's button has none). */
  stateless?: true;
};

const power = { device_class: 'power', unit_of_measurement: 'W', state_class: 'measurement' };
const energy = { device_class: 'energy', unit_of_measurement: 'kWh', state_class: 'total_increasing' };
const money = (currency: string) => ({ device_class: 'monetary', unit_of_measurement: currency, state_class: 'total' });

export const ENTITIES: Entity[] = [
  { id: 'power', component: 'sensor', name: 'Power', config: () => ({ ...power }) },
  { id: 'energy_today', component: 'sensor', name: 'Energy today', config: () => ({ ...energy }) },
  { id: 'energy_total', component: 'sensor', name: 'Energy total', config: () => ({ ...energy }) },
  { id: 'heat_today', component: 'sensor', name: 'Heat delivered today', config: () => ({ ...energy }) },
  {
    id: 'hash_rate',
    component: 'sensor',
    name: 'Hash rate',
    config: () => ({ unit_of_measurement: 'H/s', state_class: 'measurement', icon: 'mdi:pickaxe' }),
  },
  {
    id: 'shares_accepted',
    component: 'sensor',
    name: 'Accepted shares',
    config: () => ({ state_class: 'total_increasing', icon: 'mdi:check-circle-outline' }),
  },
  {
    id: 'shares_rejected',
    component: 'sensor',
    name: 'Rejected shares',
    config: () => ({ state_class: 'total_increasing', icon: 'mdi:close-circle-outline' }),
  },
  {
    id: 'job_progress',
    component: 'sensor',
    name: 'Training job progress',
    config: () => ({ unit_of_measurement: '%', state_class: 'measurement', icon: 'mdi:progress-clock' }),
  },
  { id: 'job_eta', component: 'sensor', name: 'Training job ETA', config: () => ({ device_class: 'timestamp' }) },
  { id: 'net_today', component: 'sensor', name: 'Net today', config: money },
  { id: 'net_month', component: 'sensor', name: 'Net this month', config: money },
  {
    id: 'action',
    component: 'sensor',
    name: 'Current action',
    attributes: true,
    config: () => ({ device_class: 'enum', options: [...HOME_ACTIONS], icon: 'mdi:radiator' }),
  },
  {
    id: 'indoor_temperature',
    component: 'sensor',
    name: 'Indoor temperature',
    config: () => ({ device_class: 'temperature', unit_of_measurement: '°C', state_class: 'measurement' }),
  },
  {
    id: 'price_now',
    component: 'sensor',
    name: 'Electricity price',
    // A price per kWh is no `monetary` amount (HA wants a bare currency code there).
    config: (c) => ({ unit_of_measurement: `${c}/kWh`, state_class: 'measurement', icon: 'mdi:cash' }),
  },
  {
    id: 'next_cheap_window',
    component: 'sensor',
    name: 'Next cheap window',
    config: () => ({ device_class: 'timestamp' }),
  },
  {
    id: 'compute',
    component: 'switch',
    name: 'Compute',
    command: true,
    config: () => ({ payload_on: 'ON', payload_off: 'OFF', icon: 'mdi:chip' }),
  },
  { id: 'mode', component: 'select', name: 'Mode', command: true, config: () => ({ options: [...HOME_MODES] }) },
  {
    id: 'power_limit',
    component: 'number',
    name: 'Power limit',
    command: true,
    config: () => ({
      device_class: 'power',
      unit_of_measurement: 'W',
      min: 0,
      max: HOME_POWER_LIMIT_MAX_W,
      step: 1,
      mode: 'box',
    }),
  },
  {
    id: 'replan',
    component: 'button',
    name: 'Re-plan now',
    command: true,
    stateless: true,
    config: () => ({ payload_press: 'PRESS', icon: 'mdi:refresh' }),
  },
];

/** Hearth's topics for one node. */
export function topics(nodeId: string) {
  const base = `hearth/${nodeId}`;
  return {
    base,
    availability: `${base}/availability`,
    plan: `${base}/plan`,
    error: `${base}/error`,
    state: (id: EntityId) => `${base}/${id}/state`,
    attributes: (id: EntityId) => `${base}/${id}/attributes`,
    command: (id: EntityId) => `${base}/${id}/set`,
    /** Every command topic, for one subscription. */
    commands: `${base}/+/set`,
  };
}

export type DiscoveryInput = { nodeId: string; discoveryPrefix: string; currency: string; swVersion: string };

/** Every entity's retained config message. */
export function discoveryMessages(d: DiscoveryInput): { topic: string; payload: string }[] {
  const t = topics(d.nodeId);
  const node = `hearth_${d.nodeId}`;
  const device = {
    identifiers: [node],
    name: d.nodeId === 'hearth' ? 'Hearth' : `Hearth ${d.nodeId}`,
    manufacturer: 'Hearth',
    model: 'Compute heater',
    sw_version: d.swVersion,
  };
  return ENTITIES.map((e) => {
    const config: Record<string, unknown> = {
      name: e.name,
      unique_id: `${node}_${e.id}`,
      ...e.config(d.currency),
      availability_topic: t.availability,
      payload_available: 'online',
      payload_not_available: 'offline',
      ...(e.stateless ? {} : { state_topic: t.state(e.id) }),
      ...(e.command ? { command_topic: t.command(e.id) } : {}),
      ...(e.attributes ? { json_attributes_topic: t.attributes(e.id) } : {}),
      device,
      origin: { name: 'Hearth', sw_version: d.swVersion },
    };
    return { topic: `${d.discoveryPrefix}/${e.component}/${node}/${e.id}/config`, payload: JSON.stringify(config) };
  });
}
