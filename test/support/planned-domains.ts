import { heatingModule } from '#core/heating/module';
import { jobModule } from '#core/job/module';
import { marketModule } from '#core/market/module';
import { miningModule } from '#core/mining/module';
import type { CoreModule } from '#core/module';
import { tariffModule } from '#core/tariff/module';

/**
 * The domains the scheduler plans from (market, tariff, heating, mining, jobs) with no timer that
 * reaches the network, no GPU and no job resumed from an earlier run. The hardware domain and the
 * scheduler itself are the test's to add.
 */
export function plannedDomains(): CoreModule[] {
  return [
    marketModule({ refreshMs: 0 }),
    tariffModule({ cron: false }),
    heatingModule({ cron: false }),
    miningModule(),
    jobModule({ gpu: null, resumeOnStart: false }),
  ];
}
