import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const WindowState = z.object({
  x: z.number().int().optional(),
  y: z.number().int().optional(),
  width: z.number().int().min(400).max(10_000),
  height: z.number().int().min(300).max(10_000),
  maximized: z.boolean(),
});
export type WindowState = z.infer<typeof WindowState>;

export const DEFAULT_WINDOW: WindowState = { width: 1180, height: 780, maximized: false };

type Rect = { x: number; y: number; width: number; height: number };

/**
 * The window's last bounds, if the file is readable and the window would still be visible on one
 * of today's displays (a monitor may have been unplugged since).
 */
export function loadWindowState(file: string, displays: Rect[]): WindowState {
  let parsed: WindowState;
  try {
    parsed = WindowState.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
  } catch {
    return DEFAULT_WINDOW;
  }
  if (parsed.x === undefined || parsed.y === undefined) return parsed;
  const { x, y } = parsed;
  const visible = displays.some((d) => x + 100 > d.x && x < d.x + d.width - 100 && y >= d.y && y < d.y + d.height - 50);
  return visible ? parsed : { width: parsed.width, height: parsed.height, maximized: parsed.maximized };
}

export function saveWindowState(file: string, state: WindowState): void {
  const tmp = `${file}.tmp`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(tmp, JSON.stringify(state));
  fs.renameSync(tmp, file);
}
