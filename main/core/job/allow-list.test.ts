import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HandlerError } from '#contract/index';
import { rejectionOf } from '../../../test/support/rejection.ts';
import { tempDirs } from '../../../test/support/temp-dir.ts';
import { quiet } from '../../../test/support/quiet-log.ts';
import { startCore } from '#core/app';
import {
  allowProgram,
  allowedProgramsFile,
  checkProgram,
  isInterpreter,
  readAllowed,
  removeProgram,
  resolveProgram,
} from './allow-list.ts';
import { jobModule } from './module.ts';

const tmp = tempDirs('hearth-allow-');

/** An executable script and a link to it, in a folder of their own. */
function program(): { dir: string; file: string; link: string } {
  const dir = tmp();
  const file = path.join(dir, 'train.sh');
  fs.writeFileSync(file, '#!/bin/sh\necho "step 1/1 loss 0.5"\n', { mode: 0o755 });
  const link = path.join(dir, 'train-link');
  fs.symlinkSync(file, link);
  return { dir, file: fs.realpathSync(file), link };
}

describe('the list of allowed programs', () => {
  it('stores resolved absolute paths in a file only its owner can read', () => {
    const data = tmp();
    const { dir, file, link } = program();
    expect(readAllowed(data).programs).toEqual([]);
    const added = allowProgram(data, link, 1000);
    expect(added).toMatchObject({ program: file, changed: true });
    expect(allowProgram(data, file, 2000)).toMatchObject({ program: file, changed: false });
    expect(fs.statSync(allowedProgramsFile(data)).mode & 0o777).toBe(0o600);
    expect(readAllowed(data).programs).toEqual([{ path: file, addedAt: 1000, runsAnything: false }]);
    // The file keeps what was allowed and when, nothing derived from it.
    expect(JSON.parse(fs.readFileSync(allowedProgramsFile(data), 'utf8')).programs).toEqual([
      { path: file, addedAt: 1000 },
    ]);
    // A bare name goes through PATH, as a child process would find it.
    expect(resolveProgram('train.sh', { env: { PATH: `/no/such${path.delimiter}${dir}` } })).toBe(file);
    expect(removeProgram(data, link)).toMatchObject({ program: file, changed: true, programs: [] });
    expect(removeProgram(data, link)).toMatchObject({ changed: false });
  });

  it('refuses a program not on the list with a message saying how to allow it', async () => {
    const data = tmp();
    const { dir, file } = program();
    const e = await rejectionOf(
      Promise.resolve().then(() => checkProgram(data, './train.sh', dir)),
      HandlerError,
    );
    expect(e.message).toBe(
      `${file} is not on this machine's list of allowed programs. Allow it on this machine: \`hearth commands allow ${file}\`, or in the desktop app: Settings → Allowed programs.`,
    );
    expect(e.field).toBe('spec.command');
    allowProgram(data, file, 0);
    expect(checkProgram(data, './train.sh', dir)).toBe(file);
  });

  it('takes a program off the list even when it no longer exists', () => {
    const data = tmp();
    const { file } = program();
    allowProgram(data, file, 0);
    fs.rmSync(file);
    expect(removeProgram(data, file)).toMatchObject({ changed: true, programs: [] });
  });

  it('refuses every program while the file cannot be read, saying which file', async () => {
    const data = tmp();
    const { dir } = program();
    fs.writeFileSync(allowedProgramsFile(data), '{not json');
    const e = await rejectionOf(
      Promise.resolve().then(() => checkProgram(data, './train.sh', dir)),
      HandlerError,
    );
    expect(e.message).toContain(allowedProgramsFile(data));
  });

  it('names the programs that run anything they are given', () => {
    for (const p of ['/bin/sh', '/usr/bin/bash', '/usr/bin/python3.11', '/usr/bin/node', '/usr/bin/env'])
      expect(isInterpreter(p)).toBe(true);
    expect(isInterpreter('/home/me/venv/train')).toBe(false);
  });
});

describe('command jobs and the list (a core on a real data folder)', () => {
  it('refuses at create, fails at start once the program was removed, and runs again once allowed', async () => {
    const data = tmp();
    const { dir, file } = program();
    const core = await startCore({ dataDir: data, log: quiet, modules: [jobModule({ gpu: null, pollMs: 20 })] });
    try {
      const h = core.handlers;
      const refused = await rejectionOf(
        h['job-create']({ spec: { kind: 'command', command: ['./train.sh'], cwd: dir } }),
        HandlerError,
      );
      expect(refused.message).toContain(`hearth commands allow ${file}`);
      expect(await h['job-list']({})).toEqual([]);

      allowProgram(data, file, 0);
      const job = await h['job-create']({ spec: { kind: 'command', command: ['./train.sh'], cwd: dir } });
      removeProgram(data, file);
      const failed = await h['job-start']({ id: job.id });
      expect(failed.state).toBe('failed');
      expect(failed.error).toContain(`${file} is not on this machine's list of allowed programs`);

      allowProgram(data, file, 0);
      await h['job-start']({ id: job.id });
      const svc = core.service('job');
      for (let i = 0; i < 500 && svc.get(job.id)?.state !== 'finished'; i++)
        await new Promise((r) => setTimeout(r, 10));
      expect(svc.get(job.id)?.state).toBe('finished');
      expect((await h['job-get']({ id: job.id })).log).toContain('step 1/1 loss 0.5');
    } finally {
      await core.close();
    }
  });
});
