import { describe, expect, it } from 'vitest';
import { commands } from '../../main/cli/commands.ts';
import { runCli, tempDir } from './harness.ts';

describe('hearth --help and number flags, through the real command', () => {
  it('lists each command once per line, with its name written once', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const c of commands) expect(r.stdout).toContain(`  ${c.name} `);
    expect(r.stdout).not.toMatch(/hearth (\w+) \1\b/);
  });

  it('every command: a usage line without its name twice, each option with its doc, a default where one applies, and an example that names the command', async () => {
    for (const c of commands) {
      const r = await runCli([...c.name.split(' '), '--help']);
      expect(r.code, c.name).toBe(0);
      const lines = r.stdout.split('\n');
      expect(lines[0], c.name).toMatch(new RegExp(`^usage: hearth ${c.name} `));
      expect(lines[0]!.slice(`usage: hearth ${c.name} `.length), c.name).not.toMatch(new RegExp(`^${c.name}\\b`));
      for (const flag of Object.keys(c.options)) {
        const line = lines.find((l) => l.startsWith(`  --${flag} `) || l === `  --${flag}`);
        expect(line, `${c.name} --${flag}`).toBeDefined();
        const doc = c.docs[flag];
        expect(doc?.text, `${c.name} --${flag} has a description`).toBeTruthy();
        if (doc?.default !== undefined) expect(line, `${c.name} --${flag}`).toContain(`(default: ${doc.default})`);
      }
      const examples = lines.slice(lines.findIndex((l) => /^examples?:$/.test(l)) + 1).filter((l) => l.trim());
      expect(examples.length, c.name).toBeGreaterThan(0);
      for (const e of examples) expect(e, c.name).toMatch(new RegExp(`^  hearth ${c.name}( |$)`));
    }
    // The numbers a person most often types carry their default.
    const prices = await runCli(['prices', '--help']);
    expect(prices.stdout).toMatch(/--hours N +how many hours ahead to list \(default: 48\)/);
    expect(prices.stdout).toContain('  hearth prices --hours 24');
  }, 120_000);

  it('says in plain words what is wrong with a negative, malformed or missing number, exit 2', async () => {
    const dir = tempDir('hearth-cli-numbers-');
    const cases: [string[], string][] = [
      [
        ['prices', '--hours', '-5'],
        'hearth prices: --hours must be a positive whole number of hours, like --hours 48; got -5. Run "hearth prices --help" for its options.',
      ],
      [
        ['prices', '--hours', 'abc'],
        'hearth prices: --hours must be a whole number of hours, like --hours 48; "abc" is not a number. Run "hearth prices --help" for its options.',
      ],
      [
        ['heat', '--hours', '1.5'],
        'hearth heat: --hours must be a whole number of hours, like --hours 48; got 1.5. Run "hearth heat --help" for its options.',
      ],
      [
        ['history', '--days', '-1'],
        'hearth history: --days must be a positive whole number of days, like --days 7; got -1. Run "hearth history --help" for its options.',
      ],
      [
        ['prices', '--hours'],
        'hearth prices: --hours needs a value (N), like --hours 48. Run "hearth prices --help" for its options.',
      ],
      [
        ['serve', '--port', '-1'],
        'hearth serve: --port must be 0 or more, like --port 7420; got -1. Run "hearth serve --help" for its options.',
      ],
      [
        ['prices', '--colour'],
        'hearth prices: --colour is not an option of hearth prices. Run "hearth prices --help" for its options.',
      ],
      [
        ['market', '--set-price', '-3'],
        'hearth market: --set-price must be a positive number, like --set-price 87000; got -3. Run "hearth market --help" for its options.',
      ],
    ];
    for (const [args, message] of cases) {
      const r = await runCli([...args, '--data-dir', dir]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim(), args.join(' ')).toBe(message);
      expect(r.stderr, args.join(' ')).not.toMatch(/ambiguous|ERR_|--hours=-XYZ|parseArgs/);
    }
  }, 120_000);
});
