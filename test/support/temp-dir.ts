import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

/**
 * Returns a function that makes a fresh folder under the system temp dir, named `prefix` and a
 * random tail; every folder it made is removed after the tests of the file or describe block it
 * was called in. Call it before registering the afterAll that closes what uses the folders:
 * vitest runs after-hooks in reverse order, so the folders go last.
 */
export function tempDirs(prefix: string): () => string {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    dirs.push(d);
    return d;
  };
}
