import { parseArgs } from 'node:util';
import { UsageError, type Command } from './command.ts';
import { commands } from './commands.ts';

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'usage: hearth <command> [options]',
    '',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run "hearth <command> --help" for its options.',
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
    console.log(`usage: hearth ${command.name} ${command.usage}\n\n${command.summary}`);
    return 0;
  }
  let stopSignal!: (s: string) => void;
  const stopped = new Promise<string>((resolve) => (stopSignal = resolve));
  const onSignal = (s: NodeJS.Signals) => stopSignal(s);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      options: command.options,
      allowPositionals: command.allowPositionals ?? false,
      strict: true,
    });
    return await command.run({ values, positionals, stopped });
  } catch (err) {
    const e = err as Error & { code?: string };
    if (err instanceof UsageError || e.code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(
        `hearth ${command.name}: ${e.message.replace(/\. To specify a positional argument.*$/s, '')}. Run "hearth ${command.name} --help" for its options.`,
      );
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
