import { parseArgs } from 'node:util';
import { exampleOf, UsageError, useDocs, type Command, type Options } from './command.ts';
import { commands } from './commands.ts';

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'usage: hearth <command> [options]',
    '',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run "hearth <command> --help" for its options, their defaults and an example.',
  ].join('\n');
}

/** `hearth <name> --help`: the usage line, each option with its default, the details, the examples. */
export function commandHelp(command: Command): string {
  // In the docs' order (they group what belongs together), then any option the docs lack.
  const flags = [...new Set([...Object.keys(command.docs), ...Object.keys(command.options)])].filter(
    (f) => f in command.options,
  );
  const rows = flags.map((flag) => {
    const d = command.docs[flag];
    const head = `--${flag}${d?.value ? ` ${d.value}` : ''}`;
    const text = d ? `${d.text}${d.default !== undefined ? ` (default: ${d.default})` : ''}` : '';
    return [head, text] as const;
  });
  const width = Math.max(0, ...rows.map(([h]) => h.length));
  return [
    `usage: hearth ${command.name} ${command.usage}`,
    '',
    command.summary,
    ...(rows.length ? ['', 'options:', ...rows.map(([h, t]) => `  ${h.padEnd(width)}  ${t}`)] : []),
    ...(command.details ? ['', command.details] : []),
    '',
    command.examples.length > 1 ? 'examples:' : 'example:',
    ...command.examples.map((e) => `  ${e}`),
  ].join('\n');
}

function pick(argv: string[]): { command: Command; rest: string[] } | undefined {
  let best: { command: Command; rest: string[] } | undefined;
  for (const command of commands) {
    const words = command.name.split(' ');
    if (words.every((w, i) => argv[i] === w) && (!best || words.length > best.command.name.split(' ').length)) {
      best = { command, rest: argv.slice(words.length) };
    }
  }
  return best;
}

/**
 * `--hours -5` as `--hours=-5`: a value that starts with "-" but is no option of the command is the
 * option's value, so the value's own check can say what is wrong with it (Node's parser would call
 * it ambiguous and tell the user to write `--hours=-XYZ`).
 */
export function joinDashValues(args: string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const next = args[i + 1];
    const name = /^--([^=]+)$/.exec(a)?.[1];
    const takesValue = name !== undefined && options[name]?.type === 'string';
    const nextIsOption =
      next !== undefined &&
      (next === '-h' || (/^--[^=]+/.test(next.replace(/=.*/, '')) && next.replace(/=.*/, '').slice(2) in options));
    if (takesValue && next !== undefined && next.startsWith('-') && next !== '-' && !nextIsOption) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** Node's parseArgs messages in plain words, naming the option and how to give it. */
function parseMessage(e: Error & { code?: string }, command: Command): string {
  const flag = /'(-{1,2}[^' ]+)/.exec(e.message)?.[1];
  const name = flag?.replace(/^-+/, '');
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `${flag ?? 'that option'} is not an option of hearth ${command.name}`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL': {
      const arg = /'([^']+)'/.exec(e.message)?.[1];
      return `unexpected argument "${arg ?? ''}": hearth ${command.name} takes ${command.allowPositionals ? 'fewer arguments' : 'options only'}`;
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      if (name && command.options[name]?.type === 'boolean') return `--${name} is on or off and takes no value`;
      const like = name ? exampleOf(name, command.docs) : undefined;
      const value = name ? command.docs[name]?.value : undefined;
      return `--${name ?? '?'} needs a value${value ? ` (${value})` : ''}${like ? `, like ${like}` : ''}`;
    }
    default:
      return e.message.replace(/\. To specify a positional argument.*$/s, '');
  }
}

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    console.log(usage());
    return 0;
  }
  const found = pick(argv);
  if (!found) {
    console.error(`hearth: unknown command "${argv[0]}". Run "hearth --help" for the list.`);
    return 2;
  }
  const { command, rest } = found;
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(commandHelp(command));
    return 0;
  }
  useDocs(command.docs);
  let stopSignal!: (s: string) => void;
  const stopped = new Promise<string>((resolve) => (stopSignal = resolve));
  const onSignal = (s: NodeJS.Signals) => stopSignal(s);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const hint = `Run "hearth ${command.name} --help" for its options.`;
  try {
    let parsed;
    try {
      parsed = parseArgs({
        args: joinDashValues(rest, command.options),
        options: command.options,
        allowPositionals: command.allowPositionals ?? false,
        strict: true,
      });
    } catch (err) {
      const e = err as Error & { code?: string };
      if (!e.code?.startsWith('ERR_PARSE_ARGS')) throw err;
      throw new UsageError(parseMessage(e, command));
    }
    return await command.run({ values: parsed.values, positionals: parsed.positionals, stopped });
  } catch (err) {
    const e = err as Error;
    if (err instanceof UsageError) {
      console.error(`hearth ${command.name}: ${e.message}. ${hint}`);
      return 2;
    }
    console.error(`hearth ${command.name}: ${e.message}`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

const code = await main(process.argv.slice(2));
process.exitCode = code;
