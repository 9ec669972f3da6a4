import fs from 'node:fs';
import { afterEach } from 'vitest';
import { startCore, type Core, type CoreOptions } from '#core/app';
import { tempDir } from './harness.ts';

/** A log that drops everything (tests assert on events and results, not on log lines). */
export const quietLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * Real cores on temporary data folders for module tests. `dir()` makes a folder, `start()` a
 * core (quiet log unless given); after each test every core is closed (closing twice is harmless)
 * and every folder removed.
 */
export function testCores(prefix: string): { dir: () => string; start: (options: CoreOptions) => Promise<Core> } {
  const cores: Core[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const core of cores.splice(0)) await core.close();
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir: () => {
      const dir = tempDir(prefix);
      dirs.push(dir);
      return dir;
    },
    start: async (options) => {
      const core = await startCore({ log: quietLog, ...options });
      cores.push(core);
      return core;
    },
  };
}
