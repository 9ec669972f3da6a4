import { fleetSettingsSchema, type FleetSettings } from '#contract/index';
import { defineSetting } from '#core/setting';
import { scheduleMessageSchema, type ScheduleMessage } from './protocol.ts';

export const fleetSetting = defineSetting<FleetSettings>({
  key: 'fleet',
  schema: fleetSettingsSchema,
  default: () => ({ role: 'off', planner: null }),
  version: 1,
  since: '0.1.0',
  doc: "Several Hearth nodes under one plan, over the home's MQTT broker (the Home Assistant link's broker and node id): off (this node plans only itself), planner (it plans every agent too), or agent of the named planning node (it runs the schedule that node sends). See docs/fleet.md.",
});

/**
 * An agent's last schedule from its planner, kept so that a restart goes on following it until it
 * ends (the planner may be away just then).
 */
export const fleetScheduleSetting = defineSetting<ScheduleMessage | null>({
  key: 'fleet.schedule',
  schema: scheduleMessageSchema.nullable(),
  default: () => null,
  version: 1,
  since: '0.1.0',
  internal: true,
  doc: "An agent's last schedule from its planning node, followed until it ends, across restarts.",
});
