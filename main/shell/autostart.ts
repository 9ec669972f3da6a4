import fs from 'node:fs';
import path from 'node:path';

/**
 * Linux desktops start what `~/.config/autostart/*.desktop` names at login (XDG Autostart);
 * Electron's login-item API covers only macOS and Windows. Writes or removes Hearth's entry.
 * `command` is the program and its arguments, each quoted in the entry.
 */
export function setXdgAutostart(file: string, enabled: boolean, name: string, command: string[]): void {
  if (!enabled) {
    fs.rmSync(file, { force: true });
    return;
  }
  // The Exec key's quoting: double quotes, with " ` $ \ escaped inside them.
  const exec = command.map((a) => `"${a.replace(/["`$\\]/g, (c) => `\\${c}`)}"`).join(' ');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(
    file,
    `[Desktop Entry]\nType=Application\nName=${name}\nExec=${exec}\nX-GNOME-Autostart-enabled=true\n`,
  );
}
