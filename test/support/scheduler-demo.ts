/**
 * A core set up so the price alone decides (tests and `hearth bench scheduler`): 15-minute prices
 * alternating between negative (power pays) and dear, a stored CSV tariff, a pool configured, and
 * mining worth next to nothing.
 */
import type { Handlers } from '#contract/index';
import { hardwareModule } from '#core/hardware/module';
import { systemSources } from '#core/hardware/telemetry';
import { heatingModule } from '#core/heating/module';
import { jobModule } from '#core/job/module';
import { marketModule } from '#core/market/module';
import { miningModule } from '#core/mining/module';
import type { CoreModule } from '#core/module';
import { tariffModule } from '#core/tariff/module';
import { schedulerModule, type SchedulerModuleOptions } from '#core/scheduler/module';

export const SLOT_MS = 900_000;
export const isCheap = (t: number) => Math.floor(t / SLOT_MS) % 2 === 0;

export function alternatingPricesCsv(from: number, hours: number): string {
  const rows = ['start,price'];
  for (let t = from; t < from + hours * 3_600_000; t += SLOT_MS)
    rows.push(`${new Date(t).toISOString()},${isCheap(t) ? '-0.50' : '50'}`);
  return rows.join('\n');
}

export async function prepareDemo(
  h: Handlers,
  opts: { from: number; hours: number; poolUrl: string | null },
): Promise<void> {
  await h['tariff-import-csv']({ csv: alternatingPricesCsv(opts.from, opts.hours), unit: 'per-kwh', currency: 'EUR' });
  const ts = await h['tariff-settings']({});
  await h['tariff-configure']({ ...ts, tariff: { kind: 'csv', currency: 'EUR' }, skipCheck: true });
  if (opts.poolUrl) {
    await h['mining-settings-set']({ pools: [{ url: opts.poolUrl, user: 'alice.rig', password: 'x' }] });
    await h['market-override']({ btcPrice: 1e-6, difficulty: 1, currency: 'EUR' });
  }
}

/**
 * The modules the scheduler drives, without timers that reach the network. `cpuTempC` replaces
 * only the CPU temperature sensor (a VM reports none; a test makes it hot).
 */
export function demoModules(
  sched: SchedulerModuleOptions = {},
  cpuTempC: () => number | null = () => null,
): CoreModule[] {
  return [
    hardwareModule({ sources: () => ({ ...systemSources(null, false), cpuTempC: () => Promise.resolve(cpuTempC()) }) }),
    marketModule({ refreshMs: 0 }),
    tariffModule({ cron: false }),
    heatingModule({ cron: false }),
    miningModule(),
    jobModule({ gpu: null, pollMs: 50 }),
    schedulerModule({ cron: false, ...sched }),
  ];
}
