/**
 * The one API contract. Each domain declares its handlers, events and argument schemas in its own
 * file; this file joins them. Transports and the renderer's client are typed from `Handlers` and
 * `Events`; the core validates every incoming argument with `argSchemas` before a handler runs.
 */
import { hardwareArgs, type HardwareEvents, type HardwareHandlers } from './hardware.ts';
import { heatingArgs, type HeatingEvents, type HeatingHandlers } from './heating.ts';
import { tariffArgs, type TariffEvents, type TariffHandlers } from './tariff.ts';
import { jobArgs, type JobEvents, type JobHandlers } from './job.ts';
import { miningArgs, type MiningEvents, type MiningHandlers } from './mining.ts';
import { marketArgs, type MarketEvents, type MarketHandlers } from './market.ts';
import { ledgerArgs, type LedgerEvents, type LedgerHandlers } from './ledger.ts';
import { notificationArgs, type NotificationEvents, type NotificationHandlers } from './notification.ts';
import { planArgs, type PlanEvents, type PlanHandlers } from './plan.ts';
import { backtestArgs, type BacktestEvents, type BacktestHandlers } from './backtest.ts';
import { schedulerArgs, type SchedulerEvents, type SchedulerHandlers } from './scheduler.ts';
import { preferenceArgs, type PreferenceEvents, type PreferenceHandlers } from './preference.ts';
import { setupArgs, type SetupEvents, type SetupHandlers } from './setup.ts';
import { homeArgs, type HomeEvents, type HomeHandlers } from './home.ts';
import { deviceArgs, type DeviceEvents, type DeviceHandlers } from './device.ts';
import { fleetArgs, type FleetEvents, type FleetHandlers } from './fleet.ts';
import type { ArgSchemas } from './rpc.ts';

export type * from './rpc.ts';
export type * from './id.ts';
export type * from './hardware.ts';
export type * from './tariff.ts';
export type * from './heating.ts';
export type * from './job.ts';
export type * from './mining.ts';
export type * from './market.ts';
export type * from './ledger.ts';
export type * from './notification.ts';
export type * from './plan.ts';
export type * from './backtest.ts';
export type * from './scheduler.ts';
export {
  presenceSettingsSchema,
  DEFAULT_PRESENCE,
  planLimitSettingsSchema,
  DEFAULT_PLAN_LIMITS,
  runModeSchema,
} from './scheduler.ts';
export type * from './preference.ts';
export type * from './setup.ts';
export type * from './home.ts';
export type * from './device.ts';
export { LAN_DEVICE_KINDS, DEVICE_ZONES, deviceAddSchema, deviceConfigureSchema, deviceScanSchema } from './device.ts';
export type * from './fleet.ts';
export { FLEET_ROLES, fleetSettingsSchema } from './fleet.ts';
export {
  mqttLinkInputSchema,
  homeCommandSchemas,
  homePlanSchema,
  HOME_ACTIONS,
  HOME_MODES,
  HOME_POWER_LIMIT_MAX_W,
} from './home.ts';
export { DEFAULT_PREFERENCES } from './preference.ts';
export { notificationSettingsSchema } from './notification.ts';
export { MINING_POWER_LEVELS } from './mining.ts';
export { FINAL_JOB_STATES } from './job.ts';
export { tariffConfigSchema, chargesSchema } from './tariff.ts';
export { currencyCode, ianaZone } from './common.ts';
export { heatingSettingsSchema } from './heating.ts';
export type * from './heat-source.ts';
export { DEFAULT_SOURCE_CAPACITY_W, DEFAULT_COP, heatSourceOf } from './heat-source.ts';
export { SETPOINT_MIN_C, SETPOINT_MAX_C, DEFAULT_BAND_K, DEFAULT_PLANNER_TIME_LIMIT_SEC } from './defaults.ts';
export { HandlerError } from './rpc.ts';
export { deviceId, jobId, poolId } from './id.ts';
export { BACKTEST_MAX_DAYS } from './backtest.ts';

export type Handlers = HardwareHandlers &
  TariffHandlers &
  HeatingHandlers &
  JobHandlers &
  MiningHandlers &
  MarketHandlers &
  LedgerHandlers &
  NotificationHandlers &
  PlanHandlers &
  BacktestHandlers &
  PreferenceHandlers &
  SchedulerHandlers &
  SetupHandlers &
  HomeHandlers &
  DeviceHandlers &
  FleetHandlers;
export type Events = HardwareEvents &
  TariffEvents &
  HeatingEvents &
  JobEvents &
  MiningEvents &
  MarketEvents &
  LedgerEvents &
  NotificationEvents &
  PlanEvents &
  BacktestEvents &
  PreferenceEvents &
  SchedulerEvents &
  SetupEvents &
  HomeEvents &
  DeviceEvents &
  FleetEvents;

export type Method = keyof Handlers;
export type EventName = keyof Events;
export type Args<M extends Method> = Parameters<Handlers[M]>[0];
export type Result<M extends Method> = Awaited<ReturnType<Handlers[M]>>;

/** Joined argument schemas; `joinSchemas` refuses two domains declaring the same method. */
export const argSchemas: ArgSchemas<Handlers> = joinSchemas([
  hardwareArgs,
  tariffArgs,
  heatingArgs,
  jobArgs,
  miningArgs,
  marketArgs,
  ledgerArgs,
  notificationArgs,
  planArgs,
  backtestArgs,
  preferenceArgs,
  schedulerArgs,
  setupArgs,
  homeArgs,
  deviceArgs,
  fleetArgs,
]);

/** What every transport offers the renderer: the renderer's client implements exactly this. */
export type Connection = {
  send<M extends Method>(method: M, args: Args<M>): Promise<Result<M>>;
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
  /** "ipc" in the desktop app, "http" in a browser. */
  readonly kind: 'ipc' | 'http';
};

function joinSchemas<T>(parts: object[]): T {
  const joined: Record<string, unknown> = {};
  for (const part of parts) {
    for (const [name, schema] of Object.entries(part)) {
      if (name in joined) throw new Error(`Two contract parts declare the method "${name}"`);
      joined[name] = schema;
    }
  }
  return joined as T;
}
