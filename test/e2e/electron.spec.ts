import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { _electron as electron } from '@playwright/test';
import { expect, test } from './fixture.ts';
import { root } from '../headless/harness.ts';

/** The Electron binary, if this machine has one (it is fetched on the first `npm start`). */
function electronBinary(): string | null {
  try {
    const bin = createRequire(import.meta.url)('electron') as unknown as string;
    return typeof bin === 'string' && fs.existsSync(bin) ? bin : null;
  } catch {
    return null;
  }
}

test('the desktop app opens its window, talks to the core over IPC and quits cleanly', async () => {
  const bin = electronBinary();
  const reason = 'no Electron binary here (npm install never downloads it; `npm start` fetches it on first run)';
  if (!bin) console.log(`electron e2e skipped: ${reason}`);
  test.skip(!bin, reason);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-electron-'));
  const app = await electron.launch({
    executablePath: bin!,
    args: [root, ...(process.env['CI'] || process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
    env: { ...process.env, HEARTH_DATA_DIR: dataDir },
  });
  const win = await app.firstWindow();
  // No Node in the page (sandbox, no nodeIntegration) and only the two named bridge functions.
  const page = await win.evaluate(() => ({
    require: typeof (globalThis as { require?: unknown }).require,
    process: typeof (globalThis as { process?: unknown }).process,
    bridge: Object.keys((globalThis as { hearth?: object }).hearth ?? {}).sort(),
  }));
  expect(page).toEqual({ require: 'undefined', process: 'undefined', bridge: ['invoke', 'subscribe'] });
  // The page comes from app://hearth (main/shell/app-protocol.ts), a secure origin of its own, not file://.
  const where = await win.evaluate(() => ({ href: location.href, origin: location.origin, secure: isSecureContext }));
  expect(where.href.split('#')[0]).toBe('app://hearth/index.html');
  expect(where.origin).toBe('app://hearth');
  expect(where.secure).toBe(true);
  // IPC answers from there: the sender check accepts our own page.
  expect(
    await win.evaluate(
      async () =>
        (
          await (
            globalThis as unknown as { hearth: { invoke(m: string, a: unknown): Promise<{ ok: boolean }> } }
          ).hearth.invoke('preferences-get', {})
        ).ok,
    ),
  ).toBe(true);
  await win.goto('app://hearth/index.html#/devices');
  await expect(win.getByTestId('cpu-facts').locator('[data-fact="Logical cores"]')).toHaveText(
    String(os.availableParallelism()),
  );
  await expect(win.locator('.nav-foot')).toHaveText('desktop');
  await app.close();
  expect(fs.existsSync(path.join(dataDir, 'hearth.db'))).toBe(true);
});
