/**
 * A planning problem as a file (docs/plan-instance.md): what `hearth plan --export` writes and
 * `hearth plan --instance` solves, so anyone can reproduce a plan, or a bad one, without the home
 * it was made in.
 */
import { planInstanceSchema, type PlanInput, type PlanInstance } from '#contract/plan';
import { DEFAULT_TIME_LIMIT_MS, validate } from '#workers/planner/plan';

export const INSTANCE_FORMAT = 'hearth-plan-instance';
export const INSTANCE_VERSION = 1;

/** What a file holds once read and checked: the input and how to plan it. */
export type Instance = { now: number; timeLimitMs: number; input: PlanInput };

/** A file that is not a valid instance; the message names the field and what to do. */
export class InstanceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InstanceError';
  }
}

/** The instance for `input` planned at `now`; the time limit defaults to the scheduler's. */
export function planInstance(input: PlanInput, now: number, timeLimitMs = DEFAULT_TIME_LIMIT_MS): PlanInstance {
  return { format: INSTANCE_FORMAT, version: INSTANCE_VERSION, now, timeLimitMs, input };
}

const MAX_ISSUES = 5;

/** A value as it stands in the file, cut short. */
function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const k of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

const KINDS: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  string: 'a string',
  boolean: 'true or false',
  array: 'a list [...]',
  object: 'an object {...}',
  record: 'an object {...}',
};

type Issue = {
  code: string;
  path: PropertyKey[];
  message: string;
  expected?: string;
  values?: unknown[];
  origin?: string;
  minimum?: unknown;
  inclusive?: boolean;
  keys?: string[];
};

/** One zod issue in the file's terms: where, what was expected, what is there. */
function describeIssue(issue: Issue, root: unknown): string {
  const where = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
  const v = valueAt(root, issue.path);
  switch (issue.code) {
    case 'invalid_type': {
      const want = KINDS[issue.expected ?? ''] ?? issue.expected ?? 'another value';
      return v === undefined ? `${where}: missing; give ${want}` : `${where}: expected ${want}, got ${show(v)}`;
    }
    case 'invalid_value':
      return `${where}: expected ${(issue.values ?? []).map((x) => JSON.stringify(x)).join(' or ')}, got ${show(v)}`;
    case 'too_small':
      if (issue.origin === 'string') return `${where}: expected a non-empty string`;
      if (issue.origin === 'number')
        return `${where}: expected a number ${issue.inclusive ? '≥' : '>'} ${String(issue.minimum)}, got ${show(v)}`;
      return `${where}: ${issue.message}`;
    case 'unrecognized_keys': {
      const keys = issue.keys ?? [];
      return `${where}: unknown field${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${k}"`).join(', ')}; check the spelling or remove ${keys.length > 1 ? 'them' : 'it'}`;
    }
    default:
      return `${where}: ${issue.message}`;
  }
}

/** What the schema cannot say: references between fields and the order of the slots. */
function crossCheck(input: PlanInput): string[] {
  const out: string[] = [];
  const iso = (ms: number) => new Date(ms).toISOString();
  input.slots.forEach((s, i) => {
    const before = input.slots[i - 1];
    if (before && !(s.start > before.start))
      out.push(
        `input.slots.${i}.start: ${iso(s.start)} is not after the slot before it (${iso(before.start)}); list slots in time order, each once`,
      );
  });
  const devices = new Set(input.devices.map((d) => d.id));
  const jobs = new Set<string>();
  input.jobs.forEach((j, i) => {
    if (jobs.has(j.id)) out.push(`input.jobs.${i}.id: "${j.id}" is listed twice; give each job its own id`);
    jobs.add(j.id);
    j.devices?.forEach((d, k) => {
      if (!devices.has(d)) out.push(`input.jobs.${i}.devices.${k}: there is no device "${d}" in input.devices`);
    });
  });
  return out;
}

/**
 * Reads an instance from its JSON text: the schema first (every field, named by its path, e.g.
 * `input.slots.3.price: expected a number, got "0.12"`), then what the planner itself refuses.
 * `source` names the file in messages.
 */
export function readInstance(text: string, source = 'the instance'): Instance {
  const fail = (lines: string[]): never => {
    const more = lines.length > MAX_ISSUES ? [`... and ${lines.length - MAX_ISSUES} more`] : [];
    throw new InstanceError(
      `${source} is not a valid plan instance (docs/plan-instance.md):\n  ${[...lines.slice(0, MAX_ISSUES), ...more].join('\n  ')}`,
    );
  };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return fail([`not JSON: ${(err as Error).message}`]);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    return fail([`expected a JSON object {"format": "${INSTANCE_FORMAT}", ...}, got ${show(raw)}`]);
  // Format and version first: a file of another kind or a newer Hearth would otherwise fail on every field.
  const { format, version } = raw as { format?: unknown; version?: unknown };
  if (format !== INSTANCE_FORMAT)
    return fail([
      `format: expected "${INSTANCE_FORMAT}", got ${show(format)}; is this a file \`hearth plan --export\` wrote?`,
    ]);
  if (typeof version === 'number' && version > INSTANCE_VERSION)
    return fail([
      `version: this Hearth reads version ${INSTANCE_VERSION}, the file is version ${version}; update Hearth`,
    ]);
  const parsed = planInstanceSchema.safeParse(raw);
  if (!parsed.success) return fail(parsed.error.issues.map((i) => describeIssue(i as Issue, raw)));
  const { now, timeLimitMs, input } = parsed.data;
  const cross = crossCheck(input);
  if (cross.length) return fail(cross);
  try {
    validate(input);
  } catch (err) {
    return fail([`input: ${(err as Error).message.replace(/^planner: /, '')}`]);
  }
  return { now, timeLimitMs, input };
}

/** The file's text: two-space JSON, so two exports diff line by line. */
export function instanceText(instance: PlanInstance): string {
  return `${JSON.stringify(instance, null, 2)}\n`;
}
