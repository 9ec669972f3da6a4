// `npm run bench`: builds, then runs every benchmark through the CLI. Each prints its own figures
// next to a reference measured in the same run. Results are recorded by hand in BENCHMARKS.md
// with this command.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildNode } from './build-node.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** One entry per benchmark: the `hearth` arguments that run it. */
const benches = [
  ['bench', 'train'],
  ['bench', 'hash'],
  ['bench', 'stratum'],
  ['bench', 'history'],
  ['bench', 'planner'],
  ['bench', 'scheduler'],
  ['bench', 'import'],
];

const only = process.argv.slice(2);
await buildNode({ quiet: true });
let failed = 0;
for (const args of benches) {
  const name = args.slice(0, 2).join(' ');
  if (only.length > 0 && !only.some((o) => name.includes(o))) continue;
  console.log(`\n=== hearth ${args.join(' ')}`);
  const r = spawnSync(process.execPath, [path.join(root, 'out', 'node', 'cli.mjs'), ...args], {
    stdio: 'inherit',
    cwd: root,
  });
  if (r.status !== 0) {
    failed++;
    console.error(`benchmark "${name}" exited with ${r.status}`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;
