import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * `npm run dist` needs network (electron-builder fetches Electron and its tools), so CI never runs
 * it; this test keeps its configuration from rotting unseen.
 */
const root = path.resolve(import.meta.dirname, '..', '..');
const read = (f: string) => fs.readFileSync(path.join(root, f), 'utf8');
type Target = { target: string; arch?: string[] };
type BuilderConfig = {
  appId: string;
  productName: string;
  directories: { output: string; buildResources: string };
  files: string[];
  win: { target: Target[]; icon: string };
  mac: { target: Target[]; icon: string };
  linux: { target: Target[]; icon: string; maintainer: string };
};
const config = JSON.parse(read('electron-builder.json')) as BuilderConfig;
const pkg = JSON.parse(read('package.json')) as {
  main: string;
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** electron-builder's file patterns: `**` any depth, `*` within a segment, `!` excludes. */
function included(file: string, patterns: string[]): boolean {
  const toRe = (g: string) =>
    new RegExp(
      `^${g
        .split(/\*\*\/?/)
        .map((part) => part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*'))
        .join('.*')}$`,
    );
  let ok = false;
  for (const p of patterns) {
    if (p.startsWith('!')) {
      if (toRe(p.slice(1)).test(file)) ok = false;
    } else if (toRe(p).test(file)) ok = true;
  }
  return ok;
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(file: string): { width: number; height: number } {
  const b = fs.readFileSync(path.join(root, file));
  expect(b.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

describe('packaging (electron-builder.json, npm run dist)', () => {
  it('builds an NSIS installer for Windows, a dmg for macOS, an AppImage and a deb for Linux', () => {
    expect(config.appId).toMatch(/^[a-z]+(\.[a-z0-9-]+){2,}$/);
    expect(config.productName).toBe('Hearth');
    expect(config.win.target.map((t) => t.target)).toEqual(['nsis']);
    expect(config.mac.target.map((t) => t.target)).toEqual(['dmg']);
    expect(config.linux.target.map((t) => t.target).sort()).toEqual(['AppImage', 'deb']);
    // The deb needs a maintainer with an e-mail address.
    expect(config.linux.maintainer).toMatch(/<[^@\s]+@[^>\s]+>/);
  });

  it('uses an app icon that exists and is large enough for every platform (macOS wants 512 px)', () => {
    for (const icon of [config.win.icon, config.mac.icon, config.linux.icon]) {
      const { width, height } = pngSize(icon);
      expect(width).toBe(height);
      expect(width).toBeGreaterThanOrEqual(512);
    }
  });

  it('packs the built app from out/ with the entry point, the workers and the resources the shell loads at run time', () => {
    for (const f of [
      pkg.main,
      'out/preload/index.cjs',
      'out/renderer/index.html',
      'out/node/cli.mjs',
      'out/node/workers/hash-sha256d.wasm',
      'package.json',
    ]) {
      expect(included(f, config.files), f).toBe(true);
    }
    expect(pkg.main.startsWith('out/')).toBe(true);
    // Every resources/ file the shell names is packed and exists.
    const shell = read('main/shell/index.ts');
    const named = [...shell.matchAll(/'resources', '([^']+)'/g)].map((m) => `resources/${m[1]}`);
    expect(named.length).toBeGreaterThan(0);
    for (const f of named) {
      expect(fs.existsSync(path.join(root, f)), f).toBe(true);
      expect(included(f, config.files), f).toBe(true);
    }
    // Sources and tests stay out.
    for (const f of ['main/shell/index.ts', 'renderer/main.tsx', 'test/e2e/fixture.ts'])
      expect(included(f, config.files), f).toBe(false);
    expect(read('.gitignore')).toMatch(new RegExp(`^${config.directories.output}/$`, 'm'));
  });

  it('npm run dist builds first, then runs a pinned electron-builder through npx, never installed by npm ci', () => {
    const dist = pkg.scripts['dist'] ?? '';
    expect(dist).toMatch(
      /^node scripts\/build\.mjs && npx --yes electron-builder@\d+\.\d+\.\d+ --config electron-builder\.json\b/,
    );
    expect(
      Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter((d) => d.includes('electron-builder')),
    ).toEqual([]);
  });
});
