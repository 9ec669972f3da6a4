/**
 * The narrow interfaces domains offer each other (evcc's site API idea): a consumer depends on
 * this type, never on another domain's internals. A domain adds its entry here and provides it
 * as `service` from its module.
 */
import type { HardwareService } from './hardware/service.ts';
import type { HeatingService } from './heating/service.ts';
import type { JobService } from './job/service.ts';
import type { LedgerService } from './ledger/service.ts';
import type { MarketService } from './market/service.ts';
import type { MiningService } from './mining/service.ts';
import type { TariffService } from './tariff/service.ts';
import type { SchedulerService } from './scheduler/service.ts';
import type { HomeService } from './home/service.ts';
import type { DeviceService } from './device/service.ts';

export type Services = {
  hardware: HardwareService;
  ledger: LedgerService;
  market: MarketService;
  tariff: TariffService;
  heating: HeatingService;
  mining: MiningService;
  job: JobService;
  scheduler: SchedulerService;
  home: HomeService;
  device: DeviceService;
};
