import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { startCore, type Core, type CoreOptions } from '#core/app';
import { quiet } from './quiet-log.ts';

/**
 * Real cores on temporary data folders for module tests. `dir()` makes a folder; `start()` a core
 * on the folder given, or on a new one, with a quiet log unless given. After each test every core
 * is closed (closing twice is harmless, so a test may close its own) and every folder removed.
 */
export function testCores(prefix: string): {
  dir: () => string;
  start: (options: Omit<CoreOptions, 'dataDir'> & { dataDir?: string }) => Promise<Core>;
} {
  const cores: Core[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const core of cores.splice(0)) await core.close();
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });
  const dir = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    dirs.push(d);
    return d;
  };
  return {
    dir,
    start: async (options) => {
      const core = await startCore({ log: quiet, ...options, dataDir: options.dataDir ?? dir() });
      cores.push(core);
      return core;
    },
  };
}
