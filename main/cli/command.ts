import type { ParseArgsConfig } from 'node:util';
import { HandlerError } from '#contract/index';

export type Options = NonNullable<ParseArgsConfig['options']>;

/** Options that take a value: `textOptions('hours', 'from')`. */
export function textOptions(...names: string[]): Options {
  return Object.fromEntries(names.map((n) => [n, { type: 'string' as const }]));
}

/** Options that are on or off: `flagOptions('json')`. */
export function flagOptions(...names: string[]): Options {
  return Object.fromEntries(names.map((n) => [n, { type: 'boolean' as const }]));
}

/**
 * One option's line in `--help`: the value it takes (`N`, `FILE`), what it does, its default as
 * the user would type it (absent: off, or nothing), and for a number the unit of its value, which
 * its error message names ("--hours must be a positive whole number of hours").
 */
export type OptionDoc = { value?: string; text: string; default?: string; unit?: string; example?: string };

export type CommandContext = {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
  /** Resolves when the user presses Ctrl-C (SIGINT) or SIGTERM arrives. */
  stopped: Promise<string>;
};

/**
 * One `hearth` sub-command. `name` may have several words ("bench hash", "prices import"); the
 * CLI picks the longest name that prefixes the arguments.
 */
export type Command = {
  name: string;
  summary: string;
  /** Shown after "usage: hearth <name>": the arguments only, never the command's name again. */
  usage: string;
  options: Options;
  /** One entry per option: `hearth <name> --help` lists them with their defaults. */
  docs: Record<string, OptionDoc>;
  /** Whole command lines, starting with "hearth <name>", that run as shown. */
  examples: string[];
  /** Paragraphs after the options in `--help`. */
  details?: string;
  allowPositionals?: boolean;
  /** Resolves to the exit code. */
  run(ctx: CommandContext): Promise<number>;
};

/** A failure the user caused and can fix: printed as one line, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A handler's refusal is the user's to fix: one line with its hint, exit code 2. Anything else is rethrown. */
export function rethrowAsUsage(err: unknown): never {
  if (err instanceof HandlerError) throw new UsageError(`${err.message}${err.hint ? ` (${err.hint})` : ''}`);
  throw err;
}

// The docs of the command being run, so a number's message can name its unit and an example
// without every call site repeating what the command's docs already say.
let running: Record<string, OptionDoc> = {};

/** Called by main before a command runs. */
export function useDocs(docs: Record<string, OptionDoc>): void {
  running = docs;
}

/** "--hours 48": a value the user could type for `flag`, from its docs. */
export function exampleOf(flag: string, docs: Record<string, OptionDoc> = running): string | undefined {
  const d = docs[flag];
  const v = d?.example ?? (d?.default !== undefined && /^-?[\d.]+$/.test(d.default) ? d.default : undefined);
  return v === undefined ? undefined : `--${flag} ${v}`;
}

/**
 * A numeric option, checked: `min`/`max` inclusive, `above` exclusive. The message says what the
 * value must be in words, with the unit and an example from the command's docs: "--hours must be a
 * positive whole number of hours, like --hours 48; got -5".
 */
export function numberOption(
  value: unknown,
  flag: string,
  {
    min,
    max,
    above,
    integer = true,
    example,
  }: { min?: number; max?: number; above?: number; integer?: boolean; example?: string } = {},
): number | undefined {
  if (value === undefined) return undefined;
  const doc = running[flag];
  const like = example !== undefined ? `--${flag} ${example}` : exampleOf(flag);
  const tail = (got: string) => `${like ? `, like ${like}` : ''}; ${got}`;
  const unit = doc?.unit ? ` of ${doc.unit}` : '';
  const kind = integer ? 'whole number' : 'number';
  const text = typeof value === 'string' ? value.trim() : '';
  const n = text === '' ? NaN : Number(text);
  if (!Number.isFinite(n))
    throw new UsageError(`--${flag} must be a ${kind}${unit}${tail(`"${String(value)}" is not a number`)}`);
  if (integer && !Number.isInteger(n))
    throw new UsageError(`--${flag} must be a whole number${unit}${tail(`got ${text}`)}`);
  // "Positive" only where it is exactly the rule: above 0, or whole numbers from 1.
  const positive = above === 0 || (integer && min === 1);
  if ((min !== undefined && n < min) || (above !== undefined && n <= above)) {
    const need = positive
      ? `a positive ${kind}${unit}`
      : min === 0
        ? `0 or more${unit ? ` (${doc?.unit})` : ''}`
        : above !== undefined
          ? `above ${above}${unit ? ` ${doc?.unit}` : ''}`
          : `at least ${min}${unit ? ` ${doc?.unit}` : ''}`;
    throw new UsageError(`--${flag} must be ${need}${tail(`got ${text}`)}`);
  }
  if (max !== undefined && n > max)
    throw new UsageError(`--${flag} must be at most ${max}${unit ? ` ${doc?.unit}` : ''}${tail(`got ${text}`)}`);
  return n;
}

/**
 * Progress on stderr for a long command: a bar redrawn in place on a terminal; elsewhere (a pipe,
 * a log file) one plain line per tenth, so a log shows that work goes on without filling up, or
 * nothing (`plain: false`) for work too short to need it there.
 * `update(label, done, total)`; a new label starts a new bar.
 */
export function progressBar(
  stream: NodeJS.WriteStream = process.stderr,
  { plain = true }: { plain?: boolean } = {},
): (label: string, done: number, total: number, unit?: string) => void {
  let shown = { label: '', tenth: -1, open: false };
  return (label, done, total, unit = '') => {
    const frac = total > 0 ? Math.min(1, done / total) : 1;
    const count = `${done}/${total}${unit ? ` ${unit}` : ''}`;
    if (label !== shown.label) {
      if (shown.open && stream.isTTY) stream.write('\n');
      shown = { label, tenth: -1, open: false };
    }
    if (stream.isTTY) {
      const width = 30;
      const n = Math.round(frac * width);
      stream.write(
        `\r${label.padEnd(14)} [${'#'.repeat(n)}${'.'.repeat(width - n)}] ${String(Math.floor(frac * 100)).padStart(3)} % ${count}\x1b[K`,
      );
      shown.open = done < total;
      if (done >= total) stream.write('\n');
      return;
    }
    const tenth = Math.floor(frac * 10);
    if (plain && tenth > shown.tenth) {
      shown.tenth = tenth;
      stream.write(`${label}: ${tenth * 10} % (${count})\n`);
    }
  };
}

/** The docs of options many commands share. */
export const DATA_DIR_DOC: OptionDoc = {
  value: 'DIR',
  text: 'the data folder (HEARTH_DATA_DIR also sets it)',
  default: "the desktop app's folder, ~/.config/Hearth on Linux",
};
export const JSON_DOC: OptionDoc = { text: 'print the result as JSON instead of text' };
/** `--from` for the commands that list price slots from a given hour on. */
export const FROM_HOUR_DOC: OptionDoc = {
  value: 'ISO-TIME',
  text: 'the first slot',
  default: 'the start of this hour',
  example: '2023-01-01T00:00:00Z',
};
