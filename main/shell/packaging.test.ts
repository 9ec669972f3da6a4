import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_INDEX_URL, APP_PRIVILEGES } from './app-protocol.ts';

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
  asar: boolean;
  asarUnpack: string[];
  electronFuses: Record<string, boolean>;
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

/** Every file under `dir` (relative to the repository root, with forward slashes). */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(path.join(root, d), { withFileTypes: true })) {
      const f = `${d}/${e.name}`;
      if (e.isDirectory()) walk(f);
      else out.push(f);
    }
  };
  walk(dir);
  return out;
}

/** The packages the packaged app carries: package.json's dependencies and everything they pull in. */
function runtimePackages(names: string[]): string[] {
  const seen = new Set<string>();
  const queue = [...names];
  while (queue.length) {
    const name = queue.shift()!;
    if (seen.has(name) || !fs.existsSync(path.join(root, 'node_modules', name, 'package.json'))) continue;
    seen.add(name);
    const p = JSON.parse(read(`node_modules/${name}/package.json`)) as {
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    queue.push(...Object.keys(p.dependencies ?? {}), ...Object.keys(p.optionalDependencies ?? {}));
  }
  return [...seen];
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

  it('flips the fuses that lock the binary down (no run-as-node, no NODE_OPTIONS or --inspect, asar only and checked)', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      loadBrowserProcessSpecificV8Snapshot: false,
      grantFileProtocolExtraPrivileges: false,
    });
    // Integrity is checked on app.asar and the app loads from nowhere else: both need the archive.
    expect(config.asar).toBe(true);
    // The desktop app never runs itself as Node (the fuse would break it): nothing sets ELECTRON_RUN_AS_NODE.
    for (const f of filesUnder('main').filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')))
      expect(read(f), f).not.toMatch(/ELECTRON_RUN_AS_NODE/);
  });

  it('unpacks from app.asar every file that must be on disk: the worker bundles, their .wasm and .node, and what they import', () => {
    // The built worker folder as the build writes it (vitest's global setup builds out/node).
    const workers = filesUnder('out/node/workers').filter((f) => !f.endsWith('.map'));
    expect(workers.some((f) => f.endsWith('.mjs'))).toBe(true);
    expect(workers.some((f) => f.endsWith('.wasm'))).toBe(true);
    // Native and WebAssembly files of every package the app ships (libsql's prebuilt .node, highs' wasm).
    const packages = runtimePackages(Object.keys(pkg.dependencies));
    const binaries = packages.flatMap((name) =>
      filesUnder(`node_modules/${name}`).filter(
        (f) => /\.(node|wasm)$/.test(f) && !f.includes('/node_modules/', `node_modules/${name}`.length),
      ),
    );
    expect(binaries.some((f) => f.endsWith('.node'))).toBe(true);
    expect(binaries.some((f) => f.endsWith('.wasm'))).toBe(true);
    // A worker started from app.asar.unpacked resolves its imports there: those packages go whole.
    const imported = workers
      .filter((f) => f.endsWith('.mjs'))
      .flatMap((f) => [...read(f).matchAll(/\bfrom\s*["']([^"'.][^"']*)["']/g)].map((m) => m[1]!))
      .filter((spec) => !spec.startsWith('node:'))
      .map((spec) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!));
    expect(imported).toContain('highs');
    const importedFiles = runtimePackages(imported).flatMap((name) => filesUnder(`node_modules/${name}`));
    for (const f of [...workers, ...binaries, ...importedFiles]) expect(included(f, config.asarUnpack), f).toBe(true);
    // The shell points the workers at the unpacked copy.
    expect(read('main/shell/index.ts')).toMatch(/'app\.asar\.unpacked', 'out', 'node'/);
    // Only what must be on disk: the page, the main bundle and the preload stay inside the archive.
    for (const f of [pkg.main, 'out/preload/index.cjs', 'out/renderer/index.html', 'out/node/cli.mjs'])
      expect(included(f, config.asarUnpack), f).toBe(false);
  });

  it('loads the page from app://hearth, registered before ready, never from file://', () => {
    // The code, not its comments (which explain why file:// is not used).
    const shell = read('main/shell/index.ts').replace(/^\s*\/\/.*$/gm, '');
    expect(APP_INDEX_URL).toBe('app://hearth/index.html');
    expect(APP_PRIVILEGES).toMatchObject({ standard: true, secure: true });
    expect(APP_PRIVILEGES).not.toHaveProperty('bypassCSP');
    expect(shell).toMatch(/\.loadURL\(APP_INDEX_URL\)/);
    expect(shell).not.toMatch(/loadFile\(|pathToFileURL|file:\/\//);
    // Schemes can only be made privileged before `ready`: at the top level, ahead of whenReady.
    const registered = shell.search(/^protocol\.registerSchemesAsPrivileged\(/m);
    expect(registered).toBeGreaterThan(-1);
    expect(registered).toBeLessThan(shell.indexOf('.whenReady()'));
    expect(shell).toMatch(/protocol\.handle\(APP_SCHEME,/);
  });
});
