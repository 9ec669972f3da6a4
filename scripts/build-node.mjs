// Builds what plain Node runs: the `hearth` CLI bundle and one bundle per worker entry
// (native-workers/<name>/worker.ts -> out/node/workers/<name>.mjs), then runs each worker folder's
// own build step (native-workers/<name>/build.mjs: WebAssembly generation, the optional N-API
// kernel) when it has one.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const nodeOut = path.join(root, 'out', 'node');

export async function buildNode({ quiet = false } = {}) {
  const workersDir = path.join(root, 'native-workers');
  const workerEntries = {};
  const extraSteps = [];
  for (const name of fs.readdirSync(workersDir)) {
    const dir = path.join(workersDir, name);
    if (!fs.statSync(dir).isDirectory()) continue;
    if (fs.existsSync(path.join(dir, 'worker.ts'))) workerEntries[`workers/${name}`] = path.join(dir, 'worker.ts');
    if (fs.existsSync(path.join(dir, 'build.mjs'))) extraSteps.push(path.join(dir, 'build.mjs'));
  }
  const common = {
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    outExtension: { '.js': '.mjs' },
    logLevel: quiet ? 'error' : 'warning',
    // Bundles load CommonJS packages (libsql, systeminformation) through require().
    banner: {
      js: "import { createRequire as __hearthCreateRequire } from 'node:module'; const require = __hearthCreateRequire(import.meta.url);",
    },
  };
  await esbuild.build({
    ...common,
    entryPoints: { cli: path.join(root, 'main', 'cli', 'main.ts'), ...workerEntries },
    outdir: nodeOut,
  });
  for (const step of extraSteps) {
    const mod = await import(pathToFileURL(step).href);
    await mod.build({ root, outDir: nodeOut, quiet });
  }
  if (!quiet) console.log(`built Node bundles in ${path.relative(root, nodeOut)}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await buildNode();
}
