import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirs } from '../../test/support/temp-dir.ts';
import { DEFAULT_WINDOW, loadWindowState, saveWindowState } from './window-state.ts';

const display = { x: 0, y: 0, width: 1920, height: 1080 };
const tmp = tempDirs('hearth-win-');

describe('window state', () => {
  it('restores the saved bounds when they are still on a display', () => {
    const file = path.join(tmp(), 'window-state.json');
    saveWindowState(file, { x: 100, y: 80, width: 1000, height: 700, maximized: true });
    expect(loadWindowState(file, [display])).toEqual({ x: 100, y: 80, width: 1000, height: 700, maximized: true });
  });

  it('drops a position on a monitor that is gone, and ignores a damaged file', () => {
    const dir = tmp();
    const file = path.join(dir, 'window-state.json');
    saveWindowState(file, { x: 3000, y: 80, width: 1000, height: 700, maximized: false });
    expect(loadWindowState(file, [display])).toEqual({ width: 1000, height: 700, maximized: false });
    fs.writeFileSync(file, '{"width": "wide"');
    expect(loadWindowState(file, [display])).toEqual(DEFAULT_WINDOW);
    expect(loadWindowState(path.join(dir, 'missing.json'), [display])).toEqual(DEFAULT_WINDOW);
  });
});
