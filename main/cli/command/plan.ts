import fs from 'node:fs';
import type { Plan, PlanInput } from '#contract/plan';
import { startCore, type Core } from '#core/app';
import { hardwareModule } from '#core/hardware/module';
import { heatingModule } from '#core/heating/module';
import { jobModule } from '#core/job/module';
import { marketModule } from '#core/market/module';
import { miningModule } from '#core/mining/module';
import { createdOnly } from '#core/module';
import { deviceModule } from '#core/device/module';
import { instanceText, InstanceError, readInstance, type Instance } from '#core/planner/instance';
import { planInModes, type ModeContext } from '#core/scheduler/modes';
import { schedulerModule } from '#core/scheduler/module';
import { tariffModule } from '#core/tariff/module';
import { plan } from '#workers/planner/plan';
import {
  progressBar,
  DATA_DIR_DOC,
  numberOption,
  rethrowAsUsage,
  UsageError,
  type Command,
  flagOptions,
  textOptions,
} from '../command.ts';
import { freshPrices } from './prices.ts';
import { dataDirOf, errorsOnlyLog } from '../client.ts';

/**
 * The domains the scheduler plans from, on the app's data folder, with nothing carried out: the
 * scheduler is not started (no miner, no job is touched), the hardware domain samples no telemetry
 * (the app's ledger is not written twice), the market is not refetched (its stored quotes stand).
 * Prices and the weather forecast are refreshed as `hearth prices` and `hearth heat` do.
 */
async function startPlanningCore(values: Record<string, unknown>): Promise<Core> {
  const dataDir = dataDirOf(values);
  const modules = [
    createdOnly(hardwareModule()),
    // Read once below (device-list refresh), never polled: the LAN miners as they answer now.
    createdOnly(deviceModule()),
    createdOnly(marketModule()),
    tariffModule({ cron: false }),
    heatingModule({ cron: false, refreshOnStart: true }),
    miningModule(),
    jobModule({ resumeOnStart: false }),
    createdOnly(schedulerModule({ cron: false, idle: null })),
  ];
  const core = await startCore({
    dataDir,
    modules,
    log: errorsOnlyLog,
  });
  try {
    await freshPrices(core.handlers, core.context.clock.now());
  } catch (err) {
    await core.close();
    throw err;
  }
  return core;
}

const utc = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
const money = (n: number) => n.toFixed(4);
const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** How right the plan is, as the planner proved it, and which route made it. */
function describePlanStatus(p: Plan): string {
  const s = p.status;
  const gapOn =
    s.kind === 'feasible' && s.on
      ? { shortfall: 'the missed deadline work', late: 'the work left at the end' }[s.on]
      : null;
  const how =
    s.kind === 'optimal'
      ? 'optimal'
      : s.kind === 'feasible'
        ? gapOn
          ? `feasible, ${gapOn} may be up to ${(s.gap * 100).toFixed(3)} % more than the least possible (time limit)`
          : `feasible, at most ${(s.gap * 100).toFixed(3)} % below the optimum (time limit)`
        : `heuristic: ${s.reason}`;
  return `status ${how} (solver ${p.solver}, ${p.planMs.toFixed(0)} ms)`;
}

/** The plan as text: status, totals, shortfalls, then one row per slot. */
export function formatPlan(p: Plan, input: PlanInput): string[] {
  const thermal = input.thermal !== undefined;
  const hoursOf = new Map(input.slots.map((s) => [s.start, s.hours]));
  const t = p.totals;
  const lines = [describePlanStatus(p)];
  const parts = [
    `net ${money(t.net)}`,
    `cost ${money(t.cost)}`,
    `revenue ${money(t.revenue)}`,
    `heat credit ${money(t.heatCredit)}`,
  ];
  if (thermal)
    parts.push(
      `heat source ${money(t.sourceCost)} for ${t.sourceHeatKWh.toFixed(3)} kWh`,
      `${t.comfortKh.toFixed(2)} K·h below the comfort band`,
    );
  lines.push(`${parts.join(', ')} (money in the tariff's currency); ${t.energyKWh.toFixed(3)} kWh drawn`);
  for (const w of p.warnings ?? []) lines.push(`warning: ${w}`);
  for (const s of p.shortfalls)
    lines.push(
      `short: ${s.job} misses ${s.missingWork.toFixed(0)} work at its deadline${s.missingAtEnd !== undefined ? `, ${s.missingAtEnd.toFixed(0)} still missing at the horizon's end` : ''}`,
    );
  if (!p.slots.length) return lines;
  const devices = [...new Set(p.slots.flatMap((s) => s.decisions.map((d) => d.device)))];
  const header = ['time UTC', 'price', ...devices, ...(thermal ? ['indoor °C', 'source W'] : []), 'reason'];
  const rows = p.slots.map((s) => {
    const cells = devices.map((id) => {
      const d = s.decisions.find((x) => x.device === id);
      return d?.job ? `${d.job}@${d.level}/${Math.round(d.powerW)}W` : 'off';
    });
    const heat = thermal
      ? [
          s.indoorC === undefined ? '' : s.indoorC.toFixed(1),
          Math.round((s.sourceHeatKWh * 1000) / (hoursOf.get(s.start) ?? 0.25)).toString(),
        ]
      : [];
    return [utc(s.start), s.price.toFixed(5), ...cells, ...heat, s.reason];
  });
  const all = [header, ...rows];
  // Every column padded to its widest cell but the reason, which is last and runs on.
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  for (const r of all)
    lines.push(
      r.map((c, i) => (i === r.length - 1 ? c : i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '),
    );
  return lines;
}

function readFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`Cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

function writeFile(file: string, text: string): void {
  try {
    fs.writeFileSync(file, text);
  } catch (err) {
    throw new UsageError(`Cannot write ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

const SOLVERS = ['auto', 'milp', 'heuristic'] as const;

export const planCommand: Command = {
  name: 'plan',
  summary:
    "Plan the next 48 h from this machine's settings, export that planning problem to a file, or solve one from a file",
  usage:
    '[--json] [--solver auto|milp|heuristic] [--time-limit-ms N] [--data-dir DIR]\n' +
    '       hearth plan --export FILE|- [--data-dir DIR]\n' +
    '       hearth plan --instance FILE [--json] [--solver auto|milp|heuristic] [--time-limit-ms N]',
  details:
    'Without --instance it builds the problem the scheduler plans from (prices, heat, detected devices, the job\n' +
    'queue, limits) out of the data folder, as the app would now, without starting or stopping anything, and\n' +
    'bends the answer by the run modes (off / plan / now / heat only) as the app does; a problem file carries\n' +
    'no modes.\n' +
    '--export writes that problem as JSON (docs/plan-instance.md; - for standard output) with the time and time\n' +
    'limit it is planned at; --instance solves such a file, so anyone can reproduce a plan. Either prints the\n' +
    'status (optimal, feasible with its gap, or heuristic with the reason), the totals and one row per slot\n' +
    '(device columns: job@level/power); --json prints the plan itself.',
  options: { ...flagOptions('json'), ...textOptions('export', 'instance', 'solver', 'time-limit-ms', 'data-dir') },
  docs: {
    json: { text: 'print the plan as JSON' },
    export: { value: 'FILE|-', text: 'write the planning problem as JSON (- for standard output)' },
    instance: { value: 'FILE', text: 'solve a problem file written by --export' },
    solver: { value: 'auto|milp|heuristic', text: 'which solver plans', default: 'auto' },
    'time-limit-ms': {
      value: 'N',
      text: "HiGHS's time limit",
      default: 'the Plan page setting, 10000',
      unit: 'ms',
      example: '2000',
    },
    'data-dir': DATA_DIR_DOC,
  },
  examples: ['hearth plan', 'hearth plan --export problem.json', 'hearth plan --instance problem.json --json'],
  async run({ values }) {
    const exportTo = values['export'];
    const instanceFile = values['instance'];
    if (typeof exportTo === 'string' && typeof instanceFile === 'string')
      throw new UsageError(
        '--export writes the current problem and --instance solves one from a file: give one of them',
      );
    const solver = values['solver'];
    if (solver !== undefined && !SOLVERS.includes(solver as (typeof SOLVERS)[number]))
      throw new UsageError(`--solver expects ${SOLVERS.join(', ')}, got "${String(solver)}"`);
    const timeLimitMs = numberOption(values['time-limit-ms'], 'time-limit-ms', { min: 1, max: 3_600_000 });
    if (typeof exportTo === 'string' && (values['json'] || solver !== undefined || timeLimitMs !== undefined)) {
      throw new UsageError(
        '--export only writes the problem; --json, --solver and --time-limit-ms apply when planning',
      );
    }

    let inst: Instance;
    // From the data folder the plan is bent by the run modes as the scheduler bends it; a problem
    // file carries no modes, so it is solved as the planner answers.
    let modes: ModeContext | null = null;
    if (typeof instanceFile === 'string') {
      try {
        inst = readInstance(readFile(instanceFile), instanceFile);
      } catch (err) {
        if (err instanceof InstanceError) throw new UsageError(err.message);
        throw err;
      }
    } else {
      const core = await startPlanningCore(values);
      try {
        // The LAN miners are planned from what they report: read each now (bounded per device).
        const lan = await core.handlers['device-list']({ refresh: true });
        const away = lan.filter((d) => d.status !== 'online');
        if (away.length > 0)
          console.error(
            `Not planned (no answer now): ${away.map((d) => `${d.name} (${d.host}:${d.port})`).join(', ')}`,
          );
        const exported = await core.handlers['plan-input']({});
        if (typeof exportTo === 'string') {
          const text = instanceText(exported);
          if (exportTo === '-') process.stdout.write(text);
          else writeFile(exportTo, text);
          const i = exported.input;
          const span = i.slots.length ? ` from ${utc(i.slots[0]!.start)} UTC` : '';
          console.error(
            `Wrote the planning problem (${count(i.slots.length, 'slot')}${span}, ${count(i.devices.length, 'device')}, ${count(i.jobs.length, 'job')}${i.thermal ? ', thermal model' : ''}) to ${exportTo === '-' ? 'standard output' : exportTo}`,
          );
          // Read back as `--instance` would: a problem it refuses is a bug here, and the file is its evidence.
          try {
            readInstance(text, exportTo === '-' ? 'the export' : exportTo);
          } catch (err) {
            console.error(`warning: ${(err as Error).message}`);
            return 1;
          }
          return 0;
        }
        // Through JSON as a file carries it: this prints what --export then --instance would.
        inst = readInstance(JSON.stringify(exported), 'the current problem');
        const at = inst.now;
        modes = {
          modes: await core.handlers['run-modes-get']({}),
          currency: core.service('tariff').slots(at, at + 900_000)[0]?.currency ?? 'EUR',
          jobs: await core.handlers['job-list']({}),
        };
      } catch (err) {
        rethrowAsUsage(err);
      } finally {
        await core.close();
      }
      if (!inst.input.slots.length) {
        console.log('No price slots known for the next hours, so nothing to plan: configure a tariff (hearth prices).');
        return 0;
      }
    }

    // On a terminal a line says what runs while the planner holds this thread (up to its time limit).
    const progress = progressBar(process.stderr, { plain: false });
    const limit = timeLimitMs ?? inst.timeLimitMs;
    progress('plan', 0, 1, `${inst.input.slots.length} slots, at most ${limit / 1000} s`);
    const solve = (input: PlanInput, currency?: string) =>
      plan(input, {
        now: inst.now,
        timeLimitMs: limit,
        ...(currency !== undefined ? { currency } : {}),
        ...(solver !== undefined ? { solver: solver as (typeof SOLVERS)[number] } : {}),
      });
    const p = modes ? await planInModes(inst.input, solve, modes) : await solve(inst.input);
    progress('plan', 1, 1, `${inst.input.slots.length} slots, at most ${limit / 1000} s`);
    if (values['json']) {
      console.log(JSON.stringify(p, null, 2));
      return 0;
    }
    console.log(`planned at ${new Date(inst.now).toISOString()}, time limit ${timeLimitMs ?? inst.timeLimitMs} ms`);
    for (const line of formatPlan(p, inst.input)) console.log(line);
    return 0;
  },
};
