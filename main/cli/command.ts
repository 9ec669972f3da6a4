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
  /** Shown after "usage: hearth <name>". */
  usage: string;
  options: Options;
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

/**
 * A numeric option, checked: `min`/`max` inclusive, `above` exclusive; the message names the
 * range and, where given, an `example`.
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
  const n = Number(value);
  const ok =
    typeof value === 'string' &&
    value.trim() !== '' &&
    Number.isFinite(n) &&
    (!integer || Number.isInteger(n)) &&
    (min === undefined || n >= min) &&
    (max === undefined || n <= max) &&
    (above === undefined || n > above);
  if (!ok) {
    const range =
      min !== undefined && max !== undefined
        ? ` between ${min} and ${max}`
        : min !== undefined
          ? ` of at least ${min}`
          : above !== undefined
            ? ` above ${above}`
            : '';
    throw new UsageError(
      `--${flag} expects ${integer ? 'a whole number' : 'a number'}${range}${example ? ` such as ${example}` : ''}, got "${String(value)}"`,
    );
  }
  return n;
}
