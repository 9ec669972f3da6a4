// `npm start`: the desktop app. `npm install` never downloads Electron (.npmrc ignore-scripts), so
// the first start fetches the Electron runtime for this platform with Electron's own installer,
// then builds and launches. Needs network the first time; `npx hearth serve` needs none.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAll } from './build.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const electronDir = path.dirname(require.resolve('electron/package.json'));

function electronBinary() {
  try {
    const bin = require('electron');
    return typeof bin === 'string' && fs.existsSync(bin) ? bin : null;
  } catch {
    return null;
  }
}

let bin = electronBinary();
if (!bin) {
  const { version } = JSON.parse(fs.readFileSync(path.join(electronDir, 'package.json'), 'utf8'));
  console.log(`Fetching the Electron ${version} runtime (first start only, about 100 MB)...`);
  const r = spawnSync(process.execPath, [path.join(electronDir, 'install.js')], {
    stdio: ['ignore', 'inherit', 'pipe'],
    cwd: electronDir,
    encoding: 'utf8',
  });
  delete require.cache[require.resolve('electron')];
  bin = r.status === 0 ? electronBinary() : null;
  if (!bin) {
    const reason =
      (r.stderr ?? '')
        .split('\n')
        .find((l) => /Error|error/.test(l))
        ?.trim() ?? `installer exited with ${r.status}`;
    console.error(`hearth: could not download Electron (${reason}).`);
    console.error(
      'No network, or a proxy in the way? Set ELECTRON_MIRROR if you use a mirror, or run Hearth headless with `npx hearth serve` and open it in a browser.',
    );
    process.exit(1);
  }
}
await buildAll({ quiet: true });
const child = spawn(bin, [root, ...process.argv.slice(2)], { stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
