#!/usr/bin/env node
// The `hearth` command. Runs the built CLI bundle, building it first when the sources are newer
// than the last complete build (a fresh clone, or after a `git pull`), so `npx hearth serve` works
// straight after `npm install`.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stamp = path.join(root, 'out', '.build-stamp');
const sourceDirs = ['main', 'renderer', 'native-workers', 'scripts'];

function newestSource() {
  let newest = fs.statSync(path.join(root, 'package.json')).mtimeMs;
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else newest = Math.max(newest, fs.statSync(p).mtimeMs);
    }
  };
  for (const d of sourceDirs) if (fs.existsSync(path.join(root, d))) walk(path.join(root, d));
  return newest;
}

const hasSources = fs.existsSync(path.join(root, 'scripts', 'build.mjs'));
if (hasSources && (!fs.existsSync(stamp) || fs.statSync(stamp).mtimeMs < newestSource())) {
  process.stderr.write('hearth: building the app (first run or sources changed)...\n');
  const { buildAll } = await import(pathToFileURL(path.join(root, 'scripts', 'build.mjs')).href);
  await buildAll({ quiet: true });
}
await import(pathToFileURL(path.join(root, 'out', 'node', 'cli.mjs')).href);
