import { schedule, type ScheduledTask } from 'node-cron';
import type { PlanApplied, PlanOverride } from '#contract/index';
import { HandlerError } from '#contract/index';
import type { CoreModule } from '#core/module';
import type { PlanDevice, PlanInput, PlanJob, PlanLimits } from '#core/planner/model';
import { Scheduler } from './scheduler.ts';

const SLOT_MS = 900_000;
const HORIZON_MS = 48 * 3_600_000;

/** Used until the user configures devices and jobs: the CPU at one level, mining at no value. */
const DEFAULT_DEVICES: PlanDevice[] = [{ id: 'cpu', levels: [{ powerW: 65, rates: { mine: 1 } }], minRunSlots: 1, minPauseSlots: 1 }];
const DEFAULT_JOBS: PlanJob[] = [{ id: 'mining', kind: 'mine', valuePerWork: 0 }];

export type SchedulerModuleOptions = {
  /** node-cron re-plans at 13:15 local time, when day-ahead prices are usually out (off in tests). */
  cron?: boolean;
};

/**
 * The scheduler domain: plans the next 48 h from the tariff's prices and the heating domain's
 * demand and credit, re-plans when either changes, applies each slot at its boundary (as the
 * plan-applied event and a log line) and takes manual overrides.
 */
export function schedulerModule(options: SchedulerModuleOptions = {}): CoreModule {
  return {
    name: 'scheduler',
    create(ctx) {
      const tariff = ctx.use('tariff');
      const heating = ctx.use('heating');
      let lastApplied: PlanApplied | null = null;
      let currentOverride: PlanOverride | null = null;
            let cron: ScheduledTask | null = null;
      const unsubs: (() => void)[] = [];
      const inputs = (): Promise<PlanInput> => {
        const from = Math.floor(ctx.clock.now() / SLOT_MS) * SLOT_MS;
        const prices = tariff.slots(from, from + HORIZON_MS);
        const heat = heating.demand(prices);
        const slots = prices.map((p, i) => {
          const h = heat[i];
          return { start: p.start, hours: (p.end - p.start) / 3_600_000, price: p.price, heatDemandW: h?.demandW ?? 0, heatCreditPerKWh: h?.creditPerKWh ?? 0, quiet: false };
        });
        return Promise.resolve({
          slots,
          devices: ctx.settings.get<PlanDevice[]>('planner.devices') ?? DEFAULT_DEVICES,
          jobs: ctx.settings.get<PlanJob[]>('planner.jobs') ?? DEFAULT_JOBS,
          limits: ctx.settings.get<PlanLimits>('planner.limits') ?? {},
        });
      };
      const scheduler = new Scheduler({
        clock: ctx.clock,
        slotMs: SLOT_MS,
        inputs,
        apply: (a) => {
          lastApplied = a;
          ctx.events.emit('plan-applied', a);
        },
        record: (e) => {
          if (e.type === 'planned') {
            const p = scheduler.plan();
            if (p) ctx.events.emit('plan-updated', p);
            for (const s of e.shortfalls) ctx.log.warn(`planner: job ${s.job} misses ${s.missingWork} work before its deadline`);
          } else if (e.type === 'error') ctx.log.warn(`scheduler: ${e.message}`);
        },
      });
      return {
        handlers: {
          'plan-get': () => Promise.resolve({ plan: scheduler.plan(), override: currentOverride, applied: lastApplied }),
          'plan-override': async ({ override }: { override: PlanOverride | null }) => {
            if (override && override.until <= ctx.clock.now()) throw new HandlerError('bad-request', 'the override ends in the past', 'give an end time after now');
            currentOverride = override;
            await scheduler.setOverride(override);
            return { override };
          },
        },
        async start() {
          unsubs.push(tariff.onUpdate(() => scheduler.changed()), heating.onChange(() => scheduler.changed()));
          if (options.cron !== false) cron = schedule('15 13 * * *', () => scheduler.changed());
          await scheduler.start();
        },
        async stop() {
          scheduler.stop();
          for (const u of unsubs) u();
          await cron?.stop();
        },
      };
    },
  };
}
