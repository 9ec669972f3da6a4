import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirs } from '../../test/support/temp-dir.ts';
import { setXdgAutostart } from './autostart.ts';

const tmp = tempDirs('hearth-autostart-');

describe('XDG autostart entry (start at login on Linux)', () => {
  it('writes an entry that runs the app, quoting paths with spaces and specials, and removes it again', () => {
    const file = path.join(tmp(), 'autostart', 'hearth.desktop');
    setXdgAutostart(file, true, 'Hearth', ['/opt/Hearth App/hearth', '/home/a "b"/$app']);
    const text = fs.readFileSync(file, 'utf8');
    expect(text.split('\n')).toEqual([
      '[Desktop Entry]',
      'Type=Application',
      'Name=Hearth',
      'Exec="/opt/Hearth App/hearth" "/home/a \\"b\\"/\\$app"',
      'X-GNOME-Autostart-enabled=true',
      '',
    ]);
    setXdgAutostart(file, false, 'Hearth', []);
    expect(fs.existsSync(file)).toBe(false);
    // Turning it off twice is fine.
    setXdgAutostart(file, false, 'Hearth', []);
  });
});
