import type { AllowedPrograms } from '#contract/index';
import { allowProgram, isInterpreter, readAllowed, removeProgram } from '#core/job/allow-list';
import { dataDirOf } from '../client.ts';
import {
  DATA_DIR_DOC,
  JSON_DOC,
  UsageError,
  flagOptions,
  rethrowAsUsage,
  textOptions,
  type Command,
} from '../command.ts';

function print(list: AllowedPrograms): void {
  if (list.programs.length === 0) {
    console.log(`No programs are allowed: command jobs cannot run (${list.file}).`);
    return;
  }
  console.log(`Programs command jobs may run on this machine (${list.file}):`);
  for (const p of list.programs) console.log(`  ${p.path}${p.runsAnything ? '   (runs anything it is given)' : ''}`);
}

/**
 * `hearth commands`: the list of programs command jobs may run. It writes the file in the data
 * folder itself, never through a running server: being able to write that folder is what shows
 * the person is at this machine, and the HTTP API refuses these changes. A running Hearth reads
 * the file on every job create and start, so the change counts at once.
 */
export const commandsCommand: Command = {
  name: 'commands',
  summary: 'The programs command jobs may run on this machine: list, allow, remove',
  usage: '[list | allow PROGRAM | remove PROGRAM] [--json] [--data-dir DIR]',
  options: { ...flagOptions('json'), ...textOptions('data-dir') },
  docs: { json: JSON_DOC, 'data-dir': DATA_DIR_DOC },
  examples: ['hearth commands', 'hearth commands allow /usr/bin/python3', 'hearth commands remove /usr/bin/python3'],
  details:
    'A program is stored as its absolute path with every link resolved (a bare name is looked up in PATH); a job ' +
    'runs only if its program resolves to a listed path. Allowing a shell or an interpreter (sh, bash, python, ' +
    'node) allows anything it is given: prefer the script itself (a file with a #! line) or a virtual ' +
    "environment's python.",
  allowPositionals: true,
  async run({ values, positionals }) {
    const dataDir = dataDirOf(values);
    const [verb = 'list', program, ...rest] = positionals;
    if (rest.length > 0)
      throw new UsageError(`hearth commands ${verb} takes one program, got ${positionals.length - 1}`);
    try {
      if (verb === 'list') {
        if (program !== undefined) throw new UsageError('hearth commands list takes no program');
        const list = readAllowed(dataDir);
        if (values['json']) console.log(JSON.stringify(list, null, 2));
        else print(list);
        return 0;
      }
      if (verb !== 'allow' && verb !== 'remove')
        throw new UsageError(`hearth commands expects list, allow PROGRAM or remove PROGRAM, got "${verb}"`);
      if (program === undefined)
        throw new UsageError(`hearth commands ${verb} needs a program, like hearth commands ${verb} /usr/bin/python3`);
      const change = verb === 'allow' ? allowProgram(dataDir, program, Date.now()) : removeProgram(dataDir, program);
      if (values['json']) {
        console.log(JSON.stringify(change, null, 2));
        return 0;
      }
      const shown = change.program === program ? program : `${program} (resolved to ${change.program})`;
      if (verb === 'allow') {
        console.log(change.changed ? `Allowed ${shown}.` : `${shown} was already allowed.`);
        if (isInterpreter(change.program))
          console.log(
            `Warning: ${change.program} runs whatever it is given: any job may now run any code as this user.`,
          );
      } else console.log(change.changed ? `Removed ${shown}.` : `${shown} was not on the list.`);
      return 0;
    } catch (err) {
      return rethrowAsUsage(err);
    }
  },
};
