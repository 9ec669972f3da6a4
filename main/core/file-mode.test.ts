import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { modeFixText, privateDir, tightenDataDir, touchPrivateFile, writePrivateFile } from './file-mode.ts';
import { tempDirs } from '../../test/support/temp-dir.ts';

const tmp = tempDirs('hearth-mode-');
const mode = (p: string) => fs.lstatSync(p).mode & 0o777;

describe('private files in the data folder', () => {
  it('makes every missing folder 0700 and files 0600, whatever the umask gives', () => {
    const root = tmp();
    const dir = privateDir(path.join(root, 'a', 'b'));
    expect([mode(path.join(root, 'a')), mode(dir)]).toEqual([0o700, 0o700]);
    touchPrivateFile(path.join(dir, 'x'));
    writePrivateFile(path.join(dir, 'y'), 'data');
    expect([mode(path.join(dir, 'x')), mode(path.join(dir, 'y'))]).toEqual([0o600, 0o600]);
    // A file that exists with a wider mode is narrowed when written.
    fs.chmodSync(path.join(dir, 'y'), 0o644);
    writePrivateFile(path.join(dir, 'y'), 'again');
    expect(mode(path.join(dir, 'y'))).toBe(0o600);
    expect(() => writePrivateFile(path.join(dir, 'y'), 'no', 'wx')).toThrow(/EEXIST/);
  });

  it("takes group and other permissions off an older install's folder, recursively, without following links", () => {
    const data = tmp();
    const outside = tmp();
    fs.chmodSync(data, 0o755);
    fs.chmodSync(outside, 0o755);
    fs.writeFileSync(path.join(data, 'hearth.db'), 'x', { mode: 0o644 });
    fs.writeFileSync(path.join(data, 'hearth.db-wal'), 'x', { mode: 0o644 });
    fs.mkdirSync(path.join(data, 'backups'), { mode: 0o755 });
    fs.writeFileSync(path.join(data, 'backups', 'hearth-1.db'), 'x', { mode: 0o644 });
    fs.mkdirSync(path.join(data, 'jobs', 'j1', 'checkpoints'), { recursive: true, mode: 0o755 });
    fs.writeFileSync(path.join(data, 'jobs', 'j1', 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
    fs.writeFileSync(path.join(data, 'server.json'), '{}', { mode: 0o600 });
    fs.writeFileSync(path.join(outside, 'theirs.txt'), 'x', { mode: 0o644 });
    fs.symlinkSync(path.join(outside, 'theirs.txt'), path.join(data, 'link'));
    fs.symlinkSync(outside, path.join(data, 'dirlink'));
    for (const p of ['hearth.db', 'hearth.db-wal', 'backups', 'backups/hearth-1.db'])
      fs.chmodSync(path.join(data, p), p === 'backups' ? 0o755 : 0o644);

    const fixes = tightenDataDir(data);
    expect(mode(data)).toBe(0o700);
    expect(mode(path.join(data, 'hearth.db'))).toBe(0o600);
    expect(mode(path.join(data, 'hearth.db-wal'))).toBe(0o600);
    expect(mode(path.join(data, 'backups'))).toBe(0o700);
    expect(mode(path.join(data, 'backups', 'hearth-1.db'))).toBe(0o600);
    expect(mode(path.join(data, 'jobs', 'j1', 'checkpoints'))).toBe(0o700);
    // The owner's execute bit stays: a job's script still runs.
    expect(mode(path.join(data, 'jobs', 'j1', 'run.sh'))).toBe(0o700);
    // What a link points to is not the data folder's: untouched.
    expect(mode(path.join(outside, 'theirs.txt'))).toBe(0o644);
    expect(mode(outside)).toBe(0o755);
    expect(fixes.map((f) => f.path).sort()).toEqual(
      [
        '.',
        'backups',
        'backups/hearth-1.db',
        'hearth.db',
        'hearth.db-wal',
        'jobs',
        'jobs/j1',
        'jobs/j1/checkpoints',
        'jobs/j1/run.sh',
      ].sort(),
    );
    expect(modeFixText(data, fixes)).toMatch(
      /was readable by other users: made 9 entries private to you \(.*0644 → 0600.* and 4 more\)/,
    );
    // Fixed once: the next start finds nothing to say.
    expect(tightenDataDir(data)).toEqual([]);
    expect(modeFixText(data, [])).toBeNull();
  });
});
