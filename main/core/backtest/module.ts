import { defineModule, type CoreModule, type ModuleInstance } from '#core/module';
import type { PlannerFn } from '#core/planner/backtest';
import { plannerThread } from '#core/planner/planner-thread';
import { backtestHandlers } from './handlers.ts';
import { Backtest } from './service.ts';

export type BacktestModuleOptions = {
  /** The planner; defaults to the process's planner worker thread, so the core's event loop stays free. */
  planner?: PlannerFn;
};

/**
 * The backtest domain: `plan-backtest` replays a past period over the tariff's stored prices (see
 * service.ts). Plans are made in the planner worker, so the server keeps answering.
 */
export function backtestModule(options: BacktestModuleOptions = {}): CoreModule {
  const planner: PlannerFn = options.planner ?? ((input, opts) => plannerThread.plan(input, opts));
  return defineModule({
    name: 'backtest',
    requires: ['tariff'],
    optional: ['heating'],
    create(ctx, { tariff, heating }): ModuleInstance {
      const isSaved = ctx.db.prepare('SELECT 1 FROM setting WHERE key = ?');
      const backtest = new Backtest({
        tariff,
        heating,
        saved: (key) => isSaved.get(key) !== undefined,
        planner,
        emit: (event, payload) => ctx.events.emit(event, payload),
      });
      return { handlers: backtestHandlers(backtest), stop: () => backtest.stop() };
    },
  });
}
