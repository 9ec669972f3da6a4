import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SECURITY_HEADERS } from '#transport/http';
import { APP_INDEX_URL, handleAppRequest, isAppPage, resolveAppRequest } from './app-protocol.ts';

// A renderer build as out/renderer looks, beside a file that must never be served.
const top = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-app-protocol-'));
const root = path.join(top, 'renderer');
fs.mkdirSync(path.join(root, 'assets'), { recursive: true });
fs.writeFileSync(
  path.join(root, 'index.html'),
  '<!doctype html><script type="module" src="./assets/index.js"></script>',
);
fs.writeFileSync(path.join(root, 'assets', 'index.js'), 'export {};');
fs.writeFileSync(path.join(root, 'assets', 'index.css'), 'body{}');
fs.writeFileSync(path.join(root, 'assets', 'blob.bin'), 'x');
fs.writeFileSync(path.join(top, 'secret.txt'), 'the token');
fs.symlinkSync(path.join(top, 'secret.txt'), path.join(root, 'assets', 'link.txt'));
afterAll(() => fs.rmSync(top, { recursive: true, force: true }));

const status = (url: string, method = 'GET') => {
  const r = resolveAppRequest(root, url, method);
  return r.ok ? 200 : r.status;
};

describe('app:// protocol (the desktop page instead of file://)', () => {
  it('serves index.html and the assets with their MIME types, the CSP and the HTTP transport’s security headers', async () => {
    for (const [url, type] of [
      [APP_INDEX_URL, 'text/html; charset=utf-8'],
      ['app://hearth/', 'text/html; charset=utf-8'],
      ['app://hearth/assets/index.js', 'text/javascript; charset=utf-8'],
      ['app://hearth/assets/index.css', 'text/css; charset=utf-8'],
      ['app://hearth/assets/blob.bin', 'application/octet-stream'],
    ] as const) {
      const res = await handleAppRequest(root, { url, method: 'GET' });
      expect(res.status, url).toBe(200);
      expect(res.headers.get('content-type'), url).toBe(type);
      for (const [k, v] of Object.entries(SECURITY_HEADERS)) expect(res.headers.get(k), `${url} ${k}`).toBe(v);
    }
    const index = await handleAppRequest(root, { url: `${APP_INDEX_URL}#/devices`, method: 'GET' });
    expect(await index.text()).toContain('./assets/index.js');
    expect(index.headers.get('content-security-policy')).toMatch(/default-src 'none'; script-src 'self'/);
    expect(index.headers.get('cache-control')).toBe('no-store');
  });

  it('refuses .. in any spelling, backslashes, drive letters, NUL, bad escapes, links out of the folder and other hosts', async () => {
    for (const url of [
      'app://hearth/..%2fsecret.txt',
      'app://hearth/assets/..%2F..%2Fsecret.txt',
      'app://hearth/%2e%2e%2fsecret.txt',
      'app://hearth/assets/..%5c..%5csecret.txt',
      'app://hearth/C:/Windows/win.ini',
      'app://hearth/index.html%00.js',
      'app://hearth/%E0%A4%A',
    ])
      expect(status(url), url).toBe(400);
    for (const url of [
      // The URL parser already folds a literal ../ and %2e%2e/: what is left stays inside the folder.
      'app://hearth/../secret.txt',
      'app://hearth/%2e%2e/secret.txt',
      // An absolute path is read as one under the folder, where it does not exist.
      'app://hearth//etc/passwd',
      'app://hearth/%2Fetc%2Fpasswd',
      `app://hearth/${encodeURIComponent(path.join(top, 'secret.txt'))}`,
      'app://hearth/assets/link.txt',
      'app://hearth/assets',
      'app://hearth/missing.js',
      'app://evil.example/index.html',
      'file:///etc/passwd',
    ])
      expect(status(url), url).toBe(404);
    expect(status(APP_INDEX_URL, 'POST')).toBe(405);
    const refused = await handleAppRequest(root, { url: 'app://hearth/..%2fsecret.txt', method: 'GET' });
    expect(await refused.text()).not.toContain('the token');
    expect(refused.headers.get('content-type')).toBe('text/plain; charset=utf-8');
  });

  it('knows its own page for the IPC sender check and the navigation guard', () => {
    expect(isAppPage(APP_INDEX_URL)).toBe(true);
    expect(isAppPage(`${APP_INDEX_URL}#/mining`)).toBe(true);
    expect(isAppPage('app://hearth/other.html')).toBe(false);
    expect(isAppPage('app://hearth.evil/index.html')).toBe(false);
    expect(isAppPage('file:///opt/Hearth/resources/app.asar/out/renderer/index.html')).toBe(false);
    expect(isAppPage('https://example.com/index.html')).toBe(false);
  });
});
