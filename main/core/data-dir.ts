import os from 'node:os';
import path from 'node:path';

/** Electron names its userData folder after the app; the headless server uses the same one by default. */
export const APP_NAME = 'Hearth';

/**
 * Where the desktop app keeps its data (Electron's `app.getPath('userData')` for "Hearth"), so
 * `hearth serve` and the desktop app share one ledger. HEARTH_DATA_DIR overrides it.
 */
export function defaultDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string {
  if (env['HEARTH_DATA_DIR']) return env['HEARTH_DATA_DIR'];
  const home = os.homedir();
  if (platform === 'win32') return path.join(env['APPDATA'] ?? path.join(home, 'AppData', 'Roaming'), APP_NAME);
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', APP_NAME);
  return path.join(env['XDG_CONFIG_HOME'] ?? path.join(home, '.config'), APP_NAME);
}
