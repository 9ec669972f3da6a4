// `npm test`: everything CI checks, in order, stopping at the first failure:
// build, type-check (the whole tree, then the core alone without Electron or DOM types), the
// import-cycle check, the formatter's check, lint with the layer rules, unit and cross-process
// tests (vitest), end-to-end tests in Chromium against the headless server (Playwright), and the
// Electron end-to-end test where a binary exists.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAll } from './build.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);

const steps = [
  ['type-check (all)', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']],
  ['type-check (core: no Electron, no DOM)', bin('tsc'), ['-p', 'main/core/tsconfig.json', '--noEmit']],
  ['import cycles', process.execPath, [path.join(root, 'scripts', 'check-cycles.mjs')]],
  ['format (prettier --check)', bin('prettier'), ['--check', '.', '--log-level', 'warn']],
  ['lint (layer rules)', bin('eslint'), ['--max-warnings', '0', '.']],
  ['unit and cross-process tests', bin('vitest'), ['run']],
  ['end-to-end (Chromium, headless server)', bin('playwright'), ['test']],
];

const only = process.argv.slice(2);
const t0 = Date.now();
console.log('== build');
await buildAll({ quiet: true });
for (const [name, cmd, args] of steps) {
  if (only.length > 0 && !only.some((o) => name.includes(o))) continue;
  console.log(`\n== ${name}`);
  const started = Date.now();
  const r = spawnSync(cmd, args, {
    stdio: 'inherit',
    cwd: root,
    env: { ...process.env, FORCE_COLOR: process.env['CI'] ? '0' : '1' },
  });
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (r.status !== 0) {
    console.error(`\n✗ ${name} failed (exit ${r.status ?? r.signal}) after ${secs} s`);
    process.exit(1);
  }
  console.log(`✓ ${name} (${secs} s)`);
}
console.log(`\nall checks passed in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
