import fs from 'node:fs';
import { afterEach } from 'vitest';
import { startServe, tempDir, type RunningServer } from './harness.ts';

/**
 * Data folders and `hearth serve` processes that live for one test: after each test the servers are
 * killed and the folders removed, so a failed test leaves no process or folder behind. Kept apart
 * from harness.ts because that file is also loaded by Playwright, where vitest's afterEach is absent.
 */
export function perTest(prefix: string): { folder(): string; serve(dataDir: string): Promise<RunningServer> } {
  const running: RunningServer[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const s of running.splice(0)) await s.stop('SIGKILL');
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });
  return {
    folder() {
      const d = tempDir(prefix);
      dirs.push(d);
      return d;
    },
    async serve(dataDir) {
      const s = await startServe({ dataDir });
      running.push(s);
      return s;
    },
  };
}
