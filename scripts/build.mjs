// `npm run build`: everything the app runs from out/: the Node bundles (CLI, headless server,
// workers) and, through electron-vite, the Electron main process, the preload and the renderer.
// Needs no Electron binary. Writes out/.build-stamp last, which bin/hearth.mjs uses to tell a
// complete, current build from a stale or half-finished one.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildNode } from './build-node.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const stampFile = path.join(root, 'out', '.build-stamp');

export async function buildAll({ quiet = false } = {}) {
  const started = Date.now();
  await buildNode({ quiet });
  const { build } = await import('electron-vite');
  const prevCwd = process.cwd();
  process.chdir(root);
  try {
    await build({ root, configFile: path.join(root, 'electron.vite.config.ts'), logLevel: quiet ? 'error' : 'warn' });
  } finally {
    process.chdir(prevCwd);
  }
  fs.writeFileSync(stampFile, new Date().toISOString());
  if (!quiet) console.log(`built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await buildAll();
}
