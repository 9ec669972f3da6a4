import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the built worker bundles are. Workers are separate files on disk (worker_threads loads
 * them by path), built by scripts/build-node.mjs into out/node/. HEARTH_NODE_OUT overrides it
 * (a packaged app points it at its unpacked resources).
 */
export function nodeOutDir(): string {
  const override = process.env['HEARTH_NODE_OUT'];
  if (override) return override;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'out', 'node');
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error('The worker bundles are not built: run `npm run build` (or any `npx hearth` command) first');
}

/** The file a worker named `name` (native-workers/<name>/worker.ts) was built to. */
export function workerFile(name: string): string {
  return path.join(nodeOutDir(), 'workers', `${name}.mjs`);
}
