import type { z } from 'zod';

/**
 * zod's issues in words a person can act on. The same schemas check an argument in the core's
 * dispatch and in the page's forms before sending, and both speak through `plainParams`: a message
 * written on a schema (`.min(5, '…')`) is kept, as its author wrote it for people; only zod's own
 * developer wording ("Too small: expected number to be >=0", "expected number, received null") is
 * replaced, naming the field by its label and the bound with its unit. No message names a method
 * or a schema path: the path travels beside it as `field`, for the form to find its input.
 */

/** What a field is called in a sentence, and the unit its number is in. */
type Label = { name: string; unit?: string };

/**
 * Field words by key (the last named segment of the path), or by the last two segments where a key
 * alone is ambiguous ("quiet.from"). Keys the map lacks read "this value".
 */
const LABELS: Record<string, Label> = {
  // tariff
  price: { name: 'the price', unit: 'per kWh' },
  defaultPrice: { name: 'the price outside the zones', unit: 'per kWh' },
  perKWh: { name: 'the grid charges', unit: 'per kWh' },
  tax: { name: 'the tax' },
  days: { name: 'the days' },
  from: { name: 'the start time' },
  to: { name: 'the end time' },
  zones: { name: 'the zones' },
  timeZone: { name: 'the time zone' },
  currency: { name: 'the currency' },
  resolution: { name: 'the slot length', unit: 'min' },
  country: { name: 'the country' },
  area: { name: 'the price area' },
  product: { name: 'the product code' },
  region: { name: 'the region letter' },
  zone: { name: 'the bidding zone' },
  token: { name: 'the token' },
  homeId: { name: 'the home id' },
  csv: { name: 'the CSV file' },
  unit: { name: 'the unit' },
  // heating
  mode: { name: 'the mode' },
  schedule: { name: 'the schedule' },
  c: { name: 'the setpoint', unit: '°C' },
  at: { name: 'the time' },
  maxC: { name: "the comfort band's upper bound", unit: '°C' },
  'season.c': { name: 'the outdoor temperature that starts the season', unit: '°C' },
  hysteresisK: { name: 'the hysteresis', unit: 'K' },
  minOnMin: { name: 'the minimum on time', unit: 'min' },
  minOffMin: { name: 'the minimum off time', unit: 'min' },
  heatLossWPerK: { name: "the room's heat loss", unit: 'W/K' },
  capacityWhPerK: { name: "the room's heat capacity", unit: 'Wh/K' },
  latitude: { name: 'the latitude', unit: '°' },
  longitude: { name: 'the longitude', unit: '°' },
  fallbackOutdoorC: { name: 'the outdoor temperature without a forecast', unit: '°C' },
  pricePerKWh: { name: 'the fuel price', unit: 'per kWh' },
  efficiency: { name: 'the efficiency' },
  capacityW: { name: "the heat source's capacity", unit: 'W' },
  cop: { name: 'the COP' },
  outdoorC: { name: 'the outdoor temperature', unit: '°C' },
  url: { name: 'the URL' },
  topic: { name: 'the topic' },
  entityId: { name: 'the entity id' },
  jsonPath: { name: 'the JSON path' },
  username: { name: 'the user name' },
  password: { name: 'the password' },
  waitMs: { name: 'the wait', unit: 'ms' },
  // jobs
  name: { name: 'the name' },
  steps: { name: 'the number of steps' },
  threads: { name: 'the number of threads' },
  batchSize: { name: 'the batch size', unit: 'sequences' },
  learningRate: { name: 'the learning rate' },
  seed: { name: 'the seed' },
  hidden: { name: 'the number of hidden units' },
  context: { name: 'the context length', unit: 'characters' },
  checkpointEvery: { name: 'the checkpoint interval', unit: 'steps' },
  keepCheckpoints: { name: 'the checkpoints kept' },
  command: { name: 'the command' },
  cwd: { name: 'the working folder' },
  devices: { name: 'the devices' },
  deadline: { name: 'the deadline' },
  valuePerHour: { name: 'the value per hour' },
  totalSteps: { name: 'the total steps' },
  dataFile: { name: 'the data file' },
  length: { name: 'the length', unit: 'characters' },
  temperature: { name: 'the sampling temperature' },
  // mining
  pools: { name: 'the pools' },
  user: { name: 'the worker name' },
  powerPct: { name: 'the power level', unit: '%' },
  index: { name: 'the pool number' },
  limit: { name: 'the number of rows' },
  // plan limits and presence
  powerCapW: { name: 'the power cap', unit: 'W' },
  capW: { name: 'the quiet-hours cap', unit: 'W' },
  'quiet.from': { name: 'the start of the quiet hours' },
  'quiet.to': { name: 'the end of the quiet hours' },
  minRunMin: { name: 'the minimum run', unit: 'min' },
  minPauseMin: { name: 'the minimum pause', unit: 'min' },
  maxTempC: { name: 'the temperature limit', unit: '°C' },
  timeLimitSec: { name: "the planner's time limit", unit: 's' },
  capPct: { name: 'the cap', unit: '%' },
  action: { name: 'the action' },
  resumeAfterIdleMin: { name: 'the idle time before resuming', unit: 'min' },
  names: { name: 'the programs' },
  // ledger, notifications, preferences
  standingPerDay: { name: 'the standing charge per day' },
  monthlyFee: { name: 'the monthly fee' },
  until: { name: 'the last day' },
  file: { name: 'the file' },
  maxTemperatureC: { name: 'the temperature warning', unit: '°C' },
  poolUnreachableMin: { name: 'the pool warning delay', unit: 'min' },
  pricesExpectedBy: { name: 'the time prices are expected by' },
  // groups of settings, for a refusal of a whole group (one left out)
  tariff: { name: 'the tariff' },
  charges: { name: 'the charges' },
  kind: { name: 'the kind' },
  season: { name: 'the season' },
  thermostat: { name: 'the thermostat settings' },
  room: { name: 'the room' },
  indoor: { name: 'the indoor temperature source' },
  location: { name: 'the location' },
  heatSource: { name: 'the heat source' },
  quiet: { name: 'the quiet hours' },
  userActive: { name: 'the rule while the computer is used' },
  programs: { name: 'the program rule' },
  battery: { name: 'the battery rule' },
  spec: { name: 'the job' },
  pool: { name: 'the pool' },
  override: { name: 'the override' },
};

const THIS_VALUE: Label = { name: 'this value' };

/** The label of the field at `path`, by its last two named segments, then its last. */
export function labelOf(path: readonly PropertyKey[]): Label {
  const named = path.filter((p): p is string => typeof p === 'string');
  const last = named.at(-1);
  if (last === undefined) return THIS_VALUE;
  const pair = named.length > 1 ? `${named.at(-2)}.${last}` : undefined;
  return (pair && LABELS[pair]) || LABELS[last] || THIS_VALUE;
}

/** The dotted path a form registers its input under ("schedule.0.2.c"): machine-readable, never shown. */
export function fieldOf(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

/** "5 °C", "0.5 per kWh", "24 %": a bound with its unit. */
function withUnit(n: number | bigint, unit: string | undefined): string {
  const text = typeof n === 'number' && Math.abs(n) >= 10_000 ? n.toLocaleString('en') : String(n);
  if (!unit) return text;
  return unit === '%' || unit === '°' ? `${text}${unit === '%' ? ' %' : '°'}` : `${text} ${unit}`;
}

/** A number schema's own bounds (its checks), so a message can give the whole range at once. */
function boundsOf(schema: unknown): { min?: [number, boolean]; max?: [number, boolean] } {
  const checks = (schema as { _zod?: { def?: { checks?: { _zod: { def: Record<string, unknown> } }[] } } })?._zod?.def
    ?.checks;
  const out: { min?: [number, boolean]; max?: [number, boolean] } = {};
  for (const c of checks ?? []) {
    const d = c._zod.def;
    if (typeof d.value !== 'number') continue;
    if (d.check === 'greater_than') out.min = [d.value, d.inclusive === true];
    if (d.check === 'less_than') out.max = [d.value, d.inclusive === true];
  }
  return out;
}

/** "must be between 5 and 30 °C", "must be at least 1", "must be above 0 W". */
function range(
  schema: unknown,
  unit: string | undefined,
  failed: 'min' | 'max',
  bound: number | bigint,
  inclusive: boolean,
) {
  const b = boundsOf(schema);
  const min = failed === 'min' ? ([Number(bound), inclusive] as const) : b.min;
  const max = failed === 'max' ? ([Number(bound), inclusive] as const) : b.max;
  if (min && max && min[1] && max[1])
    return `must be between ${withUnit(min[0], undefined)} and ${withUnit(max[0], unit)}`;
  if (failed === 'min') return `must be ${inclusive ? 'at least' : 'above'} ${withUnit(bound, unit)}`;
  return `must be ${inclusive ? 'at most' : 'below'} ${withUnit(bound, unit)}`;
}

const TYPE_WORDS: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  string: 'text',
  boolean: 'yes or no',
  array: 'a list',
  object: 'a group of settings',
};

/** "a", "b" or "c": the choices an enum allows, as a person reads them. */
function oneOf(values: readonly unknown[]): string {
  const words = values.map((v) => (typeof v === 'string' ? `"${v}"` : String(v)));
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
}

function sentence(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The raw issue zod hands an error map: its finished fields, the input and the schema that raised it. */
type RawIssue = Parameters<z.core.$ZodErrorMap>[0];

/**
 * The error map: plain words for an issue that carries no message of its own. Pass it to
 * `safeParse` as `plainParams`; a message written on a schema still wins over it.
 */
export function plainMessage(iss: RawIssue): string {
  const label = labelOf(iss.path ?? []);
  const { name, unit } = label;
  const input = iss.input;
  switch (iss.code) {
    case 'invalid_type': {
      if (input === undefined || input === null || input === '') return `${name} is required`;
      if (iss.expected === 'number' || iss.expected === 'int')
        return typeof input === 'number' && Number.isNaN(input)
          ? `${name} must be a number`
          : iss.expected === 'int' && typeof input === 'number'
            ? `${name} must be a whole number`
            : `${name} must be a number`;
      return `${name} must be ${TYPE_WORDS[iss.expected] ?? iss.expected}`;
    }
    case 'too_small':
      if (iss.origin === 'string')
        return Number(iss.minimum) <= 1 ? `${name} is required` : `${name} must be at least ${iss.minimum} characters`;
      if (iss.origin === 'array' || iss.origin === 'set')
        return Number(iss.minimum) <= 1
          ? `${name} needs at least one entry`
          : `${name} needs at least ${iss.minimum} entries`;
      return `${name} ${range(iss.schema, unit, 'min', iss.minimum, iss.inclusive !== false)}`;
    case 'too_big':
      if (iss.origin === 'string') return `${name} must be at most ${iss.maximum} characters`;
      if (iss.origin === 'array' || iss.origin === 'set') return `${name} can have at most ${iss.maximum} entries`;
      return `${name} ${range(iss.schema, unit, 'max', iss.maximum, iss.inclusive !== false)}`;
    case 'not_multiple_of':
      return `${name} must be a multiple of ${iss.divisor}`;
    case 'invalid_value':
      return `${name} must be ${oneOf(iss.values)}`;
    case 'invalid_format':
      return `${name} is not in the expected form`;
    case 'invalid_union':
      if (iss.note !== 'No matching discriminator') return `${name} is none of the accepted forms`;
      return Array.isArray(iss.options) && iss.options.length > 0
        ? `${name} must be ${oneOf(iss.options)}`
        : `${name} is of a kind this version of Hearth does not know`;
    case 'unrecognized_keys':
      return `this version of Hearth does not know the setting${iss.keys.length > 1 ? 's' : ''} ${oneOf(iss.keys)}: update the app so the page and the core agree`;
    case 'invalid_key':
    case 'invalid_element':
      return `${name} holds an entry that is not valid`;
    default:
      return `${name} is not valid`;
  }
}

/** `safeParse`'s options that make every message plain. */
export const plainParams = { error: plainMessage } as const;

/** One refused field: where it is (a path, for the form) and what to do (for the person). */
export type FieldIssue = { field: string; message: string };

/** The refused fields of a failed parse, each message a sentence, the first bad field first. */
export function plainIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((i) => ({ field: fieldOf(i.path), message: sentence(i.message) }));
}

/** Checks `value` against `schema` in plain words: the parsed value, or the refused fields. */
export function checkPlain<T>(
  schema: z.ZodType<T>,
  value: unknown,
): { ok: true; value: T } | { ok: false; issues: FieldIssue[] } {
  const r = schema.safeParse(value, plainParams);
  return r.success ? { ok: true, value: r.data } : { ok: false, issues: plainIssues(r.error) };
}
