import type { Command } from './command.ts';
import { hardwareCommand } from './command/hardware.ts';
import { heatCommand } from './command/heat.ts';
import { pricesCommand, pricesImportCommand } from './command/prices.ts';
import { serveCommand } from './command/serve.ts';
import { benchTrainCommand } from './command/bench-train.ts';
import { benchHashCommand } from './command/bench-hash.ts';
import { mineCommand } from './command/mine.ts';
import { trainCommand } from './command/train.ts';
import { historyCommand } from './command/history.ts';
import { benchHistoryCommand } from './command/history-bench.ts';
import { backtestCommand } from './command/backtest.ts';
import { benchPlannerCommand } from './command/bench-planner.ts';
import { benchSchedulerCommand } from './command/bench-scheduler.ts';
import { benchStratumCommand } from './command/bench-stratum.ts';
import { benchImportCommand } from './command/bench-import.ts';
import { marketCommand } from './command/market.ts';
import { planCommand } from './command/plan.ts';
import { commandsCommand } from './command/commands.ts';
import { devicesCommand } from './command/devices.ts';

/** Every `hearth` sub-command, in the order `hearth --help` lists them. */
export const commands: Command[] = [
  serveCommand,
  hardwareCommand,
  pricesCommand,
  pricesImportCommand,
  heatCommand,
  trainCommand,
  benchTrainCommand,
  benchHashCommand,
  mineCommand,
  historyCommand,
  marketCommand,
  planCommand,
  devicesCommand,
  commandsCommand,
  benchHistoryCommand,
  backtestCommand,
  benchPlannerCommand,
  benchSchedulerCommand,
  benchStratumCommand,
  benchImportCommand,
];
