import type { CoreModule } from './module.ts';
import { hardwareModule } from './hardware/module.ts';
import { deviceModule } from './device/module.ts';
import { heatingModule } from './heating/module.ts';
import { jobModule } from './job/module.ts';
import { ledgerModule } from './ledger/module.ts';
import { marketModule } from './market/module.ts';
import { miningModule } from './mining/module.ts';
import { notificationModule } from './notification/module.ts';
import { tariffModule } from './tariff/module.ts';
import { schedulerModule } from './scheduler/module.ts';
import { backtestModule } from './backtest/module.ts';
import { preferenceModule } from './preference/module.ts';
import { setupModule } from './setup/module.ts';
import { homeModule } from './home/module.ts';
import { fleetModule } from './fleet/module.ts';

/** The core's domains in dependency order: a module may `use` only services listed above it. */
export const modules: CoreModule[] = [
  hardwareModule(),
  deviceModule(),
  marketModule(),
  tariffModule(),
  heatingModule(),
  miningModule(),
  jobModule(),
  ledgerModule(),
  schedulerModule(),
  homeModule(),
  fleetModule(),
  backtestModule(),
  notificationModule(),
  preferenceModule(),
  setupModule(),
];
