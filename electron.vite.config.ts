import path from 'node:path';
import { defineConfig } from 'electron-vite';

const root = import.meta.dirname;

// Entries are named explicitly: the folders are main/ and renderer/, not electron-vite's src/.
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      lib: { entry: path.join(root, 'main/shell/index.ts'), formats: ['es'] },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // A sandboxed preload cannot be an ES module.
      lib: { entry: path.join(root, 'main/shell/preload/index.ts'), formats: ['cjs'] },
      rolldownOptions: { output: { entryFileNames: '[name].cjs' } },
    },
  },
  renderer: {
    root: path.join(root, 'renderer'),
    build: {
      outDir: path.join(root, 'out/renderer'),
      emptyOutDir: true,
      rolldownOptions: { input: path.join(root, 'renderer/index.html') },
    },
  },
});
