import {
  homeCommandSchemas,
  planLimitSettingsSchema,
  type HomeCommand,
  type HomeMode,
  type RunMode,
  deviceId,
} from '#contract/index';
import type { JobService } from '#core/job/service';
import type { SchedulerService } from '#core/scheduler/service';

/** Commands larger than this are refused unread (every valid one is a few bytes). */
export const MAX_COMMAND_BYTES = 256;

export type ParsedCommand =
  | { ok: true; entity: 'compute'; value: 'ON' | 'OFF' }
  | { ok: true; entity: 'mode'; value: HomeMode }
  | { ok: true; entity: 'power_limit'; value: number }
  | { ok: true; entity: 'replan'; value: 'PRESS' }
  | { ok: false; entity: string | null; error: string };

const fatal = new TextDecoder('utf-8', { fatal: true });

/** Reads `hearth/<nodeId>/<entity>/set` and its payload, checked with the contract's schemas. */
export function parseCommand(base: string, topic: string, payload: Uint8Array): ParsedCommand {
  const m = topic.startsWith(`${base}/`) ? /^([^/]+)\/set$/.exec(topic.slice(base.length + 1)) : null;
  const entity = m?.[1] ?? null;
  if (entity === null || !(entity in homeCommandSchemas))
    return {
      ok: false,
      entity,
      error: `${topic} is no command topic: use ${base}/<${Object.keys(homeCommandSchemas).join('|')}>/set`,
    };
  if (payload.byteLength > MAX_COMMAND_BYTES)
    return {
      ok: false,
      entity,
      error: `the payload is ${payload.byteLength} bytes; a command is at most ${MAX_COMMAND_BYTES}`,
    };
  let text: string;
  try {
    text = fatal.decode(payload);
  } catch {
    return { ok: false, entity, error: 'the payload is not UTF-8 text' };
  }
  const parsed = homeCommandSchemas[entity as HomeCommand].safeParse(text);
  if (!parsed.success) return { ok: false, entity, error: parsed.error.issues.map((i) => i.message).join('; ') };
  return { ok: true, entity, value: parsed.data } as ParsedCommand;
}

/** How long a pause from the compute switch lasts before it is renewed (a timer cannot hold longer than ~24.8 days). */
export const PAUSE_SPAN_MS = 20 * 86_400_000;

export type CommandDeps = {
  scheduler: SchedulerService;
  jobs: Pick<JobService, 'list'> | null;
  now: () => number;
};

/** The devices the plan knows: what the mode select applies to. */
export function planDevices(s: SchedulerService): string[] {
  const plan = s.state().plan;
  return [...new Set((plan?.slots[0]?.decisions ?? []).map((d) => d.device as string))];
}

/**
 * Carries out a checked command; returns what the event log says of it. Throws (a HandlerError
 * from the scheduler, or a plain Error) when the command cannot be done: nothing then changed.
 */
export async function applyCommand(cmd: Extract<ParsedCommand, { ok: true }>, d: CommandDeps): Promise<string> {
  const s = d.scheduler;
  switch (cmd.entity) {
    case 'compute': {
      const paused = s.state().override?.kind === 'pause';
      if (cmd.value === 'OFF') {
        await s.setOverride({ kind: 'pause', until: d.now() + PAUSE_SPAN_MS });
        return 'compute off: paused until switched back on';
      }
      if (paused) await s.setOverride(null);
      return 'compute on: back to the plan';
    }
    case 'power_limit': {
      const next = { ...s.limits(), powerCapW: cmd.value === 0 ? null : cmd.value };
      const checked = planLimitSettingsSchema.safeParse(next);
      if (!checked.success) throw new Error(checked.error.issues.map((i) => i.message).join('; '));
      s.setLimits(checked.data);
      return cmd.value === 0 ? 'power limit removed' : `power limit ${cmd.value} W`;
    }
    case 'replan':
      s.replan();
      return 're-plan now';
    case 'mode': {
      const devices = planDevices(s);
      if (devices.length === 0 && (cmd.value === 'heat only' || cmd.value === 'off'))
        throw new Error('there is no plan with devices yet to set a mode on');
      const modes = s.modes();
      const jobs = (d.jobs?.list() ?? []).filter((j) => !['finished', 'failed', 'cancelled'].includes(j.state));
      const device: Record<string, RunMode> = {};
      const job: Record<string, RunMode> = {};
      for (const dev of devices)
        device[dev] = cmd.value === 'heat only' ? 'heat' : cmd.value === 'off' ? 'off' : 'plan';
      for (const j of jobs) {
        const mining = j.kind === 'mining';
        job[String(j.id)] =
          cmd.value === 'mine' ? (mining ? 'now' : 'off') : cmd.value === 'train' ? (mining ? 'off' : 'now') : 'plan';
      }
      for (const [dev, mode] of Object.entries(device))
        if ((modes.devices[dev] ?? 'plan') !== mode) await s.setMode({ device: deviceId(dev) }, mode);
      for (const [id, mode] of Object.entries(job))
        if ((modes.jobs[id] ?? 'plan') !== mode) await s.setMode({ job: Number(id) }, mode);
      return `mode ${cmd.value}`;
    }
  }
}

/** The mode select's state read back from the run modes (HOME_MODES in the contract): `mine` when a mining job runs `now`, `train` when another does. */
export function currentMode(s: SchedulerService, jobs: Pick<JobService, 'list'> | null): HomeMode {
  const mining = (jobs?.list() ?? []).filter((j) => j.kind === 'mining').map((j) => String(j.id));
  const modes = s.modes();
  const now = Object.entries(modes.jobs).filter(([, m]) => m === 'now');
  const devices = planDevices(s);
  const dev = devices.map((x) => modes.devices[x] ?? 'plan');
  if (dev.length > 0 && dev.every((m) => m === 'off')) return 'off';
  if (dev.length > 0 && dev.every((m) => m === 'heat')) return 'heat only';
  if (now.length > 0) return now.some(([id]) => mining.includes(id)) ? 'mine' : 'train';
  return 'plan';
}
